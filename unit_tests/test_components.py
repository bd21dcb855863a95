import json
from unittest.mock import Mock

import pytest
from freezegun import freeze_time
from airbyte_cdk.utils import AirbyteTracedException

from source_twilio.components import (
    CappedExponentialBackoff,
    NormalizeTwilioDates,
    TwilioNextPage,
    date_time_paths,
    next_page_link,
    rfc2822_to_iso,
    same_host_url,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Thu, 30 Jul 2015 20:00:00 +0000", "2015-07-30T20:00:00Z"),
        ("Fri, 11 Dec 2020 04:28:40 +0000", "2020-12-11T04:28:40Z"),
        ("Tue, 01 Jan 2019 01:30:00 +0130", "2019-01-01T00:00:00Z"),
        ("Mon, 31 Dec 2018 19:00:00 -0500", "2019-01-01T00:00:00Z"),
        ("Wed, 29 Feb 2024 23:59:59 -0000", "2024-02-29T23:59:59Z"),
        ("Sat, 1 Mar 2025 05:06:07 GMT", "2025-03-01T05:06:07Z"),
        ("2015-07-30T20:00:00Z", "2015-07-30T20:00:00Z"),
        ("", ""),
        (None, None),
        ("not, a date", "not, a date"),
    ],
)
def test_given_a_twilio_date_when_normalized_then_iso_8601_utc(value, expected):
    assert rfc2822_to_iso(value) == expected


def test_given_nested_date_fields_when_paths_listed_then_every_date_time_path_is_found():
    schema = {
        "properties": {
            "date_created": {"type": ["null", "string"], "format": "date-time"},
            "friendly_name": {"type": ["null", "string"]},
            "summary": {"type": "object", "properties": {"end_time": {"type": "string", "format": "date-time"}}},
        }
    }

    assert date_time_paths(schema) == [("date_created",), ("summary", "end_time")]


def test_given_a_conference_record_when_transformed_then_only_its_date_fields_change():
    record = {
        "sid": "CF1",
        "friendly_name": "Mon, 01 Jan 2024 00:00:00 +0000",
        "date_created": "Mon, 01 Jan 2024 10:00:00 +0000",
        "date_updated": "Mon, 01 Jan 2024 11:00:00 -0100",
    }

    NormalizeTwilioDates(parameters={"name": "conferences"}).transform(record)

    assert record == {
        "sid": "CF1",
        "friendly_name": "Mon, 01 Jan 2024 00:00:00 +0000",
        "date_created": "2024-01-01T10:00:00Z",
        "date_updated": "2024-01-01T12:00:00Z",
    }


def _response(body: dict, url: str = "https://api.twilio.com/x") -> Mock:
    return Mock(content=json.dumps(body).encode(), request=Mock(url=url))


@pytest.mark.parametrize(
    "body, link",
    [
        ({"conferences": [{"friendly_name": 'a "next_page_uri": "/elsewhere"'}], "next_page_uri": "/2010-04-01/A.json?Page=1"}, "/2010-04-01/A.json?Page=1"),
        ({"end": 0, "next_page_uri": None, "participants": []}, None),
        ({"participants": [], "meta": {"next_page_url": "https://insights.twilio.com/v1/C?Page=1&PageToken=PA\\\"x"}}, 'https://insights.twilio.com/v1/C?Page=1&PageToken=PA\\"x'),
        ({"conferences": [{"next_page_uri": "/a-record-field"}], "next_page_uri": "/2010-04-01/A.json?Page=2"}, "/2010-04-01/A.json?Page=2"),
        ({"conferences": []}, None),
    ],
    ids=["quoted in a record", "null", "escaped characters", "same key in a record", "absent"],
)
def test_given_a_page_when_the_link_is_read_then_only_the_envelope_link(body, link):
    assert next_page_link(json.dumps(body).encode()) == link


class TestSameHostUrl:
    def test_given_a_relative_uri_when_joined_then_it_lands_on_the_base_host(self):
        assert (
            same_host_url("https://api.twilio.com", "/2010-04-01/Accounts/AC1/Conferences.json?Page=1&PageToken=PA1")
            == "https://api.twilio.com/2010-04-01/Accounts/AC1/Conferences.json?Page=1&PageToken=PA1"
        )

    def test_given_a_base_url_with_a_path_prefix_when_joined_then_the_prefix_is_kept(self):
        assert same_host_url("http://127.0.0.1:8080/twilio", "/2010-04-01/A.json?Page=1") == "http://127.0.0.1:8080/twilio/2010-04-01/A.json?Page=1"

    def test_given_an_absolute_url_on_the_same_host_when_joined_then_it_is_kept(self):
        url = "https://insights.twilio.com/v1/Conferences?PageSize=1000&Page=1&PageToken=PA1"
        assert same_host_url("https://insights.twilio.com", url) == url

    @pytest.mark.parametrize(
        "link",
        [
            "https://evil.example.com/2010-04-01/Accounts/AC1/Conferences.json",
            "http://api.twilio.com/2010-04-01/Accounts/AC1/Conferences.json",
            "https://api.twilio.com:8443/2010-04-01/Accounts/AC1/Conferences.json",
            "//evil.example.com/2010-04-01/Accounts/AC1/Conferences.json",
            "2010-04-01/Accounts/AC1/Conferences.json",
        ],
    )
    def test_given_a_link_elsewhere_when_joined_then_it_is_refused(self, link):
        with pytest.raises(AirbyteTracedException):
            same_host_url("https://api.twilio.com", link)


class TestTwilioNextPage:
    def _strategy(self):
        return TwilioNextPage(config={"base_url": "https://api.twilio.com"}, parameters={}, url_base="{{ config['base_url'] }}", page_size=1000)

    def test_given_a_last_page_when_asked_then_no_next_page(self):
        assert self._strategy().next_page_token(_response({"conferences": [], "next_page_uri": None}), 0, None) is None

    def test_given_an_insights_meta_link_when_asked_then_follow_it(self):
        strategy = TwilioNextPage(config={}, parameters={}, url_base="https://insights.twilio.com", page_size=1000)
        body = {"conferences": [], "meta": {"next_page_url": "https://insights.twilio.com/v1/Conferences?Page=1"}}

        assert strategy.next_page_token(_response(body), 0, None) == "https://insights.twilio.com/v1/Conferences?Page=1"
        assert strategy.get_page_size() == 1000


@pytest.mark.parametrize("attempt, low, high", [(1, 0.5, 1), (2, 1, 2), (3, 2, 4), (6, 15, 30), (12, 15, 30)])
def test_given_an_attempt_when_backoff_computed_then_within_half_and_full_capped_ceiling(attempt, low, high):
    backoff = CappedExponentialBackoff(config={}, parameters={}, factor=1, max_seconds=30)

    waits = [backoff.backoff_time(None, attempt) for _ in range(200)]

    assert all(low <= wait <= high for wait in waits)
    assert len(set(waits)) > 1


class TestStatusSequence:
    _URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Conferences.json?DateUpdated%3E=2024-03-01&DateUpdated%3C=2024-03-16&PageSize=1000&Status=completed"

    def _strategy(self):
        return TwilioNextPage(
            config={}, parameters={}, url_base="https://api.twilio.com", page_size=1000, statuses=["completed", "in-progress", "init"]
        )

    def _last_page(self, url):
        return _response({"conferences": [], "next_page_uri": None}, url)

    @freeze_time("2024-03-15T12:00:00Z")
    def test_given_the_last_completed_page_of_a_recent_window_when_asked_then_first_page_of_in_progress(self):
        token = self._strategy().next_page_token(self._last_page(self._URL + "&Page=2&PageToken=PAx"), 0, None, stream_slice={"start_time": "2024-03-01T00:00:00Z", "end_time": "2024-03-15T12:00:00Z"})

        assert token == self._URL.replace("Status=completed", "Status=in-progress")

    @freeze_time("2024-03-15T12:00:00Z")
    def test_given_the_last_page_of_init_when_asked_then_no_next_page(self):
        url = self._URL.replace("Status=completed", "Status=init")
        assert self._strategy().next_page_token(self._last_page(url), 0, None, stream_slice={"end_time": "2024-03-15T12:00:00Z"}) is None

    @freeze_time("2024-03-15T12:00:00Z")
    def test_given_a_window_that_ended_three_days_ago_when_completed_ends_then_no_live_status_is_read(self):
        window = {"start_time": "2024-02-01T00:00:00Z", "end_time": "2024-03-12T11:59:59Z"}
        assert self._strategy().next_page_token(self._last_page(self._URL), 0, None, stream_slice=window) is None
