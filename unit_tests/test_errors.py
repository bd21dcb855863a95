import base64
import json
from datetime import date

import orjson
import pytest
import requests
from airbyte_cdk.models import AirbyteMessageSerializer, FailureType, Status, Type
from airbyte_cdk.test.mock_http import HttpResponse
from freezegun import freeze_time

from source_twilio.source import TEST_BACKOFF_CAP, TEST_READ_TIMEOUT, source
from unit_tests.builders.catalog import catalog
from unit_tests.builders.config import ACCOUNT_SID, AUTH_TOKEN, ConfigBuilder
from unit_tests.builders.requests import conferences_window
from unit_tests.builders.responses import conference_record, conference_sid, list_response, twilio_error, utc
from unit_tests.conftest import read_source, records_of, run_entry_point

_NOW = "2024-01-20T12:00:00Z"
_ONLY_WINDOW = conferences_window(date(2024, 1, 1), date(2024, 1, 21))
# The live statuses start 48 hours before now (StatusCursors).
_LIVE = [conferences_window(date(2024, 1, 18), date(2024, 1, 21), status) for status in ("in-progress", "init")]
# check reads the window of January 2008 (the manifest's check config_overrides), whatever the start date.
_CHECK_WINDOW = conferences_window(date(2008, 1, 1), date(2008, 1, 31))


def _mock_live_statuses_empty(http_mocker):
    for request in _LIVE:
        http_mocker.get(request.build(), list_response("conferences", []))


def _everything_printed(output) -> str:
    return "\n".join(orjson.dumps(AirbyteMessageSerializer.dump(m)).decode() for m in output.get_message_iterator())


@freeze_time(_NOW)
class TestRetries:
    def test_given_429_with_retry_after_when_read_then_wait_as_told_and_emit_the_records(self, http_mocker, sleeps):
        http_mocker.get(
            _ONLY_WINDOW.build(),
            [
                twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "3"}),
                list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 5))]),
            ],
        )

        _mock_live_statuses_empty(http_mocker)
        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        assert [r["sid"] for r in records_of(output, "conferences")] == [conference_sid(1)]
        assert sleeps == [4]  # Retry-After plus the CDK's extra second

    def test_given_429_without_retry_after_when_read_then_back_off_exponentially_with_jitter(self, http_mocker, sleeps):
        http_mocker.get(
            _ONLY_WINDOW.build(),
            [
                twilio_error(429, 20429, "Too Many Requests"),
                twilio_error(429, 20429, "Too Many Requests"),
                twilio_error(429, 20429, "Too Many Requests"),
                list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 5))]),
            ],
        )

        _mock_live_statuses_empty(http_mocker)
        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        assert len(records_of(output, "conferences")) == 1
        # factor 1: ceilings of 1, 2 and 4 seconds, half of each fixed, plus the CDK's extra second
        assert len(sleeps) == 3
        for wait, ceiling in zip(sleeps, (1, 2, 4)):
            assert ceiling / 2 + 1 <= wait <= ceiling + 1

    def test_given_500_then_success_when_read_then_retry_once(self, http_mocker, sleeps):
        http_mocker.get(
            _ONLY_WINDOW.build(),
            [
                HttpResponse('{"code": 20500, "message": "Internal Server Error", "status": 500}', 500),
                list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 5))]),
            ],
        )

        _mock_live_statuses_empty(http_mocker)
        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        assert len(records_of(output, "conferences")) == 1
        assert len(sleeps) == 1

    def test_given_429_on_every_attempt_when_read_then_fail_clearly_after_ten_retries(self, http_mocker, sleeps):
        http_mocker.get(_ONLY_WINDOW.build(), [twilio_error(429, 20429, "Too Many Requests")] * 11)
        _mock_live_statuses_empty(http_mocker)

        output = read_source(ConfigBuilder().build(), catalog("conferences"), expecting_exception=True)

        assert len(sleeps) == 10
        assert max(sleeps) <= 31  # capped at 30 s, plus the CDK's extra second
        assert records_of(output, "conferences") == []
        messages = [m.trace.error.message for m in output.errors]
        assert messages and any("429" in m for m in messages), messages

    def test_given_an_html_page_then_a_cut_off_body_then_json_when_read_then_retry_both_and_emit_the_records(
        self, http_mocker, sleeps
    ):
        http_mocker.get(
            _ONLY_WINDOW.build(),
            [
                HttpResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", 200, {"Content-Type": "text/html"}),
                HttpResponse('{"conferences": [{"sid": "CF', 200, {"Content-Type": "application/json"}),
                list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 5))]),
            ],
        )

        _mock_live_statuses_empty(http_mocker)
        output = read_source(ConfigBuilder().build(), catalog("conferences"))

        assert [r["sid"] for r in records_of(output, "conferences")] == [conference_sid(1)]
        assert len(sleeps) == 2

    def test_given_html_on_every_attempt_when_read_then_a_clear_error_after_ten_retries(self, http_mocker, sleeps):
        page = HttpResponse("<html><body>Service Unavailable</body></html>", 200, {"Content-Type": "text/html"})
        http_mocker.get(_ONLY_WINDOW.build(), [page] * 11)
        _mock_live_statuses_empty(http_mocker)

        output = read_source(ConfigBuilder().build(), catalog("conferences"), expecting_exception=True)

        assert len(sleeps) == 10
        assert records_of(output, "conferences") == []
        messages = [m.trace.error.message for m in output.errors]
        assert messages and any("body that is not JSON" in m for m in messages)


@freeze_time(_NOW)
class TestTestOnlyWaits:
    """SOURCE_TWILIO_TEST_READ_TIMEOUT_SECONDS and SOURCE_TWILIO_TEST_BACKOFF_CAP_SECONDS (README, Test-only settings):
    the fault tests' short waits; unset, the manifest's 30 s."""

    def _timeouts_of_stream_requests(self, monkeypatch, http_mocker) -> list:
        http_mocker.get(_ONLY_WINDOW.build(), list_response("conferences", []))
        _mock_live_statuses_empty(http_mocker)
        timeouts, send = [], requests.Session.send

        def record(session, request, **kwargs):
            if _CREDENTIALS_CHECK not in request.url:
                timeouts.append(kwargs.get("timeout"))
            return send(session, request, **kwargs)

        with monkeypatch.context() as patch:  # undone before the HttpMocker stops, which restores Session.send itself
            patch.setattr(requests.Session, "send", record)
            read_source(ConfigBuilder().build(), catalog("conferences"))
        return timeouts

    def test_given_no_test_setting_when_read_then_every_request_waits_30_seconds_to_connect_and_to_read(self, monkeypatch, http_mocker):
        monkeypatch.delenv(TEST_READ_TIMEOUT, raising=False)

        assert self._timeouts_of_stream_requests(monkeypatch, http_mocker) == [(30, 30)] * 3

    def test_given_a_test_read_timeout_when_read_then_every_request_waits_that_long_for_an_answer(self, monkeypatch, http_mocker):
        monkeypatch.setenv(TEST_READ_TIMEOUT, "2.5")

        assert self._timeouts_of_stream_requests(monkeypatch, http_mocker) == [(30, 2.5)] * 3

    def test_given_only_a_test_backoff_cap_when_read_then_the_manifests_timeouts_stay(self, monkeypatch, http_mocker):
        monkeypatch.setenv(TEST_BACKOFF_CAP, "0.5")

        assert self._timeouts_of_stream_requests(monkeypatch, http_mocker) == [(30, 30)] * 3

    def test_given_only_a_test_read_timeout_when_429_then_the_manifests_backoff_stays(self, monkeypatch, http_mocker, sleeps):
        monkeypatch.setenv(TEST_READ_TIMEOUT, "2.5")
        http_mocker.get(_ONLY_WINDOW.build(), [twilio_error(429, 20429, "Too Many Requests")] * 4 + [list_response("conferences", [])])
        _mock_live_statuses_empty(http_mocker)

        read_source(ConfigBuilder().build(), catalog("conferences"))

        # factor 1, capped at 30: ceilings of 1, 2, 4 and 8 seconds, at least half of each, plus the CDK's extra second
        assert [ceiling / 2 + 1 <= wait <= ceiling + 1 for wait, ceiling in zip(sleeps, (1, 2, 4, 8))] == [True] * 4

    def test_given_a_test_backoff_cap_when_429_on_every_attempt_then_ten_retries_each_within_the_cap(self, monkeypatch, http_mocker, sleeps):
        monkeypatch.setenv(TEST_BACKOFF_CAP, "0.5")
        http_mocker.get(_ONLY_WINDOW.build(), [twilio_error(429, 20429, "Too Many Requests")] * 11)
        _mock_live_statuses_empty(http_mocker)

        output = read_source(ConfigBuilder().build(), catalog("conferences"), expecting_exception=True)

        assert len(sleeps) == 10
        assert all(0.25 + 1 <= wait <= 0.5 + 1 for wait in sleeps)  # half the cap fixed, plus the CDK's extra second
        assert any("429" in m.trace.error.message for m in output.errors)

    @pytest.mark.parametrize("variable", [TEST_READ_TIMEOUT, TEST_BACKOFF_CAP])
    @pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
    def test_given_a_test_setting_that_is_not_a_positive_number_when_the_source_starts_then_an_error_naming_it(self, monkeypatch, variable, value):
        monkeypatch.setenv(variable, value)

        with pytest.raises(ValueError, match=f"{variable} \\(a setting for tests only\\) must be a positive number of seconds"):
            source(catalog("conferences"), ConfigBuilder().build())


# TwilioBasicAuth tries the credentials once, before any stream starts, on conferences updated on 2008-01-01.
_CREDENTIALS_CHECK = "Conferences.json?PageSize=1&DateUpdated%3E=2008-01-01&DateUpdated%3C=2008-01-02"


@freeze_time(_NOW)
class TestTls:
    def test_given_a_certificate_that_does_not_verify_when_read_then_a_config_error_at_once(self, monkeypatch, sleeps):
        attempts = []

        def refuse(session, request, **kwargs):
            attempts.append(request.url)
            assert kwargs.get("verify", True) is not False
            raise requests.exceptions.SSLError("certificate verify failed: self-signed certificate", request=request)

        monkeypatch.setattr(requests.Session, "send", refuse)
        output = read_source(ConfigBuilder().build(), catalog("conferences"), expecting_exception=True)

        # The credentials check gets no answer (no verdict); then each status partition already started may try once
        # (they run concurrently); none is retried.
        assert _CREDENTIALS_CHECK in attempts[0]
        assert 1 <= len(attempts[1:]) <= 3 and len(set(attempts)) == len(attempts) and sleeps == []
        errors = [m.trace.error for m in output.errors]
        assert errors and errors[0].failure_type == FailureType.config_error
        assert "TLS certificate of api.twilio.com could not be verified" in errors[0].message

    def test_given_one_partition_and_a_certificate_that_does_not_verify_when_read_then_one_attempt_only(self, monkeypatch, sleeps):
        attempts = []

        def refuse(session, request, **kwargs):
            attempts.append(request.url)
            raise requests.exceptions.SSLError("certificate verify failed: self-signed certificate", request=request)

        monkeypatch.setattr(requests.Session, "send", refuse)
        output = read_source(
            ConfigBuilder().with_field("conference_status", ["completed"]).build(), catalog("conferences"), expecting_exception=True
        )

        assert len(attempts) == 2 and _CREDENTIALS_CHECK in attempts[0] and "Status=completed" in attempts[1] and sleeps == []
        assert [m.trace.error.failure_type for m in output.errors][:1] == [FailureType.config_error]


@freeze_time(_NOW)
class TestRejectedCredentials:
    def test_given_401_when_check_then_failed_with_a_message_naming_the_credentials(self, http_mocker, capsys, tmp_path):
        http_mocker.get(_CHECK_WINDOW.build(), twilio_error(401, 20003, "Authenticate"))

        exit_code, output, printed = run_entry_point(capsys, tmp_path, "check", ConfigBuilder().build())

        assert exit_code == 0
        status = output.connection_status_messages[-1].connectionStatus
        assert status.status == Status.FAILED
        assert "rejected the credentials" in status.message and "20003" in status.message
        assert AUTH_TOKEN not in printed

    def test_given_401_when_read_then_config_error_trace_and_no_token_in_the_output(self, http_mocker):
        for request in (_ONLY_WINDOW, *_LIVE):  # every status partition is read with the same credentials
            http_mocker.get(request.build(), twilio_error(401, 20003, "Authenticate"))

        output = read_source(ConfigBuilder().build(), catalog("conferences"), expecting_exception=True)

        errors = [m.trace.error for m in output.errors]
        assert errors and all(e.failure_type == FailureType.config_error for e in errors)
        assert "rejected the credentials" in errors[0].message and "Account SID and the Auth Token" in errors[0].message
        assert AUTH_TOKEN not in _everything_printed(output)


@freeze_time(_NOW)
class TestPagination:
    def test_given_next_page_uri_on_another_host_when_read_then_refuse_it_and_send_no_request_there(self, http_mocker):
        body = json.loads(list_response("conferences", [conference_record(conference_sid(1), utc(2024, 1, 5))]).body)
        body["next_page_uri"] = "https://collector.example.net/2010-04-01/Accounts/AC/Conferences.json?Page=1"
        http_mocker.get(_ONLY_WINDOW.build(), HttpResponse(json.dumps(body), 200))
        _mock_live_statuses_empty(http_mocker)

        output = read_source(ConfigBuilder().build(), catalog("conferences"), expecting_exception=True)

        messages = [m.trace.error.message for m in output.errors]
        assert messages and "another host (https://collector.example.net)" in messages[0], messages
        assert not any("NoMockAddress" in m for m in messages)  # no request was sent there (nor anywhere unmocked)


@freeze_time(_NOW)
class TestCheck:
    def test_given_valid_credentials_when_check_then_succeeded_reading_the_2008_window(self, http_mocker, capsys, tmp_path):
        http_mocker.get(_CHECK_WINDOW.build(), list_response("conferences", []))

        exit_code, output, _ = run_entry_point(capsys, tmp_path, "check", ConfigBuilder().build())

        assert exit_code == 0
        assert [m.connectionStatus.status for m in output.connection_status_messages] == [Status.SUCCEEDED]

    def test_given_a_start_date_in_the_future_when_check_then_succeeded_with_one_request_to_the_2008_window(
        self, http_mocker, monkeypatch, capsys, tmp_path
    ):
        # only the 2008 window is mocked: any other request would fail the check
        http_mocker.get(_CHECK_WINDOW.build(), list_response("conferences", []))
        sent, send = [], requests.Session.send
        monkeypatch.setattr(requests.Session, "send", lambda session, request, **kwargs: sent.append(request.url) or send(session, request, **kwargs))

        exit_code, output, _ = run_entry_point(capsys, tmp_path, "check", ConfigBuilder().with_start_date("2030-01-01T00:00:00Z").build())

        assert exit_code == 0
        assert [m.connectionStatus.status for m in output.connection_status_messages] == [Status.SUCCEEDED]
        # the credentials check first (unmocked here: no answer, no verdict), then the check's one window
        assert len(sent) == 2 and _CREDENTIALS_CHECK in sent[0], sent
        assert "DateUpdated%3E=2008-01-01" in sent[1] and "Status=completed" in sent[1], sent

    def test_given_a_start_date_in_the_future_when_check_then_the_config_file_keeps_its_start_date(self, http_mocker, capsys, tmp_path):
        http_mocker.get(_CHECK_WINDOW.build(), list_response("conferences", []))
        config = ConfigBuilder().with_start_date("2030-01-01T00:00:00Z").build()

        run_entry_point(capsys, tmp_path, "check", config)

        assert json.loads((tmp_path / "config.json").read_text())["start_date"] == "2030-01-01T00:00:00Z"

    def test_given_an_old_top_level_auth_token_when_check_then_control_message_and_basic_auth_with_the_account_sid(
        self, http_mocker, capsys, tmp_path
    ):
        basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        http_mocker.get(_CHECK_WINDOW.with_headers({"Authorization": f"Basic {basic}"}).build(), list_response("conferences", []))

        exit_code, output, _ = run_entry_point(capsys, tmp_path, "check", ConfigBuilder().with_legacy_auth_token().build())

        assert exit_code == 0
        assert [m.connectionStatus.status for m in output.connection_status_messages] == [Status.SUCCEEDED]
        controls = output.get_message_by_types([Type.CONTROL])
        assert len(controls) == 1
        migrated = controls[0].control.connectorConfig.config
        assert migrated["credentials"]["auth_type"] == "auth_token" and "auth_token" not in migrated
        # the runner also rewrites the config file it was given, as Airbyte's platform expects
        assert json.loads((tmp_path / "config.json").read_text()) == migrated
