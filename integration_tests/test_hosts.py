"""One manifest.yaml and one components.py, three hosts, the same behaviour.

(a) the source_twilio package (`source-twilio`); (b) Airbyte's generic runner `source-declarative-manifest`, and
(c) the Connector Builder's handler (`airbyte_cdk.connector_builder.main`), both from a venv that holds airbyte-cdk
and nothing of ours (`.venv-cdk`, made by scripts/lib.sh), run from a folder outside the project, so that
`source_twilio` cannot be imported: they get the two files only.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from fake_twilio import Dataset
from fake_twilio.harness import LOOPBACK_ONLY, Run, Workdir, catalog, comparable_state, run, sample_config, scan_for_secrets

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "source_twilio" / "manifest.yaml"
COMPONENTS = ROOT / "source_twilio" / "components.py"
CDK_VENV = Path(os.environ.get("SOURCE_TWILIO_CDK_VENV", ROOT / ".venv-cdk"))
STREAMS = ["conferences", "conference_participants", "conference_summaries", "conference_participant_summaries"]
KEYS = {"conferences": "sid", "conference_participants": "call_sid", "conference_summaries": "conference_sid", "conference_participant_summaries": "participant_sid"}

pytestmark = pytest.mark.skipif(
    not (CDK_VENV / "bin" / "python").exists() and not os.environ.get("REQUIRE_CDK_VENV"),
    reason=f"no venv with airbyte-cdk alone at {CDK_VENV} (scripts/test makes it)",
)


def _run_elsewhere(args: List[str], work: Workdir, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Runs a program of the CDK-only venv in a temporary folder, with custom code allowed as Airbyte allows it."""
    return subprocess.run(
        args, cwd=work.path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "AIRBYTE_ENABLE_UNSAFE_CODE": "true", "PYTHONPATH": "", **LOOPBACK_ONLY, **(env or {})},
    )


def runner(command: str, config: dict, configured_catalog: Any = None, state: Any = None) -> Run:
    """(b): `source-declarative-manifest <command> --manifest-path ... --components-path ...`."""
    work = Workdir()
    try:
        args = [str(CDK_VENV / "bin" / "source-declarative-manifest"), command, "--config", work.write("config.json", config)]
        if configured_catalog is not None:
            args += ["--catalog", work.write("catalog.json", configured_catalog)]
        if state is not None:
            args += ["--state", work.write("state.json", state)]
        result = _run_elsewhere(args + ["--manifest-path", str(MANIFEST), "--components-path", str(COMPONENTS)], work)
    finally:
        work.cleanup()
    scan_for_secrets(config, result.stdout, result.stderr)
    return Run.parse(result.returncode, result.stdout, result.stderr)


def builder(command: str, config: dict, configured_catalog: Any = None, components: Optional[str] = None) -> Dict[str, Any]:
    """(c): the Connector Builder's handler, with the manifest and components.py injected as the Builder injects them."""
    code = COMPONENTS.read_text() if components is None else components
    injected = {
        **config,
        "__command": command,
        "__injected_declarative_manifest": yaml.safe_load(MANIFEST.read_text()),
        "__injected_components_py": code,
        "__injected_components_py_checksums": {"md5": hashlib.md5(code.encode()).hexdigest()},
        "__test_read_config": {"max_records": 2000, "max_pages_per_slice": 5, "max_slices": 100},
    }
    work = Workdir()
    try:
        args = [str(CDK_VENV / "bin" / "python"), "-m", "airbyte_cdk.connector_builder.main", "read"]
        args += ["--config", work.write("config.json", injected), "--catalog", work.write("catalog.json", configured_catalog or {"streams": []})]
        result = _run_elsewhere(args, work)
    finally:
        work.cleanup()
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stderr[-2000:]
    return lines[-1]


def _records(result: Run, stream: str) -> List[str]:
    return sorted(json.dumps(record, sort_keys=True) for record in result.records(stream))


def test_given_the_cdk_only_venv_when_importing_source_twilio_then_it_is_not_there():
    work = Workdir()
    try:
        result = _run_elsewhere([str(CDK_VENV / "bin" / "python"), "-c", "import source_twilio"], work)
    finally:
        work.cleanup()
    assert "No module named 'source_twilio'" in result.stderr


class TestRunner:
    def test_given_the_fake_when_read_by_the_runner_then_the_same_records_and_state_as_the_package(self, start_fake):
        fake = start_fake(Dataset(conferences=60, seed=41))
        config = sample_config(fake.base_url)

        package = run("read", config, catalog(STREAMS))
        generic = runner("read", config, catalog(STREAMS))

        assert package.returncode == generic.returncode == 0, generic.stderr[-2000:]
        for stream in STREAMS:
            assert _records(generic, stream) == _records(package, stream) != [], stream
        assert comparable_state(generic.final_state()) == comparable_state(package.final_state())

    def test_given_a_state_when_read_by_the_runner_then_the_same_incremental_read_as_the_package(self, start_fake):
        dataset = Dataset(conferences=60, seed=42)
        fake = start_fake(dataset)
        config = sample_config(fake.base_url)
        state = run("read", config, catalog(STREAMS)).final_state()
        dataset.add_conferences(3)

        package = run("read", config, catalog(STREAMS), state)
        generic = runner("read", config, catalog(STREAMS), state)

        for stream in STREAMS:
            assert _records(generic, stream) == _records(package, stream), stream
        assert comparable_state(generic.final_state()) == comparable_state(package.final_state())

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param({"account_sid": "AC123"}, id="a value rule"),
            pytest.param({"num_workers": 0}, id="a value the CDK reads before any rule"),
            pytest.param({"credentials": {"auth_type": "auth_token", "auth_token": "wrong-token-8d1e"}}, id="a wrong token"),
        ],
    )
    def test_given_a_mistake_when_check_and_read_then_the_same_messages_in_both(self, start_fake, change):
        fake = start_fake(Dataset(conferences=10, seed=43))
        config = {**sample_config(fake.base_url), **change}

        for command, configured in (("check", None), ("read", catalog(["conferences"]))):
            package, generic = run(command, config, configured), runner(command, config, configured)
            assert package.returncode == generic.returncode
            assert package.connection_status == generic.connection_status
            # the first error is the stream's own; after it, the concurrent reader's failures come in any order
            assert [e["message"] for e in package.errors[:1]] == [e["message"] for e in generic.errors[:1]]
            assert {(e["message"][:120], e["failure_type"]) for e in package.errors} == {(e["message"][:120], e["failure_type"]) for e in generic.errors}
            assert (package.connection_status or {}).get("status") != "SUCCEEDED" and (package.errors or command == "check")

    def test_given_an_old_config_with_a_top_level_token_when_read_by_the_runner_then_migrated_and_read(self, start_fake):
        fake = start_fake(Dataset(conferences=10, seed=44))
        config = sample_config(fake.base_url)
        config["auth_token"] = config.pop("credentials")["auth_token"]

        generic = runner("read", config, catalog(["conferences"]))

        assert generic.returncode == 0, generic.stderr[-2000:]
        assert len(generic.records("conferences")) == 10
        [migrated] = [m["control"]["connectorConfig"]["config"] for m in generic.of_type("CONTROL")]
        assert migrated["credentials"]["auth_type"] == "auth_token" and "auth_token" not in migrated


class TestConnectorBuilder:
    def test_given_the_manifest_when_resolved_then_every_stream_is_there(self, start_fake):
        fake = start_fake(Dataset(conferences=5))

        answer = builder("resolve_manifest", sample_config(fake.base_url))

        streams = answer["record"]["data"]["manifest"]["streams"]
        assert [s["name"] for s in streams] == STREAMS
        assert streams[0]["incremental_sync"]["cursor_field"] == "date_updated"

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_the_fake_when_test_read_then_the_records_of_the_package(self, start_fake, stream):
        fake = start_fake(Dataset(conferences=30, seed=17))
        config = sample_config(fake.base_url)

        answer = builder("test_read", config, catalog([stream], incremental=False))
        package = run("read", config, catalog([stream], incremental=False))

        assert answer["type"] == "RECORD", answer
        read = answer["record"]["data"]
        records = [record for slice_ in read["slices"] for page in slice_["pages"] for record in page["records"]]
        assert sorted(r[KEYS[stream]] for r in records) == sorted(r[KEYS[stream]] for r in package.records(stream)) != []
        assert not [log for log in read["logs"] if log.get("level") == "ERROR"]

    def test_given_an_old_config_when_test_read_then_records(self, start_fake):
        fake = start_fake(Dataset(conferences=8, seed=18))
        config = sample_config(fake.base_url)
        config["auth_token"] = config.pop("credentials")["auth_token"]

        answer = builder("test_read", config, catalog(["conferences"], incremental=False))

        records = [r for s in answer["record"]["data"]["slices"] for p in s["pages"] for r in p["records"]]
        assert len(records) == 8

    @pytest.mark.parametrize(
        "broken",
        [
            pytest.param("", id="empty"),
            pytest.param("raise RuntimeError('broken on purpose')\n", id="raises"),
            pytest.param(COMPONENTS.read_text().replace("class TwilioNextPage", "class TwilioNextPageGone"), id="a class missing"),
        ],
    )
    def test_given_a_broken_components_py_when_test_read_then_no_records_and_an_error(self, start_fake, broken):
        fake = start_fake(Dataset(conferences=5))

        answer = builder("test_read", sample_config(fake.base_url), catalog(["conferences"], incremental=False), components=broken)

        data = (answer.get("record") or {}).get("data") or {}
        records = [r for s in data.get("slices", []) for p in s["pages"] for r in p["records"]]
        errors = [log for log in data.get("logs", []) if log.get("level") == "ERROR"] + ([answer] if answer["type"] == "TRACE" else [])
        assert records == [] and errors, answer
