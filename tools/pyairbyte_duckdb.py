"""PyAirbyte -> DuckDB against the fake Twilio: the README's lines, run for real, so that its section stays true.

    python tools/pyairbyte_duckdb.py [--conferences 50]

Makes .venv-pyairbyte (PyAirbyte, which pins its own airbyte-cdk, plus the fake Twilio) once through scripts/lib.sh
and runs there. It starts the fake Twilio on 127.0.0.1, reads every stream with `.venv/bin/source-twilio` into a
DuckDB file in a temporary folder (AIRBYTE_OFFLINE_MODE=1: PyAirbyte then never asks for Airbyte's registry), and
prints each table's row count and its columns by type. It exits 1 when PyAirbyte says "Could not determine airbyte type",
or when a property the schema calls object or array did not land in a JSON column (VARCHAR holding JSON text).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
PYAIRBYTE_VENV = Path(os.environ.get("PYAIRBYTE_VENV", ROOT / ".venv-pyairbyte"))
CONNECTOR = Path(os.environ.get("SOURCE_TWILIO_COMMAND", ROOT / ".venv" / "bin" / "source-twilio"))
UNTYPED = "Could not determine airbyte type"
# PyAirbyte offline, without telemetry, and any request to a host other than 127.0.0.1 sent to a closed port.
ENVIRONMENT = {
    "AIRBYTE_OFFLINE_MODE": "1",
    "DO_NOT_TRACK": "1",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}


def read_into_duckdb(config: dict, db_path: str) -> None:
    """The README's lines (section "Into DuckDB with PyAirbyte"), with the connector's path made absolute."""
    import airbyte as ab

    source = ab.get_source("source-twilio", config=config, local_executable=str(CONNECTOR))
    source.check()
    source.select_all_streams()
    result = source.read(cache=ab.DuckDBCache(db_path=db_path))
    for name, dataset in result.streams.items():
        print(f"{name}: {len(dataset)} rows")


def _types(schema: dict) -> List[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def column_problems(columns: Dict[str, str], schema: dict) -> List[str]:
    """Properties the schema calls object or array must be JSON columns, not VARCHAR holding JSON text."""
    problems = []
    for name, prop in schema.get("properties", {}).items():
        if not _types(prop):
            problems.append(f"{name}: no type in the schema")
        elif {"object", "array"} & set(_types(prop)) and columns.get(name) != "JSON":
            problems.append(f"{name}: {'/'.join(_types(prop))} in the schema, {columns.get(name, 'no column')} in DuckDB")
    return problems


def output_problems(output: str) -> List[str]:
    """PyAirbyte prints this line for each property it cannot type, then makes the column VARCHAR."""
    return [line.strip() for line in output.splitlines() if UNTYPED in line]


def describe(stream: str, rows: int, columns: Dict[str, str]) -> List[str]:
    """`conferences: 50 rows`, then the columns grouped by their DuckDB type, in the table's order."""
    by_type: Dict[str, List[str]] = {}
    for name, kind in columns.items():
        by_type.setdefault(kind, []).append(name)
    return [f"{stream}: {rows} rows"] + [f"  {kind}: {', '.join(names)}" for kind, names in by_type.items()]


def _in_pyairbyte_venv() -> bool:
    return Path(sys.prefix).resolve() == PYAIRBYTE_VENV.resolve()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conferences", type=int, default=50, help="conferences in the fake account")
    parser.add_argument("--read", nargs=2, metavar=("CONFIG", "DB"), help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args(argv)

    if args.read:
        read_into_duckdb(json.loads(Path(args.read[0]).read_text()), args.read[1])
        return 0
    if not _in_pyairbyte_venv():
        made = subprocess.run(["bash", "-c", "source scripts/lib.sh && ensure_pyairbyte_venv"], cwd=ROOT)
        if made.returncode != 0:
            return made.returncode
        python = str(PYAIRBYTE_VENV / "bin" / "python")
        os.execv(python, [python, __file__, *(argv if argv is not None else sys.argv[1:])])

    import duckdb
    import yaml
    from fake_twilio import Dataset, FakeTwilio

    if not CONNECTOR.exists():
        print(f"{CONNECTOR} is missing: run ./scripts/demo or source scripts/lib.sh && ensure_venv first", file=sys.stderr)
        return 2
    schemas = yaml.safe_load((ROOT / "source_twilio" / "manifest.yaml").read_text())["schemas"]
    config = json.loads((ROOT / "integration_tests" / "sample_config.json").read_text())
    with tempfile.TemporaryDirectory(prefix="pyairbyte-twilio-") as work, FakeTwilio(Dataset(conferences=args.conferences, seed=15)) as fake:
        config["base_url"] = config["insights_base_url"] = fake.base_url
        (Path(work) / "config.json").write_text(json.dumps(config))
        db_path = str(Path(work) / "twilio.duckdb")
        child = subprocess.run(
            [sys.executable, __file__, "--read", str(Path(work) / "config.json"), db_path],
            cwd=work, env={**os.environ, **ENVIRONMENT}, capture_output=True, text=True, timeout=600,
        )
        output = child.stdout + child.stderr
        if child.returncode != 0:
            print(output[-4000:], file=sys.stderr)
            print(f"PyAirbyte's read failed (exit {child.returncode})", file=sys.stderr)
            return 1
        problems = output_problems(output)
        with duckdb.connect(db_path, read_only=True) as db:
            for stream, schema in schemas.items():
                rows = db.execute(f'SELECT count(*) FROM main."{stream}"').fetchone()[0]
                columns = {name: kind for name, kind, *_ in db.execute(f'DESCRIBE main."{stream}"').fetchall()}
                print("\n".join(describe(stream, rows, columns)))
                problems += [f"{stream}.{problem}" for problem in column_problems(columns, schema)]
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print(f"{len(problems)} problems" if problems else "Every property typed by PyAirbyte, every object and array a JSON column.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
