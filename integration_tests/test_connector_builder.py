"""The manifest in the Connector Builder: the CDK's builder entry point (`python -m airbyte_cdk.connector_builder.main`)
resolves it and test-reads each stream from the fake Twilio, with the custom components injected as the Builder
injects them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fake_twilio import Dataset
from fake_twilio.harness import Workdir, catalog, sample_config

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "source_twilio" / "manifest.yaml").read_text())
COMPONENTS = (ROOT / "source_twilio" / "components.py").read_text()
STREAMS = ["conferences", "conference_participants", "conference_summaries", "conference_participant_summaries"]


def _builder(command: str, config: dict, configured_catalog: dict | None = None) -> dict:
    work = Workdir()
    try:
        builder_config = {
            **config,
            "__command": command,
            "__injected_declarative_manifest": MANIFEST,
            "__injected_components_py": COMPONENTS,
            "__injected_components_py_checksums": {"md5": hashlib.md5(COMPONENTS.encode()).hexdigest()},
            "__test_read_config": {"max_records": 1000, "max_pages_per_slice": 5, "max_slices": 50},
        }
        args = [sys.executable, "-m", "airbyte_cdk.connector_builder.main", "read", "--config", work.write("config.json", builder_config)]
        args += ["--catalog", work.write("catalog.json", configured_catalog or {"streams": []})]
        result = subprocess.run(
            args, capture_output=True, text=True, timeout=120, env={**os.environ, "AIRBYTE_ENABLE_UNSAFE_CODE": "true"}
        )
    finally:
        work.cleanup()
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stderr[-2000:]
    return lines[-1]


def test_given_the_manifest_when_the_builder_resolves_it_then_every_stream_is_resolved(start_fake):
    fake = start_fake(Dataset(conferences=5))

    answer = _builder("resolve_manifest", sample_config(fake.base_url))

    manifest = answer["record"]["data"]["manifest"]
    one_account, all_accounts = (entry["streams"] for entry in manifest["streams"])
    assert [s["name"] for s in one_account] == STREAMS == [s["name"] for s in all_accounts]
    assert one_account[0]["incremental_sync"]["cursor_field"] == "date_updated"
    assert "partition_router" in all_accounts[0]["retriever"] and "partition_router" not in one_account[0]["retriever"]


@pytest.mark.parametrize("stream", STREAMS)
def test_given_the_fake_when_the_builder_test_reads_a_stream_then_it_shows_the_records(start_fake, stream):
    dataset = Dataset(conferences=30, seed=17)
    fake = start_fake(dataset)

    answer = _builder("test_read", sample_config(fake.base_url), catalog([stream], incremental=False))

    assert answer["type"] == "RECORD", answer
    read = answer["record"]["data"]
    records = [record for slice_ in read["slices"] for page in slice_["pages"] for record in page["records"]]
    expected = {
        "conferences": len(dataset.all_conferences()),
        "conference_participants": len(list(dataset.iter_participants())),
        "conference_summaries": len(dataset.all_conferences()),
        "conference_participant_summaries": len(list(dataset.iter_participants(live_only=False))),
    }[stream]
    assert len(records) == expected
    assert not [log for log in read["logs"] if log.get("level") == "ERROR"]
