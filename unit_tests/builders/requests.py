"""The requests the connector makes, one builder per Twilio endpoint, with the query parameters in the order it sends
them: `conferences_endpoint(account_sid).with_page_size(1000).with_date_updated_from(day)`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Dict, Mapping
from urllib.parse import urlencode

from airbyte_cdk.test.mock_http import HttpRequest

from unit_tests.builders.config import ACCOUNT_SID, BASE_URL, INSIGHTS_URL
from unit_tests.builders.responses import iso


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


def accounts_endpoint() -> TwilioListRequestBuilder:
    return TwilioListRequestBuilder("/2010-04-01/Accounts.json").with_page_size(1000)
