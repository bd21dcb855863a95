"""PyAirbyte -> DuckDB: tools/pyairbyte_duckdb.py runs the README's lines against the fake Twilio, and the README shows
what it prints.

The read needs .venv-pyairbyte (`source scripts/lib.sh && ensure_pyairbyte_venv`: pip install airbyte, which pins its
own airbyte-cdk); the tests install nothing. Without that venv the read skips, unless REQUIRE_PYAIRBYTE=1 makes that a
failure. The checks of the script's own verdicts run anywhere.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
from pathlib import Path

import pytest

from tools import pyairbyte_duckdb as script

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS_PAGE = ROOT / "docs" / "integrations" / "sources" / "twilio-conferences.md"
PYAIRBYTE_PYTHON = script.PYAIRBYTE_VENV / "bin" / "python"


def _readme_block(marker: str, page: Path = README) -> str:
    """The fenced block right after `<!-- marker -->` in the README (or another page)."""
    found = re.search(rf"<!-- {re.escape(marker)} -->\n```\w*\n(.*?)```", page.read_text(), re.S)
    assert found, f"{page.name} has no block after <!-- {marker} -->"
    return found.group(1)


@pytest.fixture(scope="module")
def pyairbyte_python() -> str:
    problem = ""
    if not PYAIRBYTE_PYTHON.exists():
        problem = f"no PyAirbyte venv at {script.PYAIRBYTE_VENV} (source scripts/lib.sh && ensure_pyairbyte_venv makes it)"
    elif subprocess.run([str(PYAIRBYTE_PYTHON), "-c", "import airbyte, duckdb, fake_twilio"], capture_output=True).returncode != 0:
        problem = f"{script.PYAIRBYTE_VENV} cannot import airbyte, duckdb and fake_twilio (ensure_pyairbyte_venv repairs it)"
    if problem:
        if os.environ.get("REQUIRE_PYAIRBYTE") == "1":
            pytest.fail(f"REQUIRE_PYAIRBYTE=1 but {problem}")
        pytest.skip(problem)
    return str(PYAIRBYTE_PYTHON)


def test_given_the_fake_when_pyairbyte_reads_into_duckdb_then_every_column_typed_as_the_readme_says(pyairbyte_python):
    result = subprocess.run([pyairbyte_python, str(ROOT / "tools" / "pyairbyte_duckdb.py")], capture_output=True, text=True, timeout=900, cwd=ROOT)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert script.UNTYPED not in result.stdout + result.stderr
    assert result.stdout == _readme_block("output of tools/pyairbyte_duckdb.py")
    assert "  JSON: detected_issues, tags, tag_info, links, _airbyte_meta\n" in result.stdout
    assert "  JSON: coached_participants, properties, events, metrics, _airbyte_meta\n" in result.stdout


def test_the_lines_of_the_readme_and_the_docs_page_are_those_the_script_runs():
    def statements(text: str) -> list:
        # The README names the connector and the DuckDB file by relative paths; the script by absolute ones.
        text = re.sub(r"local_executable=.*", "local_executable=...)", text)
        text = re.sub(r"db_path=.*", "db_path=...))", text)
        return [line.strip() for line in text.splitlines() if re.match(r"\s*(import airbyte|source|result)\b", line)]

    readme = statements(_readme_block("the lines tools/pyairbyte_duckdb.py runs"))
    docs = statements(_readme_block("the lines tools/pyairbyte_duckdb.py runs", DOCS_PAGE))
    ran = statements(inspect.getsource(script.read_into_duckdb))

    assert readme == ran
    assert docs == ran
    assert len(ran) == 5


def test_given_an_object_in_a_varchar_column_or_a_property_without_type_then_the_script_reports_each():
    schema = {"properties": {
        "sid": {"type": ["null", "string"]},
        "tags": {"type": ["null", "object"]},
        "events": {"type": "array", "items": {"type": "object"}},
        "metrics": {"description": "Object."},
    }}

    typed = script.column_problems({"sid": "VARCHAR", "tags": "JSON", "events": "JSON", "metrics": "JSON"}, {"properties": dict(list(schema["properties"].items())[:3])})
    untyped = script.column_problems({"sid": "VARCHAR", "tags": "VARCHAR", "events": "JSON", "metrics": "VARCHAR"}, schema)

    assert typed == []
    assert untyped == ["tags: null/object in the schema, VARCHAR in DuckDB", "metrics: no type in the schema"]


def test_given_pyairbyte_output_then_each_could_not_determine_line_is_a_problem():
    output = "Connection check succeeded.\nCould not determine airbyte type from JSON schema: {'description': 'Object.'}\nDone.\n"

    assert script.output_problems(output) == ["Could not determine airbyte type from JSON schema: {'description': 'Object.'}"]
    assert script.output_problems("Connection check succeeded.\n") == []
