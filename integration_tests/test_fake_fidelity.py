"""The fake Twilio is checked against Twilio's official OpenAPI spec and the official `twilio` SDK."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import pytest
import requests
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from fake_twilio import Dataset

OAI = Path(__file__).resolve().parent.parent / "third_party" / "twilio-oai"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "more_info": {"type": "string", "pattern": "^https://www.twilio.com/docs/errors/[0-9]+$"},
        "status": {"type": "integer"},
    },
}

_formats = FormatChecker(formats=())


@_formats.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
def _is_rfc_2822(value: object) -> bool:
    return not isinstance(value, str) or parsedate_to_datetime(value).tzinfo is not None


@_formats.checks("date-time", raises=ValueError)
def _is_iso_8601(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@lru_cache(maxsize=None)
def _spec(name: str) -> Dict[str, Any]:
    """The official spec, with the quirk its README notes: enums reached through $ref are nullable in practice."""
    spec = json.loads((OAI / name).read_text())
    for schema in spec["components"]["schemas"].values():
        if "enum" in schema:
            schema["nullable"] = True
            schema["enum"] = schema["enum"] + [None]
    return spec


def _validate(spec_name: str, path_template: str, body: Dict[str, Any]) -> None:
    spec = _spec(spec_name)
    schema = spec["paths"][path_template]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    OAS30Validator({**copy.deepcopy(schema), "components": spec["components"]}, format_checker=_formats).validate(body)
    resolved = schema if "properties" in schema else spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert set(body) <= set(resolved["properties"]), f"keys outside the spec: {set(body) - set(resolved['properties'])}"


API = "twilio_api_v2010.json"
INSIGHTS = "twilio_insights_v1.json"


class TestOpenApiResponses:
    @pytest.fixture
    def fake(self, start_fake):
        return start_fake(Dataset(conferences=60, subaccounts=2, closed_subaccounts=1, seed=3))

    def _get(self, fake, path: str, params=None, auth=None) -> requests.Response:
        main = fake.dataset.main_account
        return requests.get(fake.base_url + path, params=params, auth=auth or (main.sid, main.auth_token), timeout=10)

    def test_given_every_list_and_fetch_when_requested_then_each_response_matches_the_official_schema(self, fake):
        main = fake.dataset.main_account.sid
        live = fake.dataset.live_conferences(main)[0]
        ended = next(c for c in fake.dataset.all_conferences(main) if not c.live)
        recent = fake.dataset.anchor.date()
        checked = 0
        for template, path, params in [
            ("/2010-04-01/Accounts.json", "/2010-04-01/Accounts.json", {}),
            ("/2010-04-01/Accounts/{Sid}.json", f"/2010-04-01/Accounts/{main}.json", {}),
            ("/2010-04-01/Accounts/{AccountSid}/Conferences.json", f"/2010-04-01/Accounts/{main}/Conferences.json", {"Status": "completed", "PageSize": 7}),
            ("/2010-04-01/Accounts/{AccountSid}/Conferences.json", f"/2010-04-01/Accounts/{main}/Conferences.json", {"Status": "in-progress", "DateUpdated>": str(recent - timedelta(days=2))}),
            ("/2010-04-01/Accounts/{AccountSid}/Conferences.json", f"/2010-04-01/Accounts/{main}/Conferences.json", {"Status": "completed", "DateCreated<": str(recent), "FriendlyName": ended.friendly_name}),
            ("/2010-04-01/Accounts/{AccountSid}/Conferences/{Sid}.json", f"/2010-04-01/Accounts/{main}/Conferences/{ended.sid}.json", {}),
            ("/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json", f"/2010-04-01/Accounts/{main}/Conferences/{live.sid}/Participants.json", {"PageSize": 2}),
            ("/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json", f"/2010-04-01/Accounts/{main}/Conferences/{ended.sid}/Participants.json", {}),
        ]:
            response = self._get(fake, path, params)
            assert response.status_code == 200, response.text
            _validate(API, template, response.json())
            checked += 1
            next_page = response.json().get("next_page_uri")
            if next_page:
                assert not next_page.startswith("http"), "next_page_uri is relative"
                _validate(API, template, self._get(fake, next_page).json())
                checked += 1
        for template, path, params in [
            ("/v1/Conferences", "/v1/Conferences", {"PageSize": 9}),
            ("/v1/Conferences", "/v1/Conferences", {"CreatedAfter": (fake.dataset.anchor - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"), "Status": "completed"}),
            ("/v1/Conferences/{ConferenceSid}", f"/v1/Conferences/{ended.sid}", {}),
            ("/v1/Conferences/{ConferenceSid}/Participants", f"/v1/Conferences/{ended.sid}/Participants", {"PageSize": 1}),
        ]:
            response = self._get(fake, path, params)
            assert response.status_code == 200, response.text
            _validate(INSIGHTS, template, response.json())
            checked += 1
            next_url = response.json().get("meta", {}).get("next_page_url")
            if next_url:
                assert next_url.startswith(fake.base_url + "/v1/"), "next_page_url is absolute, on the same host"
                _validate(INSIGHTS, template, requests.get(next_url, auth=(main, fake.dataset.main_account.auth_token), timeout=10).json())
                checked += 1
        assert checked >= 15

    def test_given_the_2010_list_envelope_when_read_then_it_has_exactly_twilios_keys(self, fake):
        body = self._get(fake, f"/2010-04-01/Accounts/{fake.dataset.main_account.sid}/Conferences.json", {"Status": "completed"}).json()

        assert set(body) == {"conferences", "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri"}
        assert (body["page_size"], body["start"], body["end"], len(body["conferences"])) == (50, 0, 49, 50)

    @pytest.mark.parametrize(
        "path, auth, status, code",
        [
            ("/2010-04-01/Accounts/{main}/Conferences.json", ("{main}", "wrong-token"), 401, 20003),
            ("/2010-04-01/Accounts/{main}/Conferences.json", None, 401, 20003),
            ("/2010-04-01/Accounts/{main}/Nowhere.json", "valid", 404, 20404),
            ("/2010-04-01/Accounts/{main}/Conferences.json?PageSize=1001", "valid", 400, 20001),
            ("/v1/Conferences?CreatedAfter=yesterday", "valid", 400, 20001),
        ],
    )
    def test_given_a_bad_request_when_sent_then_twilios_error_body(self, fake, path, auth, status, code):
        main = fake.dataset.main_account
        url = fake.base_url + path.format(main=main.sid)
        credentials = (main.sid, main.auth_token) if auth == "valid" else (tuple(a.format(main=main.sid) for a in auth) if auth else None)

        response = requests.get(url, auth=credentials, timeout=10)

        assert (response.status_code, response.json()["code"]) == (status, code)
        OAS30Validator(ERROR_SCHEMA).validate(response.json())
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Basic")


class TestOfficialSdk:
    @pytest.fixture
    def dataset(self):
        return Dataset(conferences=130, live_share=0.1, subaccounts=1, seed=11)

    @pytest.fixture
    def client(self, start_fake, dataset):
        fake = start_fake(dataset)
        main = dataset.main_account
        client = Client(main.sid, main.auth_token)
        client.api.base_url = fake.base_url
        client.insights.base_url = fake.base_url
        return client

    @staticmethod
    def _utc(moment: datetime) -> datetime:
        return moment.astimezone(timezone.utc)

    def test_given_several_pages_when_the_sdk_lists_completed_conferences_then_exactly_the_dataset_newest_first(self, client, dataset):
        listed = client.conferences.list(status="completed", page_size=20)

        expected = [c for c in dataset.conferences[dataset.main_account.sid] if c.status == "completed"]
        assert [c.sid for c in listed] == [c.sid for c in expected]
        assert len(listed) > 100
        assert [self._utc(c.date_updated) for c in listed[:5]] == [c.date_updated for c in expected[:5]]

    def test_given_no_status_when_the_sdk_lists_then_only_in_progress_conferences(self, client, dataset):
        listed = client.conferences.list(page_size=5)

        assert sorted(c.sid for c in listed) == sorted(c.sid for c in dataset.conferences[dataset.main_account.sid] if c.status == "in-progress")

    def test_given_date_and_name_filters_when_the_sdk_lists_then_whole_days_inclusive(self, client, dataset):
        conferences = [c for c in dataset.conferences[dataset.main_account.sid] if c.status == "completed"]
        pivot = conferences[len(conferences) // 2]
        day = pivot.date_updated.date()

        on_or_after = client.conferences.list(status="completed", date_updated_after=day, page_size=50)
        on_or_before = client.conferences.list(status="completed", date_updated_before=day, page_size=50)
        named = client.conferences.list(status="completed", friendly_name=pivot.friendly_name)

        assert {c.sid for c in on_or_after} == {c.sid for c in conferences if c.date_updated.date() >= day}
        assert {c.sid for c in on_or_before} == {c.sid for c in conferences if c.date_updated.date() <= day}
        assert pivot.sid in {c.sid for c in on_or_after} & {c.sid for c in on_or_before}
        assert {c.sid for c in named} == {c.sid for c in conferences if c.friendly_name == pivot.friendly_name}

    def test_given_live_and_ended_conferences_when_the_sdk_lists_participants_then_only_live_ones_have_any(self, client, dataset):
        live = dataset.live_conferences(dataset.main_account.sid)[0]
        ended = next(c for c in dataset.all_conferences(dataset.main_account.sid) if not c.live)

        listed = client.conferences(live.sid).participants.list(page_size=2)

        assert [p.call_sid for p in listed] == [p.call_sid for p in live.participants]
        assert client.conferences(ended.sid).participants.list() == []

    def test_given_insights_when_the_sdk_lists_summaries_then_every_conference_and_participant(self, client, dataset):
        summaries = client.insights.v1.conferences.list(page_size=40)
        ended = next(c for c in dataset.all_conferences(dataset.main_account.sid) if not c.live)
        participants = client.insights.v1.conferences(ended.sid).conference_participants.list(page_size=1)

        assert sorted(s.conference_sid for s in summaries) == sorted(c.sid for c in dataset.conferences[dataset.main_account.sid])
        assert [p.participant_sid for p in participants] == [p.participant_sid for p in ended.participants]

    def test_given_a_main_account_when_the_sdk_lists_accounts_then_it_and_its_subaccounts(self, client, dataset):
        assert sorted(a.sid for a in client.api.accounts.list()) == sorted(dataset.accounts)

    def test_given_an_api_key_when_the_sdk_lists_then_the_same_conferences(self, start_fake, dataset, client):
        key = dataset.add_api_key()
        with_key = Client(key.sid, key.secret, dataset.main_account.sid)
        with_key.api.base_url = client.api.base_url

        assert [c.sid for c in with_key.conferences.list(status="completed")] == [c.sid for c in client.conferences.list(status="completed")]

    def test_given_a_wrong_token_when_the_sdk_lists_then_twilio_rest_exception_20003(self, client, dataset):
        wrong = Client(dataset.main_account.sid, "not-the-token")
        wrong.api.base_url = client.api.base_url

        with pytest.raises(TwilioException) as listing:
            wrong.conferences.list()
        with pytest.raises(TwilioRestException) as fetching:
            wrong.api.accounts(dataset.main_account.sid).fetch()

        response = listing.value.args[1]
        assert (response.status_code, json.loads(response.text)["code"]) == (401, 20003)
        assert (fetching.value.status, fetching.value.code) == (401, 20003)
