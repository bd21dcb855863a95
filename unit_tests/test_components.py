import base64
import copy
import json
import logging
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional
from unittest.mock import Mock

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.partition_routers import PartitionRouter
from airbyte_cdk.sources.declarative.requesters.error_handlers import HttpResponseFilter
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils import AirbyteTracedException
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from freezegun import freeze_time

from source_twilio import components
from source_twilio.components import (
    CappedExponentialBackoff,
    ConfigRule,
    NormalizeTwilioDates,
    StatusCursors,
    TwilioAccounts,
    TwilioBasicAuth,
    TwilioErrorHandler,
    TwilioNextPage,
    plain_config_errors,
    rfc2822_to_iso,
)
from unit_tests.builders.config import ACCOUNT_SID, ConfigBuilder

_STATES_0_1_0 = Path(__file__).parent / "resource" / "state_0.1.0"
_STATUSES = "{{ config.get('conference_status') or ['completed', 'in-progress', 'init'] }}"  # as in the manifest
# The fixtures were written with the bundled sample config (integration_tests/sample_config.json), for this account.
_FIXTURE_ACCOUNT = "AC" + "0" * 32


def _fixture_config() -> ConfigBuilder:
    return ConfigBuilder().with_field("account_sid", _FIXTURE_ACCOUNT).with_lookback_window(60)


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
        ("Thu, 30 Xyz 2015 20:00:00 +0000", "Thu, 30 Xyz 2015 20:00:00 +0000"),  # Twilio's shape, a month that is none
    ],
)
def test_given_a_twilio_date_when_normalized_then_iso_8601_utc(value, expected):
    assert rfc2822_to_iso(value) == expected


class TestNormalizeTwilioDates:
    def test_given_a_conference_record_when_transformed_then_only_the_listed_fields_change(self):
        record = {
            "sid": "CF1",
            "friendly_name": "Mon, 01 Jan 2024 00:00:00 +0000",
            "date_created": "Mon, 01 Jan 2024 10:00:00 +0000",
            "date_updated": "Mon, 01 Jan 2024 11:00:00 -0100",
        }

        NormalizeTwilioDates(fields=["date_created", "date_updated"], parameters={}).transform(record)

        assert record == {
            "sid": "CF1",
            "friendly_name": "Mon, 01 Jan 2024 00:00:00 +0000",
            "date_created": "2024-01-01T10:00:00Z",
            "date_updated": "2024-01-01T12:00:00Z",
        }

    def test_given_a_record_without_a_listed_field_or_with_null_when_transformed_then_nothing_is_added(self):
        record = {"sid": "CF1", "date_created": None}

        NormalizeTwilioDates(fields=["date_created", "date_updated"], parameters={}).transform(record)

        assert record == {"sid": "CF1", "date_created": None}


def _response(body: Any, url: str = "https://api.twilio.com/2010-04-01/Accounts/AC1/Conferences.json", status: int = 200,
              content_type: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers["Content-Type"] = content_type
    response.request = requests.Request("GET", url).prepare()
    response.url = url
    return response


class TestTwilioNextPage:
    def _strategy(self, base_url: str = "https://api.twilio.com", cursor_value: str = "{{ response.next_page_uri }}") -> TwilioNextPage:
        return TwilioNextPage(
            cursor_value=cursor_value, config={"base_url": base_url}, parameters={}, url_base="{{ config['base_url'] }}", page_size=1000
        )

    def _next(self, strategy: TwilioNextPage, body: dict) -> Optional[str]:
        return strategy.next_page_token(_response(body), 0, None)

    def test_given_a_relative_uri_when_asked_then_it_lands_on_the_configured_host(self):
        body = {"conferences": [], "next_page_uri": "/2010-04-01/Accounts/AC1/Conferences.json?Page=1&PageToken=PA1"}

        assert self._next(self._strategy(), body) == "https://api.twilio.com/2010-04-01/Accounts/AC1/Conferences.json?Page=1&PageToken=PA1"

    def test_given_a_base_url_with_a_path_prefix_when_asked_then_the_prefix_is_kept(self):
        body = {"conferences": [], "next_page_uri": "/2010-04-01/A.json?Page=1"}

        assert self._next(self._strategy("http://127.0.0.1:8080/twilio"), body) == "http://127.0.0.1:8080/twilio/2010-04-01/A.json?Page=1"

    def test_given_a_base_url_ending_in_a_slash_when_asked_then_one_slash_between_the_prefix_and_the_uri(self):
        body = {"conferences": [], "next_page_uri": "/2010-04-01/A.json?Page=1"}

        assert self._next(self._strategy("http://127.0.0.1:8080/twilio/"), body) == "http://127.0.0.1:8080/twilio/2010-04-01/A.json?Page=1"

    def test_given_the_last_page_when_asked_then_no_next_page(self):
        assert self._next(self._strategy(), {"conferences": [], "next_page_uri": None}) is None
        assert self._next(self._strategy(), {"conferences": []}) is None

    def test_given_an_insights_meta_link_on_the_same_host_when_asked_then_follow_it_as_is(self):
        strategy = TwilioNextPage(
            cursor_value="{{ response.meta.next_page_url }}", config={}, parameters={}, url_base="https://insights.twilio.com", page_size=1000
        )
        link = "https://Insights.Twilio.com/v1/Conferences?PageSize=1000&Page=1&PageToken=PA1"

        assert self._next(strategy, {"conferences": [], "meta": {"next_page_url": link}}) == link
        assert strategy.get_page_size() == 1000

    @pytest.mark.parametrize(
        "link",
        [
            "https://evil.example.com/2010-04-01/Accounts/AC1/Conferences.json",
            "http://api.twilio.com/2010-04-01/Accounts/AC1/Conferences.json",
            "https://api.twilio.com:8443/2010-04-01/Accounts/AC1/Conferences.json",
            "//evil.example.com/2010-04-01/Accounts/AC1/Conferences.json",
            "2010-04-01/Accounts/AC1/Conferences.json",
        ],
        ids=["another host", "another scheme", "another port", "protocol-relative", "not an absolute path"],
    )
    def test_given_a_link_elsewhere_when_asked_then_refused(self, link):
        with pytest.raises(AirbyteTracedException) as refused:
            self._next(self._strategy(), {"conferences": [], "next_page_uri": link})

        assert "connector" in refused.value.message and "stopped" in refused.value.message


@pytest.mark.parametrize("attempt, low, high", [(1, 0.5, 1), (2, 1, 2), (3, 2, 4), (6, 15, 30), (12, 15, 30)])
def test_given_an_attempt_when_backoff_computed_then_within_half_and_full_capped_ceiling(attempt, low, high):
    backoff = CappedExponentialBackoff(config={}, parameters={}, factor=1, max_seconds=30)

    waits = [backoff.backoff_time(None, attempt) for _ in range(200)]

    assert all(low <= wait <= high for wait in waits)
    assert len(set(waits)) > 1


@pytest.mark.parametrize("attempt, ceiling", [(0, 1), (1, 1), (2, 2), (3, 4), (5, 16), (6, 30), (12, 30)])
def test_given_an_attempt_when_backoff_computed_then_half_the_capped_ceiling_fixed_and_half_random(monkeypatch, attempt, ceiling):
    backoff = CappedExponentialBackoff(config={}, parameters={}, factor=1, max_seconds=30)
    drawn = []
    monkeypatch.setattr(random, "uniform", lambda low, high: drawn.append((low, high)) or high)

    assert backoff.backoff_time(None, attempt) == ceiling
    assert drawn == [(0, ceiling / 2)]


class TestTwilioErrorHandler:
    _WARNING = "Voice Insights answered 403: Advanced Features are not active on this account."

    def _handler(self) -> TwilioErrorHandler:
        ignore_403 = HttpResponseFilter(action="IGNORE", http_codes={403}, config={}, parameters={})
        return TwilioErrorHandler(config={}, parameters={}, response_filters=[ignore_403], warning=self._WARNING)

    @pytest.mark.parametrize(
        "body, content_type",
        [
            (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
            (b'{"conferences": [{"sid": "CF', "application/json"),
            (b"", "application/json"),
            (b"[]", "application/json"),
        ],
        ids=["html page", "cut off", "empty", "not an object"],
    )
    def test_given_a_2xx_that_is_not_a_json_object_when_interpreted_then_retried_as_transient(self, body, content_type):
        resolution = self._handler().interpret_response(_response(body, content_type=content_type))

        assert resolution.response_action == ResponseAction.RETRY
        assert resolution.failure_type == FailureType.transient_error
        assert "not JSON" in resolution.error_message and content_type in resolution.error_message

    def test_given_a_json_page_when_interpreted_then_success(self):
        resolution = self._handler().interpret_response(_response({"conferences": [], "next_page_uri": None}))

        assert resolution.response_action == ResponseAction.SUCCESS

    def test_given_a_certificate_that_does_not_verify_when_interpreted_then_a_config_error_naming_the_host_and_no_retry(self):
        request = requests.Request("GET", "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json").prepare()

        resolution = self._handler().interpret_response(requests.exceptions.SSLError("certificate verify failed", request=request))

        assert resolution.response_action == ResponseAction.FAIL
        assert resolution.failure_type == FailureType.config_error
        assert "TLS certificate of api.dublin.ie1.twilio.com could not be verified" in resolution.error_message

    def test_given_a_certificate_error_without_its_request_when_interpreted_then_a_config_error_naming_no_host(self):
        resolution = self._handler().interpret_response(requests.exceptions.SSLError("certificate verify failed"))

        assert resolution.failure_type == FailureType.config_error
        assert "The TLS certificate of the host could not be verified" in resolution.error_message

    def test_given_no_warning_configured_when_a_response_is_ignored_then_nothing_is_logged(self, caplog):
        ignore_404 = HttpResponseFilter(action="IGNORE", http_codes={404}, config={}, parameters={})
        handler = TwilioErrorHandler(config={}, parameters={}, response_filters=[ignore_404])

        with caplog.at_level(logging.INFO):
            resolution = handler.interpret_response(_response({"code": 20404}, status=404))

        assert resolution.response_action == ResponseAction.IGNORE
        assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []

    def test_given_ignored_responses_when_interpreted_then_the_warning_is_logged_once(self, caplog):
        handler = self._handler()

        with caplog.at_level(logging.WARNING, logger="airbyte"):
            actions = [handler.interpret_response(_response({"code": 20403}, status=403)).response_action for _ in range(3)]

        assert actions == [ResponseAction.IGNORE] * 3
        assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [self._WARNING]

    def test_given_workers_ignored_at_the_same_moment_when_interpreted_then_the_warning_is_logged_once(self, caplog):
        handler, workers = self._handler(), 16
        start = threading.Barrier(workers)

        def interpret() -> ResponseAction:
            start.wait()
            return handler.interpret_response(_response({"code": 20403}, status=403)).response_action

        with caplog.at_level(logging.WARNING, logger="airbyte"), ThreadPoolExecutor(workers) as pool:
            actions = list(pool.map(lambda _: interpret(), range(workers)))

        assert actions == [ResponseAction.IGNORE] * workers
        assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [self._WARNING]


class TestTwilioAccounts:
    def test_given_one_account_when_sliced_then_one_partition_and_no_request(self):
        subaccounts = Mock(spec=PartitionRouter)

        slices = list(TwilioAccounts(subaccounts=subaccounts, config=ConfigBuilder().build(), parameters={}).stream_slices())

        assert slices == [StreamSlice(partition={"account_sid": ACCOUNT_SID, "parent_slice": {}}, cursor_slice={})]
        subaccounts.stream_slices.assert_not_called()

    def test_given_include_subaccounts_when_sliced_then_the_subaccounts_routers_partitions(self):
        listed = [StreamSlice(partition={"account_sid": sid, "parent_slice": {}}, cursor_slice={}) for sid in (ACCOUNT_SID, "AC" + "1" * 32)]
        subaccounts = Mock(spec=PartitionRouter)
        subaccounts.stream_slices.return_value = iter(listed)
        config = ConfigBuilder().with_field("include_subaccounts", True).build()

        assert list(TwilioAccounts(subaccounts=subaccounts, config=config, parameters={}).stream_slices()) == listed

    def test_given_a_partition_when_requested_then_it_adds_no_request_option_and_no_state(self):
        router = TwilioAccounts(subaccounts=Mock(spec=PartitionRouter), config=ConfigBuilder().build(), parameters={})

        assert router.get_request_params() == router.get_request_headers() == router.get_request_body_json() == {}
        assert router.get_stream_state() is None


def _conferences_state(fixture: str) -> dict:
    messages = json.loads((_STATES_0_1_0 / fixture).read_text())
    return next(m["stream"]["stream_state"] for m in messages if m["stream"]["stream_descriptor"]["name"] == "conferences")


def _migrate(state: dict, config: Optional[dict] = None) -> dict:
    config = config or _fixture_config().build()
    migration = StatusCursors(statuses=_STATUSES, config=config, parameters={})
    assert migration.should_migrate(state)
    return dict(migration.migrate(copy.deepcopy(state)))


def _cursors(state: dict) -> dict:
    """(account_sid, status) -> the cursor of that partition."""
    return {(s["partition"]["account_sid"], s["partition"]["status"]): s["cursor"].get("date_updated") for s in state["states"]}


class TestStatusCursors:
    @freeze_time("2026-11-21T12:00:00Z")  # just after 0.1.0 wrote the state: every old cursor is within 48 hours
    def test_given_a_0_1_0_subaccounts_state_when_migrated_then_each_status_of_each_account_has_the_accounts_cursor(self):
        old = _conferences_state("subaccounts.json")

        migrated = _migrate(old)

        accounts = {s["partition"]["account_sid"]: s["cursor"]["date_updated"] for s in old["states"]}
        assert len(accounts) == 3
        assert _cursors(migrated) == {
            (account, status): cursor for account, cursor in accounts.items() for status in ("completed", "in-progress", "init")
        }
        assert all(s["partition"] == {"account_sid": s["partition"]["account_sid"], "parent_slice": {}, "status": s["partition"]["status"]}
                   for s in migrated["states"])
        assert {k: migrated[k] for k in ("use_global_cursor", "state", "lookback_window", "parent_state")} == {
            k: old[k] for k in ("use_global_cursor", "state", "lookback_window", "parent_state")
        }

    @freeze_time("2026-12-01T00:00:00Z")
    def test_given_a_0_1_0_subaccounts_state_ten_days_later_when_migrated_then_live_statuses_start_48_hours_ago(self):
        old = _conferences_state("subaccounts.json")

        cursors = _cursors(_migrate(old))

        for entry in old["states"]:
            account = entry["partition"]["account_sid"]
            assert cursors[(account, "completed")] == entry["cursor"]["date_updated"]
            assert cursors[(account, "in-progress")] == cursors[(account, "init")] == "2026-11-29T00:00:00Z"

    @freeze_time("2026-11-21T12:00:00Z")
    def test_given_a_0_1_0_single_account_state_when_migrated_then_every_status_resumes_from_its_cursor(self):
        old = _conferences_state("single_account.json")

        migrated = _migrate(old)

        assert migrated["state"] == old == {"date_updated": "2026-11-21T11:56:06Z"}
        # completed has no entry of its own: the CDK starts a partition without one from the global cursor; the live
        # statuses start from it too, as it is more recent than 48 hours ago: nothing before it is read again
        assert _cursors(migrated) == {
            (_FIXTURE_ACCOUNT, "in-progress"): "2026-11-21T11:56:06Z",
            (_FIXTURE_ACCOUNT, "init"): "2026-11-21T11:56:06Z",
        }

    @freeze_time("2026-11-21T12:00:00Z")
    def test_given_a_single_cursor_older_than_48_hours_when_migrated_then_live_statuses_start_48_hours_ago(self):
        migrated = _migrate({"date_updated": "2026-10-01T00:00:00Z"})

        assert _cursors(migrated) == {
            (_FIXTURE_ACCOUNT, "in-progress"): "2026-11-19T12:00:00Z",
            (_FIXTURE_ACCOUNT, "init"): "2026-11-19T12:00:00Z",
        }

    @freeze_time("2024-03-15T12:00:00Z")
    def test_given_no_state_when_migrated_then_the_configured_accounts_live_statuses_start_48_hours_ago(self):
        migrated = _migrate({}, ConfigBuilder().build())

        assert _cursors(migrated) == {(ACCOUNT_SID, "in-progress"): "2024-03-13T12:00:00Z", (ACCOUNT_SID, "init"): "2024-03-13T12:00:00Z"}
        assert "state" not in migrated

    @freeze_time("2024-03-15T12:00:00Z")
    def test_given_a_start_date_within_48_hours_when_migrated_then_live_statuses_start_at_the_start_date(self):
        migrated = _migrate({}, ConfigBuilder().with_start_date("2024-03-14T06:00:00Z").build())

        assert set(_cursors(migrated).values()) == {"2024-03-14T06:00:00Z"}

    @freeze_time("2024-03-15T12:00:00Z")
    def test_given_a_live_cursor_newer_than_48_hours_ago_when_migrated_then_it_is_kept(self):
        state = {"states": [{"partition": {"account_sid": ACCOUNT_SID, "parent_slice": {}, "status": "init"}, "cursor": {"date_updated": "2024-03-15T11:00:00Z"}}]}

        cursors = _cursors(_migrate(state, ConfigBuilder().build()))

        assert cursors[(ACCOUNT_SID, "init")] == "2024-03-15T11:00:00Z"
        assert cursors[(ACCOUNT_SID, "in-progress")] == "2024-03-13T12:00:00Z"

    @freeze_time("2026-11-21T12:00:00Z")
    def test_given_completed_only_when_migrated_then_no_live_partition_is_added(self):
        config = _fixture_config().with_field("conference_status", ["completed"]).build()

        assert _cursors(_migrate(_conferences_state("single_account.json"), config)) == {}
        assert set(s for (_, s) in _cursors(_migrate(_conferences_state("subaccounts.json"), config))) == {"completed"}

    @freeze_time("2026-11-21T12:00:00Z")
    @pytest.mark.parametrize("fixture", ["single_account.json", "subaccounts.json"])
    def test_given_a_migrated_state_when_migrated_again_then_unchanged(self, fixture):
        once = _migrate(_conferences_state(fixture))

        assert _migrate(once) == once


class TestConfigRule:
    def test_given_a_value_that_meets_the_condition_when_validated_then_no_error(self):
        ConfigRule(condition="{{ value is integer and 1 <= value <= 40 }}", message="'num_workers' must be from 1 to 40.").validate(10)

    @pytest.mark.parametrize("value", [0, 41, "10", None])
    def test_given_a_value_that_fails_the_condition_when_validated_then_a_config_error_with_the_plain_message(self, value):
        rule = ConfigRule(condition="{{ value is integer and 1 <= value <= 40 }}", message="'num_workers' must be from 1 to 40.")

        with pytest.raises(AirbyteTracedException) as refused:
            rule.validate(value)

        assert refused.value.failure_type == FailureType.config_error
        assert refused.value.message == refused.value.internal_message == "'num_workers' must be from 1 to 40."

    def test_given_a_value_the_condition_cannot_evaluate_when_validated_then_the_plain_message(self):
        rule = ConfigRule(condition="{{ format_datetime(value, '%Y') }}", message="'start_date' must be a real date.")

        with pytest.raises(AirbyteTracedException) as refused:
            rule.validate("2024-02-30T00:00:00Z")

        assert refused.value.message == "'start_date' must be a real date."


class TestTwilioBasicAuth:
    _CHECK = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences.json"

    def _auth(self, config: dict, password: str = "{{ config['credentials']['auth_token'] }}") -> TwilioBasicAuth:
        return TwilioBasicAuth(username="{{ config['account_sid'] }}", password=password, config=config, parameters={},
                               rejected="Twilio rejected the credentials.")

    def test_given_credentials_when_built_then_their_base64_header_is_masked_in_logs(self, requests_mock):
        config = ConfigBuilder().build()
        requests_mock.get(self._CHECK, json={"conferences": []})

        auth = self._auth(config)

        encoded = auth.token.split(" ", 1)[1]
        assert filter_secrets(f"Authorization: {auth.token}") == "Authorization: Basic ****"
        assert encoded not in filter_secrets(json.dumps({"headers": {"Authorization": auth.token}}))

    def test_given_credentials_twilio_rejects_when_built_then_one_request_and_a_plain_config_error(self, requests_mock):
        requests_mock.get(self._CHECK, status_code=401, json={"code": 20003, "message": "Authenticate", "status": 401})
        message = "Twilio rejected the credentials."

        with pytest.raises(AirbyteTracedException) as raised:
            self._auth(ConfigBuilder().build())
        # the other authenticators of the same sync ask nothing more
        with pytest.raises(AirbyteTracedException):
            self._auth(ConfigBuilder().build())

        assert raised.value.message == message and raised.value.failure_type == FailureType.config_error
        assert requests_mock.call_count == 1
        assert requests_mock.last_request.qs == {"pagesize": ["1"], "dateupdated>": ["2008-01-01"], "dateupdated<": ["2008-01-02"]}
        assert requests_mock.last_request.timeout == 30  # an unanswered check is no verdict after 30 s, as a stream's request

    # The CDK's interpolation reads a rendered value as a Python literal: these would be sent as 0 and 1.2345678901234568e+40
    @pytest.mark.parametrize("auth_token", ["0" * 32, "12345678901234567890123456789e12"])
    def test_given_a_token_that_spells_a_number_when_built_then_it_is_sent_as_typed(self, requests_mock, auth_token):
        requests_mock.get(self._CHECK, json={"conferences": []})
        config = ConfigBuilder().build()
        config["credentials"]["auth_token"] = auth_token
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{auth_token}".encode()).decode()

        auth = self._auth(config)

        assert auth.get_auth_header() == {"Authorization": expected}
        assert requests_mock.call_count == 1 and requests_mock.last_request.headers["Authorization"] == expected
        assert filter_secrets(expected) == "Basic ****"

    # 403: a key may be refused conferences and still read Voice Insights; the streams' own filters decide
    @pytest.mark.parametrize("answer", [{"status_code": 403}, {"status_code": 500}, {"status_code": 429}, {"exc": requests.exceptions.ConnectTimeout}])
    def test_given_no_verdict_when_built_then_the_streams_go_on(self, requests_mock, answer):
        requests_mock.get(self._CHECK, **answer)

        assert self._auth(ConfigBuilder().build()).token.startswith("Basic ")

    def test_given_the_other_auth_type_when_built_then_no_request(self, requests_mock):
        self._auth(ConfigBuilder().build(), password="{{ config['credentials']['api_key_secret'] }}")

        assert requests_mock.call_count == 0


class TestProgress:
    def test_given_pages_read_when_counted_then_one_info_line_per_interval_with_totals_so_far(self, caplog, monkeypatch):
        monkeypatch.delenv("SOURCE_TWILIO_PROGRESS_SECONDS", raising=False)
        clock = iter([100.0, 103.0, 109.9, 110.0, 115.0, 120.5])
        progress = components.Progress(clock=lambda: next(clock))

        with caplog.at_level(logging.INFO, logger="airbyte"):
            progress.count("conferences", records=1000, pages=1)
            progress.count("conferences", window=("2024-01-01T00:00:00Z", "2024-01-07T23:59:59Z"))
            progress.count("", retries=1)
            progress.count("conference_participants", records=4, pages=1)
            progress.count("conferences", records=500, pages=1)
            progress.count("conference_participants", records=2, pages=1)

        assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
            "Progress after 10 s: conference_participants: 4 records read in 1 pages; conferences: 1,000 records read in 1 pages, "
            "last window 2024-01-01T00:00:00Z to 2024-01-07T23:59:59Z; 1 retries.",
            "Progress after 20 s: conference_participants: 6 records read in 2 pages; conferences: 1,500 records read in 2 pages, "
            "last window 2024-01-01T00:00:00Z to 2024-01-07T23:59:59Z; 1 retries.",
        ]


class TestPlainConfigErrors:
    def _record(self, failure_type: FailureType) -> logging.LogRecord:
        try:
            raise AirbyteTracedException(message="'start_date' must be a real UTC date", failure_type=failure_type)
        except AirbyteTracedException:
            return logging.LogRecord("airbyte", logging.ERROR, __file__, 1, "Check failed. Error traceback: \n Traceback ...", None, sys.exc_info())

    def test_given_a_config_error_when_logged_then_the_sentence_without_the_traceback(self):
        record = self._record(FailureType.config_error)

        assert plain_config_errors(record) is True
        assert (record.exc_info, record.msg) == (None, "Check failed. ")

    def test_given_another_error_when_logged_then_its_traceback_stays(self):
        record = self._record(FailureType.system_error)

        assert plain_config_errors(record) is True
        assert record.exc_info is not None and record.msg.endswith("Traceback ...")
