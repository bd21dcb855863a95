from datetime import date

from airbyte_cdk.models import Level, SyncMode
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from unit_tests.builders.catalog import catalog
from unit_tests.builders.config import ACCOUNT_SID, ConfigBuilder
from unit_tests.builders.requests import conferences_window, participant_summaries_endpoint, summaries_window
from unit_tests.builders.responses import (
    conference_record,
    conference_sid,
    insights_response,
    list_response,
    participant_summary_record,
    summary_record,
    twilio_error,
    utc,
)
from unit_tests.conftest import read_source, records_of

_NOW = "2024-03-15T12:00:00Z"
_START = "2024-02-20T00:00:00Z"
# start 2024-02-20T00:00:00Z, now 2024-03-15T12:00:00Z: one 30-day window, asked one second wider on each side.
_WINDOW = summaries_window(utc(2024, 2, 20), utc(2024, 3, 15, 12))


def _participant(n: int) -> str:
    return f"CP{n:032x}"


def _per_account(create_time: str, account_sid: str = ACCOUNT_SID) -> dict:
    """The summaries' state: one cursor per account (TwilioAccounts), and the latest of them as the global one."""
    return {
        "use_global_cursor": False,
        "states": [{"partition": {"account_sid": account_sid, "parent_slice": {}}, "cursor": {"create_time": create_time}}],
        "state": {"create_time": create_time},
        "lookback_window": 0,
    }


@freeze_time(_NOW)
class TestConferenceSummaries:
    def test_given_a_window_when_read_then_created_after_and_before_bound_it_and_records_outside_are_dropped(self, http_mocker):
        http_mocker.get(
            _WINDOW.build(),
            insights_response(
                "conference_summaries",
                [
                    summary_record(conference_sid(1), utc(2024, 2, 19, 23, 59, 59)),  # one second before the window
                    summary_record(conference_sid(2), utc(2024, 2, 20)),
                    summary_record(conference_sid(3), utc(2024, 3, 15, 11), processing_state="in_progress"),
                ],
            ),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).build(), catalog("conference_summaries", sync_mode=SyncMode.incremental)
        )

        assert [r["conference_sid"] for r in records_of(output, "conference_summaries")] == [conference_sid(2), conference_sid(3)]
        assert output.most_recent_state.stream_state.__dict__ == _per_account("2024-03-15T11:00:00Z")

    def test_given_a_state_when_read_then_start_48_hours_and_the_lookback_before_it(self, http_mocker):
        state = StateBuilder().with_stream_state("conference_summaries", _per_account("2024-03-14T10:00:00Z")).build()
        # 48 hours + 30 minutes before 2024-03-14T10:00:00Z
        http_mocker.get(
            summaries_window(utc(2024, 3, 12, 9, 30), utc(2024, 3, 15, 12)).build(),
            insights_response("conference_summaries", [summary_record(conference_sid(1), utc(2024, 3, 12, 12))]),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_lookback_window(30).build(),
            catalog("conference_summaries", sync_mode=SyncMode.incremental),
            state,
        )

        assert [r["processing_state"] for r in records_of(output, "conference_summaries")] == ["complete"]
        assert output.errors == []

    def test_given_a_0_1_0_state_of_one_cursor_when_read_then_every_account_starts_48_hours_and_the_lookback_before_it(
        self, http_mocker
    ):
        # 0.1.0 without subaccounts saved a single cursor: it applies to the account's partition as the global one.
        state = StateBuilder().with_stream_state("conference_summaries", {"create_time": "2024-03-14T10:00:00Z"}).build()
        http_mocker.get(
            summaries_window(utc(2024, 3, 12, 9, 30), utc(2024, 3, 15, 12)).build(),
            insights_response("conference_summaries", [summary_record(conference_sid(1), utc(2024, 3, 14, 12))]),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).with_lookback_window(30).build(),
            catalog("conference_summaries", sync_mode=SyncMode.incremental),
            state,
        )

        assert [r["conference_sid"] for r in records_of(output, "conference_summaries")] == [conference_sid(1)]
        assert output.most_recent_state.stream_state.__dict__["states"] == _per_account("2024-03-14T12:00:00Z")["states"]

    def test_given_insights_not_enabled_when_read_then_one_warning_and_the_other_streams_in_full(self, http_mocker):
        # read twice: as conference_summaries, and as the parent of conference_participant_summaries
        http_mocker.get(_WINDOW.build(), [twilio_error(403, 20403, "Voice Insights Advanced Features must be active")] * 2)
        conferences = conferences_window(date(2024, 2, 20), date(2024, 3, 16))
        http_mocker.get(conferences.build(), list_response("conferences", [conference_record(conference_sid(1), utc(2024, 3, 1))]))
        for status in ("in-progress", "init"):  # the live statuses start 48 hours before now
            http_mocker.get(conferences_window(date(2024, 3, 13), date(2024, 3, 16), status).build(), list_response("conferences", []))

        output = read_source(
            ConfigBuilder().with_start_date(_START).build(),
            catalog("conferences", "conference_summaries", "conference_participant_summaries"),
        )

        assert output.errors == []
        assert len(records_of(output, "conferences")) == 1
        assert records_of(output, "conference_summaries") == records_of(output, "conference_participant_summaries") == []
        warnings = [m.log.message for m in output.logs if m.log.level == Level.WARN and "Advanced Features" in m.log.message]
        assert len(warnings) == 1


@freeze_time(_NOW)
class TestConferenceParticipantSummaries:
    def test_given_two_conference_summaries_when_read_then_participants_of_each_across_pages(self, http_mocker):
        first, second = conference_sid(1), conference_sid(2)
        http_mocker.get(
            _WINDOW.build(),
            insights_response("conference_summaries", [summary_record(first, utc(2024, 3, 1)), summary_record(second, utc(2024, 3, 2))]),
        )
        page_2 = participant_summaries_endpoint(first).with_param("Page", "1").with_param("PageToken", "PA" + _participant(1))
        http_mocker.get(
            participant_summaries_endpoint(first).build(),
            insights_response("conference_participant_summaries", [participant_summary_record(_participant(1), first, utc(2024, 3, 1))], page_2),
        )
        http_mocker.get(
            page_2.build(),
            insights_response("conference_participant_summaries", [participant_summary_record(_participant(2), first, utc(2024, 3, 1))]),
        )
        http_mocker.get(
            participant_summaries_endpoint(second).build(),
            insights_response("conference_participant_summaries", [participant_summary_record(_participant(3), second, utc(2024, 3, 2))]),
        )

        output = read_source(
            ConfigBuilder().with_start_date(_START).build(), catalog("conference_participant_summaries", sync_mode=SyncMode.incremental)
        )

        assert sorted(r["participant_sid"] for r in records_of(output, "conference_participant_summaries")) == [
            _participant(1),
            _participant(2),
            _participant(3),
        ]
        state = output.most_recent_state.stream_state.__dict__
        assert state["parent_state"]["conference_summaries"] == _per_account("2024-03-02T00:00:00Z")
        assert state["use_global_cursor"] is True and state["state"] == {"join_time": "2024-03-02T00:00:00Z"}

    def test_given_a_next_page_url_on_another_host_when_read_then_refused(self, http_mocker):
        http_mocker.get(_WINDOW.build(), insights_response("conference_summaries", [summary_record(conference_sid(1), utc(2024, 3, 1))]))
        elsewhere = participant_summaries_endpoint(conference_sid(1)).with_param("Page", "1")
        response = insights_response(
            "conference_participant_summaries", [participant_summary_record(_participant(1), conference_sid(1), utc(2024, 3, 1))], elsewhere
        )
        response = type(response)(response.body.replace("https://insights.twilio.com", "https://insights.example.org"), 200)
        http_mocker.get(participant_summaries_endpoint(conference_sid(1)).build(), response)

        output = read_source(
            ConfigBuilder().with_start_date(_START).build(), catalog("conference_participant_summaries"), expecting_exception=True
        )

        assert any("another host (https://insights.example.org)" in e.trace.error.message for e in output.errors)
