"""`source-twilio` itself (source_twilio/source.py): what it does before the CDK's entry point takes over."""

import json
import logging

import pytest
from source_twilio.source import run
from unit_tests.builders.config import ConfigBuilder
from unit_tests.conftest import run_entry_point


def test_given_no_command_when_run_then_the_usage_lists_the_commands_and_exits_0(capsys):
    with pytest.raises(SystemExit) as exited:
        run([])

    printed = capsys.readouterr().out
    assert exited.value.code == 0
    assert printed.startswith("usage:") and "{spec,check,discover,read}" in printed


def test_given_a_catalog_naming_a_stream_this_source_lacks_when_read_then_a_warning_naming_it_and_the_streams(
    http_mocker, capsys, caplog, tmp_path
):
    configured = {"streams": [{"stream": {"name": "calls", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                               "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    (tmp_path / "catalog.json").write_text(json.dumps(configured))

    _, output, _ = run_entry_point(capsys, tmp_path, "read", ConfigBuilder().build(), "--catalog", str(tmp_path / "catalog.json"))

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "catalog" in r.getMessage()]
    assert warnings == [
        "The catalog names a stream this source does not have: calls. Its streams: conferences, conference_participants, "
        "conference_summaries, conference_participant_summaries."
    ]
    assert output.records == []
