"""Twilio's answers, from the templates in unit_tests/resource/http/response/: records, pages (with the next-page link
each API uses), and Twilio's error bodies."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from airbyte_cdk.test.mock_http import HttpResponse
from airbyte_cdk.test.mock_http.response_builder import (
    FieldPath,
    HttpResponseBuilder,
    PaginationStrategy,
    RecordBuilder,
    find_template,
)

from unit_tests.builders.config import ACCOUNT_SID

if TYPE_CHECKING:
    from unit_tests.builders.requests import InsightsRequestBuilder, TwilioListRequestBuilder


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def rfc2822(moment: datetime) -> str:
    """`utc(2015, 7, 30, 20)` -> `"Thu, 30 Jul 2015 20:00:00 +0000"`, the way Twilio writes dates."""
    return format_datetime(moment)


def conference_sid(n: int) -> str:
    return f"CF{n:032x}"


def call_sid(n: int) -> str:
    return f"CA{n:032x}"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
