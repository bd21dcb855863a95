from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from unit_tests.builders.catalog import catalog
from unit_tests.builders.config import ConfigBuilder
from unit_tests.builders.requests import live_conferences_endpoint, participants_endpoint
from unit_tests.builders.responses import (
    call_sid,
    conference_record,
    conference_sid,
    list_response,
    participant_record,
    twilio_error,
    utc,
)
from unit_tests.conftest import read_source, records_of

_NOW = "2024-03-15T12:00:00Z"


@freeze_time(_NOW)
class TestFullRefresh:
    def test_given_in_progress_and_init_conferences_when_read_then_participants_of_each_are_requested(self, http_mocker):
        live, waiting = conference_sid(1), conference_sid(2)
        http_mocker.get(
            live_conferences_endpoint("in-progress").build(),
            list_response("conferences", [conference_record(live, utc(2024, 3, 15, 11), status="in-progress")]),
        )
        http_mocker.get(
            live_conferences_endpoint("init").build(),
            list_response("conferences", [conference_record(waiting, utc(2024, 3, 15, 11, 50), status="init")]),
        )
        http_mocker.get(
            participants_endpoint(live).build(),
            list_response("conference_participants", [participant_record(live, call_sid(n), utc(2024, 3, 15, 11, n)) for n in (1, 2)]),
        )
        http_mocker.get(
            participants_endpoint(waiting).build(),
            list_response("conference_participants", [participant_record(waiting, call_sid(3), utc(2024, 3, 15, 11, 51))]),
        )

        output = read_source(ConfigBuilder().build(), catalog("conference_participants"))
        records = records_of(output, "conference_participants")

        assert output.errors == []
        assert sorted((r["conference_sid"], r["call_sid"]) for r in records) == [
            (live, call_sid(1)),
            (live, call_sid(2)),
            (waiting, call_sid(3)),
        ]
        assert {r["date_updated"] for r in records if r["call_sid"] == call_sid(3)} == {"2024-03-15T11:51:00Z"}

    def test_given_a_conference_that_ended_meanwhile_when_read_then_no_participants_request_for_it(self):
        live, ended = conference_sid(1), conference_sid(3)
        with HttpMocker() as http_mocker:  # not the fixture: the failure is the unmocked request, reported below
            http_mocker.get(
                live_conferences_endpoint("in-progress").build(),
                list_response(
                    "conferences",
                    [
                        conference_record(live, utc(2024, 3, 15, 11), status="in-progress"),
                        conference_record(ended, utc(2024, 3, 15, 11, 30), status="completed"),
                    ],
                ),
            )
            http_mocker.get(live_conferences_endpoint("init").build(), list_response("conferences", []))
            http_mocker.get(
                participants_endpoint(live).build(),
                list_response("conference_participants", [participant_record(live, call_sid(1), utc(2024, 3, 15, 11, 1))]),
            )

            output = read_source(ConfigBuilder().build(), catalog("conference_participants"))

        # Today the participants of `ended` are requested: no mock matches, and the stream fails.
        assert output.errors == []
        assert [r["conference_sid"] for r in records_of(output, "conference_participants")] == [live]

    def test_given_participants_on_two_pages_when_read_then_follow_next_page_uri(self, http_mocker):
        live = conference_sid(1)
        http_mocker.get(
            live_conferences_endpoint("in-progress").build(),
            list_response("conferences", [conference_record(live, utc(2024, 3, 15, 11), status="in-progress")]),
        )
        http_mocker.get(live_conferences_endpoint("init").build(), list_response("conferences", []))
        page_2 = participants_endpoint(live).with_page(1, "PA" + call_sid(1))
        http_mocker.get(
            participants_endpoint(live).build(),
            list_response("conference_participants", [participant_record(live, call_sid(1), utc(2024, 3, 15, 11))], page_2),
        )
        http_mocker.get(
            page_2.build(), list_response("conference_participants", [participant_record(live, call_sid(2), utc(2024, 3, 15, 11))])
        )

        records = records_of(read_source(ConfigBuilder().build(), catalog("conference_participants")), "conference_participants")

        assert [r["call_sid"] for r in records] == [call_sid(1), call_sid(2)]

    def test_given_a_conference_vanished_when_read_then_skip_it_with_a_log_and_read_the_others(self, http_mocker):
        vanished, live = conference_sid(1), conference_sid(2)
        http_mocker.get(
            live_conferences_endpoint("in-progress").build(),
            list_response(
                "conferences",
                [
                    conference_record(vanished, utc(2024, 3, 15, 11), status="in-progress"),
                    conference_record(live, utc(2024, 3, 15, 11), status="in-progress"),
                ],
            ),
        )
        http_mocker.get(live_conferences_endpoint("init").build(), list_response("conferences", []))
        http_mocker.get(
            participants_endpoint(vanished).build(), twilio_error(404, 20404, "The requested resource was not found")
        )
        http_mocker.get(
            participants_endpoint(live).build(),
            list_response("conference_participants", [participant_record(live, call_sid(1), utc(2024, 3, 15, 11))]),
        )

        output = read_source(ConfigBuilder().build(), catalog("conference_participants"))

        assert [r["conference_sid"] for r in records_of(output, "conference_participants")] == [live]
        assert output.errors == []
        assert output.is_in_logs("removed before its participants were read")

    def test_given_start_date_after_a_live_conference_was_created_when_read_then_skip_it(self, http_mocker):
        older = conference_sid(1)
        http_mocker.get(
            live_conferences_endpoint("in-progress", created_from=utc(2024, 3, 15).date()).build(),
            list_response("conferences", [conference_record(older, utc(2024, 3, 15, 11), status="in-progress", date_created=utc(2024, 3, 15, 9))]),
        )
        http_mocker.get(live_conferences_endpoint("init", created_from=utc(2024, 3, 15).date()).build(), list_response("conferences", []))

        output = read_source(ConfigBuilder().with_start_date("2024-03-15T10:00:00Z").build(), catalog("conference_participants"))

        assert records_of(output, "conference_participants") == []
