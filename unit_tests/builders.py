"""Config, request and response builders for the unit tests (the shape of Airbyte's source-stripe tests)."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlencode

from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse
from airbyte_cdk.test.mock_http.response_builder import (
    FieldPath,
    HttpResponseBuilder,
    PaginationStrategy,
    RecordBuilder,
    find_template,
)

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "unit-test-auth-token-5f1c9e"
API_KEY_SID = "SK" + "fedcba9876543210" * 2
API_KEY_SECRET = "unit-test-api-key-secret-a1b2"
BASE_URL = "https://api.twilio.com"
INSIGHTS_URL = "https://insights.twilio.com"
START_DATE = "2024-01-01T00:00:00Z"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def rfc2822(moment: datetime) -> str:
    """`utc(2015, 7, 30, 20)` -> `"Thu, 30 Jul 2015 20:00:00 +0000"`, the way Twilio writes dates."""
    return format_datetime(moment)


def conference_sid(n: int) -> str:
    return f"CF{n:032x}"


def call_sid(n: int) -> str:
    return f"CA{n:032x}"


class ConfigBuilder:
    def __init__(self) -> None:
        self._config: Dict[str, Any] = {
            "account_sid": ACCOUNT_SID,
            "credentials": {"auth_type": "auth_token", "auth_token": AUTH_TOKEN},
            "start_date": START_DATE,
            "base_url": BASE_URL,
            "insights_base_url": INSIGHTS_URL,
            # One worker: windows of 30 days (or one window for a shorter range), which the tests spell out; with more
            # workers the windows are shorter, so that a backfill keeps each busy (test_conferences.TestWindows).
            "num_workers": 1,
        }

    def with_legacy_auth_token(self) -> "ConfigBuilder":
        """The shape of Airbyte's own Twilio connector: the token at the top level."""
        self._config.pop("credentials", None)
        self._config["auth_token"] = AUTH_TOKEN
        return self

    def with_api_key(self, sid: str = API_KEY_SID, secret: str = API_KEY_SECRET) -> "ConfigBuilder":
        self._config["credentials"] = {"auth_type": "api_key", "api_key_sid": sid, "api_key_secret": secret}
        return self

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        self._config["start_date"] = start_date
        return self

    def with_lookback_window(self, minutes: int) -> "ConfigBuilder":
        self._config["lookback_window"] = minutes
        return self

    def with_num_workers(self, workers: int) -> "ConfigBuilder":
        self._config["num_workers"] = workers
        return self

    def with_base_url(self, base_url: str) -> "ConfigBuilder":
        self._config["base_url"] = base_url
        return self

    def with_field(self, key: str, value: Any) -> "ConfigBuilder":
        self._config[key] = value
        return self

    def without(self, key: str) -> "ConfigBuilder":
        self._config.pop(key, None)
        return self

    def build(self) -> Dict[str, Any]:
        return copy.deepcopy(self._config)


class TwilioListRequestBuilder:
    """One list endpoint of the 2010 API, with its query parameters in the order the connector sends them."""

    def __init__(self, path: str, base_url: str = BASE_URL) -> None:
        self._path = path
        self._base_url = base_url
        self._params: Dict[str, str] = {}
        self._headers: Dict[str, str] = {}

    def with_headers(self, headers: Mapping[str, str]) -> "TwilioListRequestBuilder":
        self._headers.update(headers)
        return self

    def with_friendly_name(self, name: str) -> "TwilioListRequestBuilder":
        self._params["FriendlyName"] = name
        return self

    def with_page_size(self, page_size: int) -> "TwilioListRequestBuilder":
        self._params["PageSize"] = str(page_size)
        return self

    def with_date_updated_from(self, day: date) -> "TwilioListRequestBuilder":
        self._params["DateUpdated>"] = day.isoformat()
        return self

    def with_date_updated_to(self, day: date) -> "TwilioListRequestBuilder":
        self._params["DateUpdated<"] = day.isoformat()
        return self

    def with_date_created_from(self, day: date) -> "TwilioListRequestBuilder":
        self._params["DateCreated>"] = day.isoformat()
        return self

    def with_status(self, status: str) -> "TwilioListRequestBuilder":
        self._params["Status"] = status
        return self

    def with_page(self, page: int, page_token: str) -> "TwilioListRequestBuilder":
        self._params["Page"] = str(page)
        self._params["PageToken"] = page_token
        return self

    def uri(self) -> str:
        """The relative URI Twilio puts in `next_page_uri` for this request."""
        return f"{self._path}?{urlencode(self._params)}" if self._params else self._path

    def build(self) -> HttpRequest:
        return HttpRequest(f"{self._base_url}{self._path}", query_params=dict(self._params) or None, headers=self._headers or None)


def conferences_endpoint(account_sid: str = ACCOUNT_SID) -> TwilioListRequestBuilder:
    return TwilioListRequestBuilder(f"/2010-04-01/Accounts/{account_sid}/Conferences.json")


def conferences_window(first_day: date, day_after_last: date, status: str = "completed") -> TwilioListRequestBuilder:
    """One status of one window: `DateUpdated>=first_day&DateUpdated<=day_after_last&Status=status`."""
    return (
        conferences_endpoint()
        .with_date_updated_from(first_day)
        .with_date_updated_to(day_after_last)
        .with_page_size(1000)
        .with_status(status)
    )


def live_conferences_endpoint(status: str, created_from: date = date(2024, 1, 1)) -> TwilioListRequestBuilder:
    return conferences_endpoint().with_date_created_from(created_from).with_status(status).with_page_size(1000)


def participants_endpoint(conference: str, account_sid: str = ACCOUNT_SID) -> TwilioListRequestBuilder:
    return TwilioListRequestBuilder(
        f"/2010-04-01/Accounts/{account_sid}/Conferences/{conference}/Participants.json"
    ).with_page_size(1000)


class NextPageUri(PaginationStrategy):
    def __init__(self, next_page_uri: str) -> None:
        self._next_page_uri = next_page_uri

    def update(self, response: Dict[str, Any]) -> None:
        response["next_page_uri"] = self._next_page_uri


def conference_record(
    sid: str,
    date_updated: datetime,
    status: str = "completed",
    date_created: Optional[datetime] = None,
    account_sid: str = ACCOUNT_SID,
) -> RecordBuilder:
    template = find_template("conferences", __file__)["conferences"][0]
    record = (
        RecordBuilder(copy.deepcopy(template), FieldPath("sid"), FieldPath("date_updated"))
        .with_id(sid)
        .with_cursor(rfc2822(date_updated))
        .with_field(FieldPath("date_created"), rfc2822(date_created or date_updated))
        .with_field(FieldPath("status"), status)
        .with_field(FieldPath("account_sid"), account_sid)
    )
    return record


def participant_record(conference: str, call: str, date_updated: datetime) -> RecordBuilder:
    template = find_template("conference_participants", __file__)["participants"][0]
    return (
        RecordBuilder(copy.deepcopy(template), FieldPath("call_sid"), FieldPath("date_updated"))
        .with_id(call)
        .with_cursor(rfc2822(date_updated))
        .with_field(FieldPath("conference_sid"), conference)
        .with_field(FieldPath("account_sid"), ACCOUNT_SID)
    )


def list_response(
    resource: str, records: List[RecordBuilder], next_page: Optional[TwilioListRequestBuilder] = None
) -> HttpResponse:
    key = "participants" if resource == "conference_participants" else resource
    builder = HttpResponseBuilder(
        copy.deepcopy(find_template(resource, __file__)),
        FieldPath(key),
        NextPageUri(next_page.uri()) if next_page else None,
    )
    for record in records:
        builder = builder.with_record(record)
    if next_page:
        builder = builder.with_pagination()
    return builder.build()


def twilio_error(status: int, code: int, message: str, headers: Optional[Mapping[str, str]] = None) -> HttpResponse:
    body = (
        f'{{"code": {code}, "message": "{message}", '
        f'"more_info": "https://www.twilio.com/docs/errors/{code}", "status": {status}}}'
    )
    return HttpResponse(body, status, headers=dict(headers or {}))


def catalog(*streams: str, sync_mode: SyncMode = SyncMode.full_refresh) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for stream in streams:
        builder = builder.with_stream(stream, sync_mode)
    return builder.build()


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class InsightsRequestBuilder:
    """A Voice Insights list endpoint; its pages are absolute URLs on the Insights host."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._params: Dict[str, str] = {}

    def with_created_after(self, moment: datetime) -> "InsightsRequestBuilder":
        self._params["CreatedAfter"] = iso(moment)
        return self

    def with_created_before(self, moment: datetime) -> "InsightsRequestBuilder":
        self._params["CreatedBefore"] = iso(moment)
        return self

    def with_param(self, name: str, value: str) -> "InsightsRequestBuilder":
        self._params[name] = value
        return self

    def with_page_size(self, page_size: int) -> "InsightsRequestBuilder":
        self._params["PageSize"] = str(page_size)
        return self

    def url(self) -> str:
        return f"{INSIGHTS_URL}{self._path}?{urlencode(self._params)}" if self._params else f"{INSIGHTS_URL}{self._path}"

    def build(self) -> HttpRequest:
        return HttpRequest(f"{INSIGHTS_URL}{self._path}", query_params=dict(self._params) or None)


def summaries_window(first: datetime, last: datetime) -> InsightsRequestBuilder:
    """One window [first, last] of conference summaries, pushed down one second wider on each side."""
    return (
        InsightsRequestBuilder("/v1/Conferences")
        .with_created_after(first - timedelta(seconds=1))
        .with_created_before(last + timedelta(seconds=1))
        .with_page_size(1000)
    )


def participant_summaries_endpoint(conference: str) -> InsightsRequestBuilder:
    return InsightsRequestBuilder(f"/v1/Conferences/{conference}/Participants").with_page_size(1000)


class NextPageUrl(PaginationStrategy):
    def __init__(self, next_page_url: str) -> None:
        self._next_page_url = next_page_url

    def update(self, response: Dict[str, Any]) -> None:
        response["meta"]["next_page_url"] = self._next_page_url


def summary_record(conference: str, create_time: datetime, processing_state: str = "complete") -> RecordBuilder:
    template = find_template("conference_summaries", __file__)["conferences"][0]
    return (
        RecordBuilder(copy.deepcopy(template), FieldPath("conference_sid"), FieldPath("create_time"))
        .with_id(conference)
        .with_cursor(iso(create_time))
        .with_field(FieldPath("processing_state"), processing_state)
        .with_field(FieldPath("account_sid"), ACCOUNT_SID)
    )


def participant_summary_record(participant: str, conference: str, join_time: datetime) -> RecordBuilder:
    template = find_template("conference_participant_summaries", __file__)["participants"][0]
    return (
        RecordBuilder(copy.deepcopy(template), FieldPath("participant_sid"), FieldPath("join_time"))
        .with_id(participant)
        .with_cursor(iso(join_time))
        .with_field(FieldPath("conference_sid"), conference)
        .with_field(FieldPath("account_sid"), ACCOUNT_SID)
    )


def insights_response(resource: str, records: List[RecordBuilder], next_page: Optional[InsightsRequestBuilder] = None) -> HttpResponse:
    key = "conferences" if resource == "conference_summaries" else "participants"
    builder = HttpResponseBuilder(
        copy.deepcopy(find_template(resource, __file__)), FieldPath(key), NextPageUrl(next_page.url()) if next_page else None
    )
    for record in records:
        builder = builder.with_record(record)
    if next_page:
        builder = builder.with_pagination()
    return builder.build()


def accounts_endpoint() -> TwilioListRequestBuilder:
    return TwilioListRequestBuilder("/2010-04-01/Accounts.json").with_page_size(1000)


def accounts_response(accounts: List[tuple]) -> HttpResponse:
    """`accounts`: (sid, status) pairs; the first is the main account and owns the others."""
    template = find_template("accounts", __file__)
    record = template["accounts"][0]
    rows = []
    for sid, status in accounts:
        row = copy.deepcopy(record)
        row.update(sid=sid, status=status, owner_account_sid=accounts[0][0])
        rows.append(row)
    template["accounts"] = rows
    return HttpResponse(json.dumps(template), 200)
