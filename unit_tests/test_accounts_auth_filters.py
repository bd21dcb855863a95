import base64
from datetime import date

from airbyte_cdk.models import SyncMode
from freezegun import freeze_time

from unit_tests.builders import (
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    ConfigBuilder,
    accounts_endpoint,
    accounts_response,
    catalog,
    conference_record,
    conference_sid,
    conferences_endpoint,
    conferences_window,
    list_response,
    live_conferences_endpoint,
    utc,
)
from unit_tests.conftest import read_source, records_of

_NOW = "2024-03-15T12:00:00Z"
_START = "2024-03-10T00:00:00Z"
_SUB_1 = "AC" + "1" * 32
_SUB_CLOSED = "AC" + "2" * 32


def _basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _window(account: str, status: str = "completed"):
    return (
        conferences_endpoint(account)
        .with_date_updated_from(date(2024, 3, 10))
        .with_date_updated_to(date(2024, 3, 16))
        .with_page_size(1000)
        .with_status(status)
    )


@freeze_time(_NOW)
class TestSubaccounts:
    def test_given_subaccounts_when_read_then_every_open_account_is_read_with_its_own_state(self, http_mocker):
        http_mocker.get(
            accounts_endpoint().build(), accounts_response([(ACCOUNT_SID, "active"), (_SUB_1, "active"), (_SUB_CLOSED, "closed")])
        )
        http_mocker.get(_window(ACCOUNT_SID).build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 11))]))
        http_mocker.get(
            _window(_SUB_1).build(), list_response("conferences", [conference_record(conference_sid(2), utc(2024, 3, 12), account_sid=_SUB_1)])
        )
        for account in (ACCOUNT_SID, _SUB_1):
            for status in ("in-progress", "init"):
                http_mocker.get(_window(account, status).build(), list_response("conferences", []))

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_field("include_subaccounts", True).build(),
            catalog("conferences", sync_mode=SyncMode.incremental),
        )

        assert sorted((r["account_sid"], r["sid"]) for r in records_of(output, "conferences")) == [
            (ACCOUNT_SID, conference_sid(1)),
            (_SUB_1, conference_sid(2)),
        ]
        states = output.most_recent_state.stream_state.__dict__["states"]
        assert sorted((s["partition"]["account_sid"], s["cursor"]["date_updated"]) for s in states) == [
            (ACCOUNT_SID, "2024-03-11T00:00:00Z"),
            (_SUB_1, "2024-03-12T00:00:00Z"),
        ]

    def test_given_subaccounts_off_when_read_then_the_accounts_are_not_listed(self, http_mocker):
        http_mocker.get(conferences_window(date(2024, 3, 10), date(2024, 3, 16)).build(), list_response("conferences", []))
        for status in ("in-progress", "init"):
            http_mocker.get(conferences_window(date(2024, 3, 10), date(2024, 3, 16), status).build(), list_response("conferences", []))

        output = read_source(ConfigBuilder().with_start_date(_START).build(), catalog("conferences"))

        assert output.errors == []


@freeze_time(_NOW)
class TestCredentials:
    def _mock_window(self, http_mocker, headers):
        records = [conference_record(conference_sid(1), utc(2024, 3, 11))]
        http_mocker.get(_window(ACCOUNT_SID).with_headers(headers).build(), list_response("conferences", records))
        for status in ("in-progress", "init"):
            http_mocker.get(_window(ACCOUNT_SID, status).with_headers(headers).build(), list_response("conferences", []))

    def test_given_an_api_key_when_read_then_basic_auth_with_the_key_sid_and_secret(self, http_mocker):
        self._mock_window(http_mocker, _basic(API_KEY_SID, API_KEY_SECRET))

        output = read_source(ConfigBuilder().with_start_date(_START).with_api_key().build(), catalog("conferences"))

        assert len(records_of(output, "conferences")) == 1

    def test_given_an_old_config_with_a_top_level_auth_token_when_read_then_basic_auth_with_the_account_sid(self, http_mocker):
        self._mock_window(http_mocker, _basic(ACCOUNT_SID, AUTH_TOKEN))

        output = read_source(ConfigBuilder().with_start_date(_START).with_legacy_auth_token().build(), catalog("conferences"))

        assert len(records_of(output, "conferences")) == 1


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

    def test_given_in_progress_only_when_read_then_one_status_request_per_window_and_live_parents_in_progress(self, http_mocker):
        http_mocker.get(_window(ACCOUNT_SID, "in-progress").build(), list_response("conferences", []))
        http_mocker.get(
            live_conferences_endpoint("in-progress", created_from=date(2024, 3, 10)).build(), list_response("conferences", [])
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_field("conference_status", ["in-progress"]).build(),
            catalog("conferences", "conference_participants"),
        )

        assert output.errors == []
