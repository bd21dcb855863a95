import base64
import json
from datetime import date

import pytest
from airbyte_cdk.models import SyncMode, Type
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.mock_http.response_builder import FieldPath
from freezegun import freeze_time

from source_twilio.source import source
from unit_tests.builders.catalog import catalog
from unit_tests.builders.config import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, ConfigBuilder
from unit_tests.builders.requests import (
    accounts_endpoint,
    conferences_endpoint,
    live_conferences_endpoint,
    participants_endpoint,
    summaries_window,
)
from unit_tests.builders.responses import (
    accounts_response,
    call_sid,
    conference_record,
    conference_sid,
    insights_response,
    list_response,
    participant_record,
    summary_record,
    utc,
)
from unit_tests.conftest import read_source, records_of

_NOW = "2024-03-15T12:00:00Z"
_START = "2024-03-10T00:00:00Z"
# The live statuses of the configured account start 48 hours before now, after _START (StatusCursors).
_LIVE_FROM = date(2024, 3, 13)
_SUB_1 = "AC" + "1" * 32
_SUB_CLOSED = "AC" + "2" * 32


def _basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _window(account: str, status: str = "completed", first_day: date = date(2024, 3, 10)):
    return (
        conferences_endpoint(account)
        .with_date_updated_from(first_day)
        .with_date_updated_to(date(2024, 3, 16))
        .with_page_size(1000)
        .with_status(status)
    )


def _live_windows(account: str = ACCOUNT_SID, first_day: date = _LIVE_FROM):
    return [_window(account, status, first_day) for status in ("in-progress", "init")]


def _mock_accounts(http_mocker):
    http_mocker.get(
        accounts_endpoint().build(), accounts_response([(ACCOUNT_SID, "active"), (_SUB_1, "active"), (_SUB_CLOSED, "closed")])
    )


@freeze_time(_NOW)
class TestSubaccounts:
    def test_given_subaccounts_when_read_then_every_open_account_is_read_with_its_own_state_per_status(self, http_mocker):
        start = "2024-03-14T00:00:00Z"  # within 48 hours: every account's live statuses start at the start date
        _mock_accounts(http_mocker)
        http_mocker.get(
            _window(ACCOUNT_SID, first_day=date(2024, 3, 14)).build(),
            list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 14, 1))]),
        )
        http_mocker.get(
            _window(_SUB_1, first_day=date(2024, 3, 14)).build(),
            list_response("conferences", [conference_record(conference_sid(2), utc(2024, 3, 14, 2), account_sid=_SUB_1)]),
        )
        http_mocker.get(
            _window(_SUB_1, "in-progress", date(2024, 3, 14)).build(),
            list_response("conferences", [conference_record(conference_sid(3), utc(2024, 3, 15, 11), "in-progress", account_sid=_SUB_1)]),
        )
        for request in [*_live_windows(ACCOUNT_SID, date(2024, 3, 14)), _window(_SUB_1, "init", date(2024, 3, 14))]:
            http_mocker.get(request.build(), list_response("conferences", []))

        output = read_source(
            ConfigBuilder().with_start_date(start).with_field("include_subaccounts", True).build(),
            catalog("conferences", sync_mode=SyncMode.incremental),
        )

        assert output.errors == []
        assert sorted((r["account_sid"], r["sid"]) for r in records_of(output, "conferences")) == [
            (ACCOUNT_SID, conference_sid(1)),
            (_SUB_1, conference_sid(2)),
            (_SUB_1, conference_sid(3)),
        ]
        states = output.most_recent_state.stream_state.__dict__["states"]
        assert sorted((s["partition"]["account_sid"], s["partition"]["status"], s["cursor"]["date_updated"]) for s in states) == [
            (ACCOUNT_SID, "completed", "2024-03-14T01:00:00Z"),
            (ACCOUNT_SID, "in-progress", start),
            (ACCOUNT_SID, "init", start),
            (_SUB_1, "completed", "2024-03-14T02:00:00Z"),
            (_SUB_1, "in-progress", "2024-03-15T11:00:00Z"),
            (_SUB_1, "init", start),
        ]

    @pytest.mark.xfail(
        strict=True,
        reason="Known limitation (README, Subaccounts): StatusCursors floors the live statuses' cursors only for the configured account "
        "and for accounts already in the state, so a subaccount read for the first time asks in-progress and init for "
        "every 30-day window since start_date (0.1.0 asked them only for the windows of the last 48 hours).",
    )
    def test_given_subaccounts_read_for_the_first_time_when_read_then_their_live_statuses_start_48_hours_ago(self):
        with HttpMocker() as http_mocker:  # not the fixture: its check of unused mocks would fail a second time
            _mock_accounts(http_mocker)
            for account in (ACCOUNT_SID, _SUB_1):
                for request in [_window(account), *_live_windows(account)]:
                    http_mocker.get(request.build(), list_response("conferences", []))

            output = read_source(
                ConfigBuilder().with_start_date(_START).with_field("include_subaccounts", True).build(),
                catalog("conferences", sync_mode=SyncMode.incremental),
            )

        # Today the subaccount's in-progress and init are asked from 2024-03-10, a request no mock matches.
        assert output.errors == []

    def test_given_subaccounts_off_when_read_then_the_accounts_are_not_listed(self, http_mocker):
        # No mock for Accounts.json: listing the accounts would fail the read.
        for request in [_window(ACCOUNT_SID), *_live_windows()]:
            http_mocker.get(request.build(), list_response("conferences", []))

        output = read_source(ConfigBuilder().with_start_date(_START).build(), catalog("conferences"))

        assert output.errors == []

    def test_given_subaccounts_when_summaries_read_then_a_subaccount_is_asked_with_twilios_subaccount_filter(self, http_mocker):
        _mock_accounts(http_mocker)
        window = summaries_window(utc(2024, 3, 10), utc(2024, 3, 15, 12))
        http_mocker.get(window.build(), insights_response("conference_summaries", [summary_record(conference_sid(1), utc(2024, 3, 11))]))
        http_mocker.get(
            summaries_window(utc(2024, 3, 10), utc(2024, 3, 15, 12)).with_param("Subaccount", _SUB_1).build(),
            insights_response(
                "conference_summaries", [summary_record(conference_sid(2), utc(2024, 3, 12)).with_field(FieldPath("account_sid"), _SUB_1)]
            ),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_field("include_subaccounts", True).build(),
            catalog("conference_summaries", sync_mode=SyncMode.incremental),
        )

        assert output.errors == []
        assert sorted((r["account_sid"], r["conference_sid"]) for r in records_of(output, "conference_summaries")) == [
            (ACCOUNT_SID, conference_sid(1)),
            (_SUB_1, conference_sid(2)),
        ]
        states = output.most_recent_state.stream_state.__dict__["states"]
        assert sorted((s["partition"]["account_sid"], s["cursor"]["create_time"]) for s in states) == [
            (ACCOUNT_SID, "2024-03-11T00:00:00Z"),
            (_SUB_1, "2024-03-12T00:00:00Z"),
        ]

    def test_given_subaccounts_when_participants_read_then_each_conference_is_asked_under_its_own_account(self, http_mocker):
        _mock_accounts(http_mocker)
        live = conference_sid(7)
        http_mocker.get(
            conferences_endpoint(_SUB_1).with_date_created_from(date(2024, 3, 10)).with_status("in-progress").with_page_size(1000).build(),
            list_response("conferences", [conference_record(live, utc(2024, 3, 15, 11), "in-progress", account_sid=_SUB_1)]),
        )
        for account, status in [(ACCOUNT_SID, "in-progress"), (ACCOUNT_SID, "init"), (_SUB_1, "init")]:
            http_mocker.get(
                conferences_endpoint(account).with_date_created_from(date(2024, 3, 10)).with_status(status).with_page_size(1000).build(),
                list_response("conferences", []),
            )
        http_mocker.get(
            participants_endpoint(live, account_sid=_SUB_1).build(),
            list_response("conference_participants", [participant_record(live, call_sid(1), utc(2024, 3, 15, 11))]),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_field("include_subaccounts", True).build(), catalog("conference_participants")
        )

        assert output.errors == []
        assert [(r["conference_sid"], r["call_sid"]) for r in records_of(output, "conference_participants")] == [(live, call_sid(1))]


@freeze_time(_NOW)
class TestCredentials:
    def _mock_window(self, http_mocker, headers):
        records = [conference_record(conference_sid(1), utc(2024, 3, 11))]
        http_mocker.get(_window(ACCOUNT_SID).with_headers(headers).build(), list_response("conferences", records))
        for request in _live_windows():
            http_mocker.get(request.with_headers(headers).build(), list_response("conferences", []))

    def test_given_an_api_key_when_read_then_basic_auth_with_the_key_sid_and_secret(self, http_mocker):
        self._mock_window(http_mocker, _basic(API_KEY_SID, API_KEY_SECRET))

        output = read_source(ConfigBuilder().with_start_date(_START).with_api_key().build(), catalog("conferences"))

        assert len(records_of(output, "conferences")) == 1
        assert output.errors == []

    def test_given_an_old_config_with_a_top_level_auth_token_when_read_then_basic_auth_with_the_account_sid(self, http_mocker):
        self._mock_window(http_mocker, _basic(ACCOUNT_SID, AUTH_TOKEN))

        output = read_source(ConfigBuilder().with_start_date(_START).with_legacy_auth_token().build(), catalog("conferences"))

        assert len(records_of(output, "conferences")) == 1
        assert output.errors == []

    def test_given_an_old_config_with_a_top_level_auth_token_when_the_source_starts_then_a_control_message_migrates_it(
        self, http_mocker, capsys, tmp_path
    ):
        self._mock_window(http_mocker, _basic(ACCOUNT_SID, AUTH_TOKEN))
        config = ConfigBuilder().with_start_date(_START).with_legacy_auth_token().build()
        config_path = tmp_path / "config.json"
        config_path.write_text(json.dumps(config))

        # As the entry point does (and Airbyte's runner): the source gets the config's path, to migrate it.
        twilio = source(catalog("conferences"), config, None, config_path=str(config_path))
        printed = EntrypointOutput(messages=[line for line in capsys.readouterr().out.splitlines() if line.startswith("{")])
        output = read(twilio, config, catalog("conferences"))

        controls = printed.get_message_by_types([Type.CONTROL])
        assert len(controls) == 1
        migrated = controls[0].control.connectorConfig.config
        assert migrated["credentials"] == {"auth_type": "auth_token", "auth_token": AUTH_TOKEN}
        assert "auth_token" not in migrated and migrated["account_sid"] == ACCOUNT_SID
        assert output.errors == []
        assert len(records_of(output, "conferences")) == 1

    def test_given_a_current_config_when_the_source_starts_then_no_control_message(self, capsys, tmp_path):
        config = ConfigBuilder().build()
        config_path = tmp_path / "config.json"
        config_path.write_text(json.dumps(config))

        source(catalog("conferences"), config, None, config_path=str(config_path))

        assert '"CONTROL"' not in capsys.readouterr().out
        assert json.loads(config_path.read_text()) == config


@freeze_time(_NOW)
class TestFilters:
    def test_given_completed_and_a_name_when_read_then_both_are_twilio_query_parameters_and_no_live_request(self, http_mocker):
        http_mocker.get(
            _window(ACCOUNT_SID).with_friendly_name("MyRoom").build(),
            list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 11))]),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_field("conference_status", ["completed"]).with_field("friendly_name", "MyRoom").build(),
            catalog("conferences", "conference_participants"),
        )

        assert [r["sid"] for r in records_of(output, "conferences")] == [conference_sid(1)]
        assert records_of(output, "conference_participants") == []
        assert output.errors == []

    def test_given_in_progress_only_when_read_then_one_status_partition_and_live_parents_in_progress(self, http_mocker):
        http_mocker.get(_window(ACCOUNT_SID, "in-progress", _LIVE_FROM).build(), list_response("conferences", []))
        http_mocker.get(
            live_conferences_endpoint("in-progress", created_from=date(2024, 3, 10)).build(), list_response("conferences", [])
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_field("conference_status", ["in-progress"]).build(),
            catalog("conferences", "conference_participants"),
        )

        assert output.errors == []

    def test_given_in_progress_only_when_read_incrementally_then_the_state_holds_that_status_only(self, http_mocker):
        http_mocker.get(
            _window(ACCOUNT_SID, "in-progress", _LIVE_FROM).build(),
            list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 15, 10), "in-progress")]),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_field("conference_status", ["in-progress"]).build(),
            catalog("conferences", sync_mode=SyncMode.incremental),
        )

        states = output.most_recent_state.stream_state.__dict__["states"]
        assert [(s["partition"]["status"], s["cursor"]["date_updated"]) for s in states] == [("in-progress", "2024-03-15T10:00:00Z")]
