"""`source-twilio` itself (source_twilio/source.py): what it does before the CDK's entry point takes over."""

import gc
import json
import logging

from datetime import date

import pytest
from freezegun import freeze_time
from source_twilio.source import run
from unit_tests.builders.config import ConfigBuilder
from unit_tests.builders.requests import conferences_window
from unit_tests.builders.responses import conference_record, conference_sid, list_response, utc
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


def test_given_a_read_when_run_then_what_was_built_before_it_is_out_of_the_collectors_way(http_mocker, capsys, tmp_path, monkeypatch):
    launched = []
    monkeypatch.setattr("airbyte_cdk.entrypoint.launch", lambda source, args: launched.append(gc.get_freeze_count()))
    gc.unfreeze()
    (tmp_path / "catalog.json").write_text(json.dumps({"streams": []}))

    exit_code, _, _ = run_entry_point(capsys, tmp_path, "read", ConfigBuilder().build(), "--catalog", str(tmp_path / "catalog.json"))

    assert exit_code == 0 and len(launched) == 1
    assert launched[0] > 100_000  # the CDK's modules and the source: full collections during the read skip them


@freeze_time("2024-03-15T12:00:00Z")
def test_given_a_state_file_when_read_then_each_window_starts_at_its_cursor(http_mocker, capsys, tmp_path):
    configured = {"streams": [{"stream": {"name": "conferences", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                               "sync_mode": "incremental", "cursor_field": ["date_updated"], "destination_sync_mode": "append"}]}
    state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "conferences"}, "stream_state": {"date_updated": "2024-03-10T08:30:00Z"}}}]
    (tmp_path / "catalog.json").write_text(json.dumps(configured))
    (tmp_path / "state.json").write_text(json.dumps(state))
    # completed from its cursor; the live statuses from 48 hours ago (StatusCursors); nothing from the start date
    http_mocker.get(conferences_window(date(2024, 3, 10), date(2024, 3, 16)).build(),
                    list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 12))]))
    for status in ("in-progress", "init"):
        http_mocker.get(conferences_window(date(2024, 3, 13), date(2024, 3, 16), status).build(), list_response("conferences", []))

    exit_code, output, _ = run_entry_point(
        capsys, tmp_path, "read", ConfigBuilder().build(), "--catalog", str(tmp_path / "catalog.json"), "--state", str(tmp_path / "state.json")
    )

    assert exit_code == 0
    assert [m.record.data["sid"] for m in output.records] == [conference_sid(1)]
