import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from airbyte_cdk.models import AirbyteStateMessageSerializer, SyncMode
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from unit_tests.builders.catalog import catalog
from unit_tests.builders.config import ACCOUNT_SID, ConfigBuilder
from unit_tests.builders.requests import accounts_endpoint, conferences_endpoint, conferences_window
from unit_tests.builders.responses import (
    accounts_response,
    conference_record,
    conference_sid,
    list_response,
    twilio_error,
    utc,
)
from source_twilio.source import MANIFEST
from unit_tests.conftest import read_source, records_of

_NOW = "2024-03-15T12:00:00Z"
# start_date 2024-01-01T00:00:00Z and now 2024-03-15T12:00:00Z give three 30-day windows of Status=completed:
#   [01-01T00:00:00, 01-30T23:59:59], [01-31T00:00:00, 02-29T23:59:59], [03-01T00:00:00, 03-15T12:00:00]
# each pushed down to Twilio as whole days, the last day plus one (Twilio's "<=" on a date is unconfirmed).
# The live statuses (in-progress, init) are partitions of their own whose cursor starts 48 hours before now
# (StatusCursors): one window [03-13T12:00:00, 03-15T12:00:00] each, and no request for the older windows.
_WINDOW_1 = conferences_window(date(2024, 1, 1), date(2024, 1, 31))
_WINDOW_2 = conferences_window(date(2024, 1, 31), date(2024, 3, 1))
_WINDOW_3 = conferences_window(date(2024, 3, 1), date(2024, 3, 16))
_LIVE = [conferences_window(date(2024, 3, 13), date(2024, 3, 16), status) for status in ("in-progress", "init")]
_LIVE_FLOOR = "2024-03-13T12:00:00Z"  # now - 48 hours


def _mock_empty(http_mocker, *requests):
    for request in requests:
        http_mocker.get(request.build(), list_response("conferences", []))


def _partition(status: str, account_sid: str = ACCOUNT_SID) -> dict:
    return {"account_sid": account_sid, "parent_slice": {}, "status": status}


def _cursors_by_status(stream_state: dict) -> dict:
    return {s["partition"]["status"]: s["cursor"]["date_updated"] for s in stream_state["states"]}


@freeze_time(_NOW)
class TestFullRefresh:
    def test_given_three_pages_when_read_then_follow_next_page_uri_and_emit_every_record(self, http_mocker):
        page_2 = conferences_window(date(2024, 3, 1), date(2024, 3, 16)).with_page(1, "PA" + conference_sid(2))
        page_3 = conferences_window(date(2024, 3, 1), date(2024, 3, 16)).with_page(2, "PA" + conference_sid(4))
        http_mocker.get(
            _WINDOW_3.build(),
            list_response("conferences", [conference_record(conference_sid(n), utc(2024, 3, 5, n)) for n in (1, 2)], page_2),
        )
        http_mocker.get(
            page_2.build(),
            list_response("conferences", [conference_record(conference_sid(n), utc(2024, 3, 5, n)) for n in (3, 4)], page_3),
        )
        http_mocker.get(page_3.build(), list_response("conferences", [conference_record(conference_sid(5), utc(2024, 3, 5, 5))]))
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2, *_LIVE)

        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        assert [r["sid"] for r in records_of(output, "conferences")] == [conference_sid(n) for n in range(1, 6)]
        assert output.errors == []

    def test_given_each_status_when_read_then_one_request_per_status_with_twilios_status_filter(self, http_mocker):
        http_mocker.get(_WINDOW_3.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 14))]))
        http_mocker.get(
            _LIVE[0].build(),
            list_response("conferences", [conference_record(conference_sid(2), utc(2024, 3, 15, 11), status="in-progress")]),
        )
        http_mocker.get(
            _LIVE[1].build(),
            list_response("conferences", [conference_record(conference_sid(3), utc(2024, 3, 15, 11, 30), status="init")]),
        )
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2)

        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        # Partitions are read concurrently: the order between statuses is not fixed.
        assert sorted((r["sid"], r["status"]) for r in records_of(output, "conferences")) == [
            (conference_sid(1), "completed"),
            (conference_sid(2), "in-progress"),
            (conference_sid(3), "init"),
        ]
        assert output.errors == []

    def test_given_a_live_conference_older_than_48_hours_when_read_then_live_statuses_are_not_asked_for_older_windows(
        self, http_mocker
    ):
        # Only _LIVE is mocked for the live statuses: a request for in-progress or init in windows 1 to 3 would not
        # match any mock and fail the read.
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2, _WINDOW_3, *_LIVE)

        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        assert output.errors == []
        assert records_of(output, "conferences") == []

    def test_given_rfc_2822_dates_when_read_then_records_carry_iso_8601_utc(self, http_mocker):
        http_mocker.get(
            _WINDOW_3.build(),
            list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 5, 20, 0, 7), date_created=utc(2024, 3, 5, 19, 1))]),
        )
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2, *_LIVE)

        record = records_of(read_source(ConfigBuilder().build(), catalog("conferences")), "conferences")[0]

        assert (record["date_created"], record["date_updated"]) == ("2024-03-05T19:01:00Z", "2024-03-05T20:00:07Z")

    def test_given_records_outside_the_window_when_read_then_each_record_is_emitted_by_its_own_window_only(self, http_mocker):
        on_boundary_day = conference_record(conference_sid(1), utc(2024, 1, 31, 8))
        # Window 1 asks for DateUpdated<=2024-01-31, so Twilio also returns the conference of Jan 31: it belongs to window 2.
        http_mocker.get(
            _WINDOW_1.build(),
            list_response("conferences", [on_boundary_day, conference_record(conference_sid(2), utc(2024, 1, 30, 23, 59, 59))]),
        )
        http_mocker.get(_WINDOW_2.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 31, 8))]))
        _mock_empty(http_mocker, _WINDOW_3, *_LIVE)

        records = records_of(read_source(ConfigBuilder().build(), catalog("conferences")), "conferences")

        assert sorted(r["sid"] for r in records) == [conference_sid(1), conference_sid(2)]

    def test_given_a_live_conference_updated_before_the_live_window_when_read_then_it_is_dropped(self, http_mocker):
        # Twilio's day filter returns the whole of 03-13; the live window starts at 12:00 that day.
        http_mocker.get(
            _LIVE[0].build(),
            list_response(
                "conferences",
                [
                    conference_record(conference_sid(1), utc(2024, 3, 13, 11, 59, 59), status="in-progress"),
                    conference_record(conference_sid(2), utc(2024, 3, 13, 12), status="in-progress"),
                ],
            ),
        )
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2, _WINDOW_3, _LIVE[1])

        records = records_of(read_source(ConfigBuilder().build(), catalog("conferences")), "conferences")

        assert [r["sid"] for r in records] == [conference_sid(2)]

    def test_given_start_date_in_the_future_when_read_then_no_request_and_no_record(self, http_mocker):
        output = read_source(ConfigBuilder().with_start_date("2030-01-01T00:00:00Z").build(), catalog("conferences"))

        assert records_of(output, "conferences") == []
        assert output.errors == []

    def test_given_a_start_date_within_48_hours_when_read_then_live_statuses_start_at_the_start_date(self, http_mocker):
        start = "2024-03-14T06:00:00Z"
        windows = [conferences_window(date(2024, 3, 14), date(2024, 3, 16), s) for s in ("completed", "in-progress", "init")]
        http_mocker.get(
            windows[1].build(),
            list_response(
                "conferences",
                [
                    conference_record(conference_sid(1), utc(2024, 3, 14, 5, 59, 59), status="in-progress"),  # before start_date
                    conference_record(conference_sid(2), utc(2024, 3, 14, 6), status="in-progress"),
                ],
            ),
        )
        _mock_empty(http_mocker, windows[0], windows[2])

        output = read_source(ConfigBuilder().with_start_date(start).build(), catalog("conferences", sync_mode=SyncMode.incremental))

        assert [r["sid"] for r in records_of(output, "conferences")] == [conference_sid(2)]
        assert _cursors_by_status(output.most_recent_state.stream_state.__dict__) == {
            "completed": start,
            "in-progress": "2024-03-14T06:00:00Z",
            "init": start,
        }


@freeze_time(_NOW)
class TestWindows:
    """A backfill is cut into num_workers windows, so that every worker has a list query to run."""

    @pytest.mark.parametrize(
        "days_back, workers, step",
        [(60, 10, "P7D"), (60, 3, "P21D"), (730, 10, "P30D"), (10, 40, "P1D"), (0, 10, "P1D"), (-30, 10, "P1D"), (60, 1, "P30D")],
    )
    def test_given_a_range_and_workers_when_sized_then_range_over_workers_days_between_1_and_30(self, days_back, workers, step):
        start = (utc(2024, 3, 15, 12) - timedelta(days=days_back)).strftime("%Y-%m-%dT%H:%M:%SZ")
        window = yaml.safe_load(MANIFEST.read_text())["definitions"]["window"]

        assert InterpolatedString.create(window, parameters={}).eval({"start_date": start, "num_workers": workers}) == step

    def test_given_a_60_day_backfill_and_10_workers_when_read_then_nine_7_day_windows_each_asked_once(self, http_mocker):
        firsts = [date(2024, 1, 15) + timedelta(days=7 * k) for k in range(9)]
        for n, first in enumerate(firsts):
            day_after_last = min(first + timedelta(days=7), date(2024, 3, 16))
            record = conference_record(conference_sid(n), datetime.combine(first, time(6), timezone.utc) + timedelta(days=n % 7))
            http_mocker.get(conferences_window(first, day_after_last).build(), list_response("conferences", [record]))
        _mock_empty(http_mocker, *_LIVE)

        output = read_source(ConfigBuilder().with_start_date("2024-01-15T00:00:00Z").with_num_workers(10).build(), catalog("conferences"))

        assert sorted(r["sid"] for r in records_of(output, "conferences")) == sorted(conference_sid(n) for n in range(9))


@freeze_time(_NOW)
class TestIncremental:
    def test_given_no_state_when_read_then_request_each_30_day_window_and_save_a_cursor_per_account_and_status(self, http_mocker):
        http_mocker.get(_WINDOW_1.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 10))]))
        http_mocker.get(_WINDOW_2.build(), list_response("conferences", [conference_record(conference_sid(2), utc(2024, 2, 20, 6, 30))]))
        http_mocker.get(_WINDOW_3.build(), list_response("conferences", [conference_record(conference_sid(3), utc(2024, 3, 14, 9, 15, 30))]))
        http_mocker.get(
            _LIVE[0].build(),
            list_response("conferences", [conference_record(conference_sid(4), utc(2024, 3, 15, 11, 45), status="in-progress")]),
        )
        _mock_empty(http_mocker, _LIVE[1])

        output = read_source(ConfigBuilder().build(), catalog("conferences", sync_mode=SyncMode.incremental))

        assert len(records_of(output, "conferences")) == 4
        state = output.most_recent_state.stream_state.__dict__
        assert state["use_global_cursor"] is False
        assert sorted(s["partition"]["status"] for s in state["states"]) == ["completed", "in-progress", "init"]
        assert all(s["partition"] == _partition(s["partition"]["status"]) for s in state["states"])
        assert _cursors_by_status(state) == {
            "completed": "2024-03-14T09:15:30Z",
            "in-progress": "2024-03-15T11:45:00Z",
            "init": _LIVE_FLOOR,  # nothing read: the live window's start, 48 hours ago
        }
        assert state["state"] == {"date_updated": "2024-03-15T11:45:00Z"}

    def test_given_state_and_lookback_when_read_then_each_partition_requests_from_its_cursor_minus_lookback(self, http_mocker):
        state = (
            StateBuilder()
            .with_stream_state(
                "conferences",
                {
                    "use_global_cursor": False,
                    "states": [
                        {"partition": _partition("completed"), "cursor": {"date_updated": "2024-03-10T08:30:00Z"}},
                        {"partition": _partition("in-progress"), "cursor": {"date_updated": "2024-03-14T08:30:00Z"}},
                        {"partition": _partition("init"), "cursor": {"date_updated": "2024-03-14T08:30:00Z"}},
                    ],
                    "state": {"date_updated": "2024-03-14T08:30:00Z"},
                },
            )
            .build()
        )
        # 90 minutes before 08:30 is 07:00 the same day: one window [2024-03-10T07:00:00, now] for completed, and
        # [2024-03-14T07:00:00, now] for the live statuses, whose cursors are within the last 48 hours and kept.
        completed = conferences_window(date(2024, 3, 10), date(2024, 3, 16))
        live = [conferences_window(date(2024, 3, 14), date(2024, 3, 16), s) for s in ("in-progress", "init")]
        http_mocker.get(
            completed.build(),
            list_response(
                "conferences",
                [
                    conference_record(conference_sid(1), utc(2024, 3, 10, 6, 59, 59)),  # before the lookback: dropped
                    conference_record(conference_sid(2), utc(2024, 3, 10, 7, 0, 0)),
                    conference_record(conference_sid(3), utc(2024, 3, 12, 18)),
                ],
            ),
        )
        http_mocker.get(
            live[0].build(),
            list_response(
                "conferences",
                [
                    conference_record(conference_sid(4), utc(2024, 3, 14, 6, 59, 59), status="in-progress"),  # dropped
                    conference_record(conference_sid(5), utc(2024, 3, 14, 7), status="in-progress"),
                ],
            ),
        )
        _mock_empty(http_mocker, live[1])

        output = read_source(
            ConfigBuilder().with_lookback_window(90).build(), catalog("conferences", sync_mode=SyncMode.incremental), state
        )

        assert sorted(r["sid"] for r in records_of(output, "conferences")) == [conference_sid(n) for n in (2, 3, 5)]
        assert output.errors == []
        assert _cursors_by_status(output.most_recent_state.stream_state.__dict__) == {
            "completed": "2024-03-12T18:00:00Z",
            "in-progress": "2024-03-14T08:30:00Z",  # the record read is older than the saved cursor: kept
            "init": "2024-03-14T08:30:00Z",
        }

    def test_given_a_live_cursor_older_than_48_hours_when_read_then_the_live_status_starts_48_hours_ago(self, http_mocker):
        state = (
            StateBuilder()
            .with_stream_state(
                "conferences",
                {
                    "use_global_cursor": False,
                    "states": [
                        {"partition": _partition(status), "cursor": {"date_updated": "2024-01-05T00:00:00Z"}}
                        for status in ("completed", "in-progress", "init")
                    ],
                },
            )
            .build()
        )
        completed = [
            conferences_window(date(2024, 1, 5), date(2024, 2, 4)),
            conferences_window(date(2024, 2, 4), date(2024, 3, 5)),
            conferences_window(date(2024, 3, 5), date(2024, 3, 16)),
        ]
        _mock_empty(http_mocker, *completed, *_LIVE)

        output = read_source(ConfigBuilder().build(), catalog("conferences", sync_mode=SyncMode.incremental), state)

        assert output.errors == []
        cursors = _cursors_by_status(output.most_recent_state.stream_state.__dict__)
        assert (cursors["in-progress"], cursors["init"]) == (_LIVE_FLOOR, _LIVE_FLOOR)

    def test_given_a_window_fails_when_read_then_the_completed_cursor_stays_before_that_window(self, http_mocker):
        broken_page = conferences_window(date(2024, 1, 31), date(2024, 3, 1)).with_page(1, "PAbroken")
        http_mocker.get(_WINDOW_1.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 10))]))
        http_mocker.get(_WINDOW_2.build(), list_response("conferences", [], broken_page))
        http_mocker.get(broken_page.build(), twilio_error(400, 20001, "Invalid PageToken"))
        http_mocker.get(_WINDOW_3.build(), list_response("conferences", [conference_record(conference_sid(3), utc(2024, 3, 14))]))
        _mock_empty(http_mocker, *_LIVE)

        output = read_source(
            ConfigBuilder().with_num_workers(1).build(), catalog("conferences", sync_mode=SyncMode.incremental), expecting_exception=True
        )

        assert output.errors
        completed = [
            _cursors_by_status(m.state.stream.stream_state.__dict__).get("completed")
            for m in output.state_messages
            if "states" in m.state.stream.stream_state.__dict__
        ]
        assert completed and all(cursor in (None, "2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z") for cursor in completed)
        assert "2024-01-10T00:00:00Z" in completed


# States written by 0.1.0 (unit_tests/resource/state_0.1.0/), with the bundled sample config they were written with.
_STATES_0_1_0 = Path(__file__).parent / "resource" / "state_0.1.0"
_FIXTURE_ACCOUNT = "AC" + "0" * 32
_FIXTURE_SUBACCOUNTS = ["AC8b0e7153bf7c3706d85c524e44006655", "ACbc0dbc0e15637ebb8e3b91d26ab4a829"]


def _state_0_1_0(fixture: str) -> list:
    return [AirbyteStateMessageSerializer.load(message) for message in json.loads((_STATES_0_1_0 / fixture).read_text())]


def _fixture_config() -> ConfigBuilder:
    return ConfigBuilder().with_field("account_sid", _FIXTURE_ACCOUNT).with_lookback_window(60)


def _account_window(account: str, first_day: date, day_after_last: date, status: str = "completed"):
    return (
        conferences_endpoint(account)
        .with_date_updated_from(first_day)
        .with_date_updated_to(day_after_last)
        .with_page_size(1000)
        .with_status(status)
    )


class TestResumeFrom010:
    @freeze_time("2027-01-15T00:00:00Z")
    def test_given_a_0_1_0_single_account_state_when_read_then_completed_windows_start_at_the_old_cursors_day_and_nothing_before(
        self, http_mocker
    ):
        # 0.1.0 saved {"date_updated": "2026-11-21T11:56:06Z"}; with the 60 minutes of lookback, completed resumes at
        # 2026-11-21T10:56:06 in 30-day windows. The live statuses start 48 hours (and the lookback) before now. No
        # other request is mocked: a window from the start date (2024-01-01) would fail the read.
        first = _account_window(_FIXTURE_ACCOUNT, date(2026, 11, 21), date(2026, 12, 22))
        http_mocker.get(
            first.build(),
            list_response(
                "conferences",
                [
                    conference_record(conference_sid(1), utc(2026, 11, 21, 10, 56, 5), account_sid=_FIXTURE_ACCOUNT),  # read by 0.1.0
                    conference_record(conference_sid(2), utc(2026, 11, 21, 11, 56, 6), account_sid=_FIXTURE_ACCOUNT),  # in the lookback
                    conference_record(conference_sid(3), utc(2026, 12, 1), account_sid=_FIXTURE_ACCOUNT),
                ],
            ),
        )
        http_mocker.get(_account_window(_FIXTURE_ACCOUNT, date(2026, 12, 21), date(2027, 1, 16)).build(), list_response("conferences", []))
        for status in ("in-progress", "init"):
            http_mocker.get(
                _account_window(_FIXTURE_ACCOUNT, date(2027, 1, 12), date(2027, 1, 16), status).build(), list_response("conferences", [])
            )

        output = read_source(_fixture_config().build(), catalog("conferences", sync_mode=SyncMode.incremental), _state_0_1_0("single_account.json"))

        assert output.errors == []
        assert sorted(r["sid"] for r in records_of(output, "conferences")) == [conference_sid(2), conference_sid(3)]
        state = output.most_recent_state.stream_state.__dict__
        assert _cursors_by_status(state) == {
            "completed": "2026-12-01T00:00:00Z",
            "in-progress": "2027-01-13T00:00:00Z",
            "init": "2027-01-13T00:00:00Z",
        }

    @freeze_time("2027-01-15T00:00:00Z")
    def test_given_a_0_1_0_single_account_state_and_nothing_new_when_read_then_the_state_does_not_go_back(self, http_mocker):
        for request in (
            _account_window(_FIXTURE_ACCOUNT, date(2026, 11, 21), date(2026, 12, 22)),
            _account_window(_FIXTURE_ACCOUNT, date(2026, 12, 21), date(2027, 1, 16)),
            _account_window(_FIXTURE_ACCOUNT, date(2027, 1, 12), date(2027, 1, 16), "in-progress"),
            _account_window(_FIXTURE_ACCOUNT, date(2027, 1, 12), date(2027, 1, 16), "init"),
        ):
            http_mocker.get(request.build(), list_response("conferences", []))

        output = read_source(_fixture_config().build(), catalog("conferences", sync_mode=SyncMode.incremental), _state_0_1_0("single_account.json"))

        state = output.most_recent_state.stream_state.__dict__
        assert _cursors_by_status(state)["completed"] == "2026-11-21T11:56:06Z"
        assert state["state"] == {"date_updated": "2026-11-21T11:56:06Z"}

    @freeze_time("2026-11-22T12:00:00Z")
    def test_given_a_0_1_0_subaccounts_state_when_read_then_every_status_of_every_account_resumes_at_its_accounts_cursor(
        self, http_mocker
    ):
        accounts = [_FIXTURE_ACCOUNT, *_FIXTURE_SUBACCOUNTS]
        http_mocker.get(accounts_endpoint().build(), accounts_response([(account, "active") for account in accounts]))
        # Every old cursor is on 2026-11-21, a day ago: one window per account and status, none from the start date.
        for account in accounts:
            for status in ("completed", "in-progress", "init"):
                http_mocker.get(
                    _account_window(account, date(2026, 11, 21), date(2026, 11, 23), status).build(), list_response("conferences", [])
                )

        output = read_source(
            _fixture_config().with_field("include_subaccounts", True).build(),
            catalog("conferences", sync_mode=SyncMode.incremental),
            _state_0_1_0("subaccounts.json"),
        )

        assert output.errors == []
        old = {
            s["partition"]["account_sid"]: s["cursor"]["date_updated"]
            for s in next(m for m in _state_0_1_0("subaccounts.json") if m.stream.stream_descriptor.name == "conferences").stream.stream_state.__dict__["states"]
        }
        states = output.most_recent_state.stream_state.__dict__["states"]
        assert {(s["partition"]["account_sid"], s["partition"]["status"]): s["cursor"]["date_updated"] for s in states} == {
            (account, status): old[account] for account in accounts for status in ("completed", "in-progress", "init")
        }
