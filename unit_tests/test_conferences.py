from datetime import date

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from unit_tests.builders import (
    ConfigBuilder,
    catalog,
    conference_record,
    conference_sid,
    conferences_window,
    list_response,
    twilio_error,
    utc,
)
from unit_tests.conftest import read_source, records_of

_NOW = "2024-03-15T12:00:00Z"
# start_date 2024-01-01T00:00:00Z and now 2024-03-15T12:00:00Z give three 30-day windows:
#   [01-01T00:00:00, 01-30T23:59:59], [01-31T00:00:00, 02-29T23:59:59], [03-01T00:00:00, 03-15T12:00:00]
# each pushed down to Twilio as whole days, the last day plus one (Twilio's "<=" on a date is unconfirmed).
# Every window reads Status=completed; the last one, which ends within 48 hours, also in-progress and init.
_WINDOW_1 = conferences_window(date(2024, 1, 1), date(2024, 1, 31))
_WINDOW_2 = conferences_window(date(2024, 1, 31), date(2024, 3, 1))
_WINDOW_3 = conferences_window(date(2024, 3, 1), date(2024, 3, 16))
_WINDOW_3_LIVE = [conferences_window(date(2024, 3, 1), date(2024, 3, 16), status) for status in ("in-progress", "init")]


def _mock_empty(http_mocker, *requests):
    for request in requests:
        http_mocker.get(request.build(), list_response("conferences", []))


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
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2, *_WINDOW_3_LIVE)

        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        assert [r["sid"] for r in records_of(output, "conferences")] == [conference_sid(n) for n in range(1, 6)]

    def test_given_a_recent_window_when_read_then_read_completed_then_in_progress_then_init(self, http_mocker):
        http_mocker.get(_WINDOW_3.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 14))]))
        http_mocker.get(
            _WINDOW_3_LIVE[0].build(),
            list_response("conferences", [conference_record(conference_sid(2), utc(2024, 3, 15, 11), status="in-progress")]),
        )
        http_mocker.get(
            _WINDOW_3_LIVE[1].build(),
            list_response("conferences", [conference_record(conference_sid(3), utc(2024, 3, 15, 11, 30), status="init")]),
        )
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2)

        records = records_of(read_source(ConfigBuilder().build(), catalog("conferences")), "conferences")

        assert [(r["sid"], r["status"]) for r in records] == [
            (conference_sid(1), "completed"),
            (conference_sid(2), "in-progress"),
            (conference_sid(3), "init"),
        ]

    def test_given_rfc_2822_dates_when_read_then_records_carry_iso_8601_utc(self, http_mocker):
        http_mocker.get(
            _WINDOW_3.build(),
            list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 5, 20, 0, 7), date_created=utc(2024, 3, 5, 19, 1))]),
        )
        _mock_empty(http_mocker, _WINDOW_1, _WINDOW_2, *_WINDOW_3_LIVE)

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
        _mock_empty(http_mocker, _WINDOW_3, *_WINDOW_3_LIVE)

        records = records_of(read_source(ConfigBuilder().build(), catalog("conferences")), "conferences")

        assert sorted(r["sid"] for r in records) == [conference_sid(1), conference_sid(2)]

    def test_given_start_date_in_the_future_when_read_then_no_request_and_no_record(self, http_mocker):
        output = read_source(ConfigBuilder().with_start_date("2030-01-01T00:00:00Z").build(), catalog("conferences"))

        assert records_of(output, "conferences") == []
        assert output.errors == []


@freeze_time(_NOW)
class TestIncremental:
    def test_given_no_state_when_read_then_request_each_30_day_window_and_save_the_latest_date_updated(self, http_mocker):
        http_mocker.get(_WINDOW_1.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 10))]))
        http_mocker.get(_WINDOW_2.build(), list_response("conferences", [conference_record(conference_sid(2), utc(2024, 2, 20, 6, 30))]))
        http_mocker.get(_WINDOW_3.build(), list_response("conferences", [conference_record(conference_sid(3), utc(2024, 3, 14, 9, 15, 30))]))
        _mock_empty(http_mocker, *_WINDOW_3_LIVE)

        output = read_source(ConfigBuilder().build(), catalog("conferences", sync_mode=SyncMode.incremental))

        assert len(records_of(output, "conferences")) == 3
        assert output.most_recent_state.stream_state.__dict__ == {"date_updated": "2024-03-14T09:15:30Z"}

    def test_given_state_and_lookback_when_read_then_request_from_state_minus_lookback(self, http_mocker):
        state = StateBuilder().with_stream_state("conferences", {"date_updated": "2024-03-10T08:30:00Z"}).build()
        # 90 minutes before 08:30 is 07:00 the same day: one window [2024-03-10T07:00:00, now].
        window = [conferences_window(date(2024, 3, 10), date(2024, 3, 16), s) for s in ("completed", "in-progress", "init")]
        http_mocker.get(
            window[0].build(),
            list_response(
                "conferences",
                [
                    conference_record(conference_sid(1), utc(2024, 3, 10, 6, 59, 59)),  # before the lookback: dropped
                    conference_record(conference_sid(2), utc(2024, 3, 10, 7, 0, 0)),
                    conference_record(conference_sid(3), utc(2024, 3, 12, 18)),
                ],
            ),
        )
        _mock_empty(http_mocker, *window[1:])

        output = read_source(
            ConfigBuilder().with_lookback_window(90).build(), catalog("conferences", sync_mode=SyncMode.incremental), state
        )

        assert [r["sid"] for r in records_of(output, "conferences")] == [conference_sid(2), conference_sid(3)]
        assert output.most_recent_state.stream_state.__dict__ == {"date_updated": "2024-03-12T18:00:00Z"}

    def test_given_a_window_fails_when_read_then_state_stays_before_that_window(self, http_mocker):
        broken_page = conferences_window(date(2024, 1, 31), date(2024, 3, 1)).with_page(1, "PAbroken")
        http_mocker.get(_WINDOW_1.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 10))]))
        http_mocker.get(_WINDOW_2.build(), list_response("conferences", [], broken_page))
        http_mocker.get(broken_page.build(), twilio_error(400, 20001, "Invalid PageToken"))
        http_mocker.get(_WINDOW_3.build(), list_response("conferences", [conference_record(conference_sid(3), utc(2024, 3, 14))]))
        _mock_empty(http_mocker, *_WINDOW_3_LIVE)

        output = read_source(
            ConfigBuilder().with_num_workers(1).build(), catalog("conferences", sync_mode=SyncMode.incremental), expecting_exception=True
        )

        states = [m.state.stream.stream_state.__dict__ for m in output.state_messages]
        assert states and all(s == {"date_updated": "2024-01-10T00:00:00Z"} for s in states)
