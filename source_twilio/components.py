"""What Twilio does that no stock component of the low-code CDK covers.

Airbyte's runner and Connector Builder load this file as `source_declarative_manifest.components`, and the
source_twilio package registers it under that name too. It imports only airbyte_cdk, its dependencies and the stdlib.
"""

import logging
import random
import threading
from dataclasses import InitVar, dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Iterable, List, Mapping, Optional, Set, Union
from urllib.parse import urljoin, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.interpolation import InterpolatedBoolean, InterpolatedString
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers import PartitionRouter
from airbyte_cdk.sources.declarative.requesters.error_handlers import DefaultErrorHandler
from airbyte_cdk.sources.declarative.requesters.error_handlers.backoff_strategy import BackoffStrategy
from airbyte_cdk.sources.declarative.requesters.paginators.strategies import CursorPaginationStrategy
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.declarative.validators.validation_strategy import ValidationStrategy
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import Config, StreamSlice
from airbyte_cdk.utils import AirbyteTracedException

LOGGER = logging.getLogger("airbyte")
ISO_8601 = "%Y-%m-%dT%H:%M:%SZ"
_MONTHS = {m: f"{n:02d}" for n, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def rfc2822_to_iso(value: Any) -> Any:
    """`"Fri, 11 Dec 2020 04:28:40 +0000"` -> `"2020-12-11T04:28:40Z"`, any offset converted to UTC; other values as is."""
    if not isinstance(value, str) or "," not in value:
        return value
    if len(value) == 31 and value.endswith(" +0000") and value[3:5] == ", " and value[8:11] in _MONTHS:
        return f"{value[12:16]}-{_MONTHS[value[8:11]]}-{value[5:7]}T{value[17:25]}Z"  # what Twilio sends
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return value
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)  # "-0000": UTC, zone unknown
    return parsed.astimezone(timezone.utc).strftime(ISO_8601)


@dataclass
class NormalizeTwilioDates(RecordTransformation):
    """Twilio's 2010 API writes dates in RFC 2822 (`"date_updated": "Thu, 30 Jul 2015 20:00:00 +0000"`): `fields` are
    rewritten to ISO 8601 UTC (`"2015-07-30T20:00:00Z"`), before the record filter and the cursor compare them.
    The stock AddFields with `format_datetime` would render a Jinja template per field of every record."""

    fields: List[str]
    parameters: InitVar[Mapping[str, Any]]

    def transform(self, record: Any, config: Any = None, stream_state: Any = None, stream_slice: Any = None) -> None:
        for name in self.fields:
            if name in record:
                record[name] = rfc2822_to_iso(record[name])


@dataclass
class TwilioNextPage(CursorPaginationStrategy):
    """Twilio's next-page link as the next request's URL, on the configured host only.

    The 2010 API's `next_page_uri` is relative (`/2010-04-01/Accounts/AC.../Conferences.json?...&PageToken=PA...`)
    and is joined to `url_base`, keeping a path prefix of it; Voice Insights' `meta.next_page_url` is absolute. The
    request carries the account's credentials, so a link to another scheme, host or port fails the stream instead.
    """

    url_base: str = ""

    def next_page_token(self, response: requests.Response, *args: Any, **kwargs: Any) -> Optional[str]:
        link = super().next_page_token(response, *args, **kwargs)
        if not link:
            return None
        base, target = urlsplit(str(InterpolatedString.create(self.url_base, parameters={}).eval(self.config))), urlsplit(link)
        if target.scheme or target.netloc:
            if (target.scheme, target.netloc.lower()) == (base.scheme, base.netloc.lower()):
                return str(link)
            raise AirbyteTracedException(
                message=f"Twilio returned a next-page link to another host ({target.scheme}://{target.netloc}); the "
                f"connector only sends credentials to {base.scheme}://{base.netloc} and stopped.",
                internal_message=f"Refused next page link {link!r}",
                failure_type=FailureType.system_error,
            )
        if not str(link).startswith("/"):
            raise AirbyteTracedException(message="Twilio returned a next-page link that is not an absolute path; the "
                                         "connector stopped.", internal_message=f"Refused next page link {link!r}")
        return urljoin(f"{base.scheme}://{base.netloc}", base.path.rstrip("/") + str(link))


@dataclass
class CappedExponentialBackoff(BackoffStrategy):
    """Twilio documents no Retry-After on 429 (error 20429, too many concurrent requests) or 5xx: wait
    `factor * 2 ** attempt` seconds, half of it random, never more than `max_seconds`. The stock
    ExponentialBackoffStrategy has no cap: its tenth retry of a 429 storm waits over an hour."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    factor: float = 1.0
    max_seconds: Union[float, str] = 30.0

    def backoff_time(self, response_or_exception: Any, attempt_count: int) -> Optional[float]:
        ceiling = min(float(self.max_seconds), float(self.factor) * 2 ** max(attempt_count - 1, 0))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # workers that hit the limit together retry apart


@dataclass
class TwilioErrorHandler(DefaultErrorHandler):
    """The stock DefaultErrorHandler, plus three things status codes do not say about Twilio's answers:

    - a 2xx whose body is not a JSON object (a proxy's `<html>` page, a body cut off mid-way) is retried like a 5xx;
      only the first and last bytes are looked at, so a body cut off right after a `}` reaches the JSON decoder;
    - a TLS certificate that does not verify ends the sync as a config error naming the host, with no retry;
    - `warning` is logged once per sync the first time a response is ignored (Voice Insights answers 403 to every
      request of an account without Advanced Features).
    """

    warning: str = ""
    _given: ClassVar[Set[str]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def interpret_response(self, response_or_exception: Optional[Union[requests.Response, Exception]]) -> ErrorResolution:
        if isinstance(response_or_exception, requests.exceptions.SSLError):
            request = response_or_exception.request
            host = urlsplit(request.url).netloc if request is not None else "the host"
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, f"The TLS certificate of {host} could "
                                   "not be verified, so no credentials were sent to it. Check the base URL; the "
                                   "connector always verifies certificates.")
        if isinstance(response_or_exception, requests.Response) and response_or_exception.ok:
            body = response_or_exception.content
            if body[:64].lstrip()[:1] != b"{" or body[-64:].rstrip()[-1:] != b"}":
                kind = response_or_exception.headers.get("Content-Type", "no content type")
                return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, f"Twilio answered "
                                       f"{response_or_exception.status_code} with a body that is not JSON ({kind}), as "
                                       "a proxy's error page or a cut-off response would be; retrying.")
        resolution = super().interpret_response(response_or_exception)
        if resolution.response_action == ResponseAction.IGNORE and self.warning:
            with self._lock:
                first, _ = self.warning not in self._given, self._given.add(self.warning)
            if first:
                LOGGER.warning(" ".join(self.warning.split()))
        return resolution


@dataclass
class TwilioAccounts(PartitionRouter):
    """One partition per Twilio account, `{"account_sid": ..., "parent_slice": {}}`: the configured account, with no
    request; or with `include_subaccounts`, the accounts that `subaccounts` (a SubstreamPartitionRouter over
    `GET /2010-04-01/Accounts.json`) reads. Twilio lets only the main account's Auth Token or a Main API key list
    accounts, so a single account is never listed, and no stream needs a second definition for subaccounts."""

    subaccounts: PartitionRouter
    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def stream_slices(self) -> Iterable[StreamSlice]:
        if self.config.get("include_subaccounts"):
            yield from self.subaccounts.stream_slices()
        else:
            yield StreamSlice(partition={"account_sid": self.config["account_sid"], "parent_slice": {}}, cursor_slice={})

    def get_stream_state(self) -> None:
        return None

    def get_request_params(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    get_request_headers = get_request_body_data = get_request_body_json = get_request_params


@dataclass
class StatusCursors(StateMigration):
    """Conferences are read per account and per Twilio `Status`, each partition with its cursor on `date_updated`.

    - A live conference (`init`, `in-progress`) is at most a day old, but an empty partition keeps its cursor at the
      start date and would ask Twilio for every window since then on every sync: the live statuses' cursors of the
      configured account start no earlier than `live_hours` ago.
    - 0.1.0 read every status in one partition per account (`{"account_sid", "parent_slice"}`): such a cursor is
      copied to each status partition of its account, so nothing is read again and nothing is skipped. A single
      cursor for every partition (0.1.0 without subaccounts) is kept as the cursor of the partitions it has no entry for.
    """

    statuses: Union[str, List[str]]
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    live_hours: int = 48

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return True

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        statuses = InterpolatedString.create(self.statuses, parameters={}).eval(self.config) if isinstance(self.statuses, str) else self.statuses
        state = dict(stream_state) if "states" in stream_state or not stream_state else {"state": dict(stream_state)}
        entries = {}
        for entry in state.get("states", []):
            for status in [entry["partition"]["status"]] if "status" in entry["partition"] else statuses:
                entries[(entry["partition"]["account_sid"], status)] = {"partition": {**entry["partition"], "status": status}, "cursor": entry["cursor"]}
        floor = max(self.config["start_date"], (datetime.now(timezone.utc) - timedelta(hours=self.live_hours)).strftime(ISO_8601))
        for status in set(statuses) - {"completed"}:
            entries.setdefault((self.config["account_sid"], status), {"partition": {"account_sid": self.config["account_sid"], "parent_slice": {}, "status": status}, "cursor": {}})
        for (_, status), entry in entries.items():
            if status != "completed":
                entry["cursor"] = {"date_updated": max(floor, entry["cursor"].get("date_updated", ""))}
        return {**state, "states": list(entries.values())}


@dataclass
class ConfigRule(ValidationStrategy):
    """A config value the spec's JSON schema could check only with messages that name no field (`'abc' does not match
    '^AC[0-9a-fA-F]{32}$'`), or that repeat a secret: `condition` (Jinja, on `value`), else the plain `message`."""

    condition: str
    message: str

    def validate(self, value: Any) -> None:
        try:
            valid = InterpolatedBoolean(condition=self.condition, parameters={}).eval({}, value=value)
        except Exception:  # a value the condition cannot even be evaluated on (a date that does not exist)
            valid = False
        if not valid:
            raise AirbyteTracedException(message=self.message, internal_message=self.message,
                                         failure_type=FailureType.config_error)
