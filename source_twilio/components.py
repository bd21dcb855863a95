"""What Twilio does that no stock component of the low-code CDK covers. Airbyte's runner and Connector Builder load
this file as `source_declarative_manifest.components`, and the source_twilio package registers it under that name too.
It imports only airbyte_cdk, its dependencies and the stdlib."""

import base64
import ctypes
import functools
import logging
import os
import random
import threading
import time
from collections import Counter
from dataclasses import InitVar, dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Iterable, List, Mapping, MutableMapping, Optional, Union
from urllib.parse import urljoin, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.auth.token import BasicHttpAuthenticator
from airbyte_cdk.sources.declarative.extractors import DpathExtractor, RecordFilter
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
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets

LOGGER = logging.getLogger("airbyte")


def fewer_malloc_arenas() -> None:
    """glibc gives threads that allocate at the same time arenas of their own (up to 8 per core) and keeps what they
    free: with 10 workers parsing pages of 1,000 conferences at once, peak RSS grows with the account. Two arenas, as
    MALLOC_ARENA_MAX=2 sets, keep it lower and save CPU (BENCHMARKS.md, the step table: 127 to 96 MB at 50,000
    conferences). A value set in the environment wins; without glibc nothing changes."""
    if "MALLOC_ARENA_MAX" not in os.environ:
        try:
            ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX, before the sync's threads start
        except (OSError, AttributeError):
            pass


fewer_malloc_arenas()
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
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).strftime(ISO_8601)


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


class Progress:
    """One INFO line at most every SOURCE_TWILIO_PROGRESS_SECONDS (default 10) while a read goes on, so that a long
    backfill shows where it is: records and pages read per stream, the window each windowed stream read last, the
    retries so far. Counted by TwilioRecords, InWindow and TwilioErrorHandler, from the workers' threads."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.every, self.lock, self.clock = float(os.environ.get("SOURCE_TWILIO_PROGRESS_SECONDS", 10)), threading.Lock(), clock
        self.started: Optional[float] = None
        self.last: Optional[float] = None
        self.records: Counter = Counter()
        self.pages: Counter = Counter()
        self.windows: dict = {}
        self.retries = 0

    def count(self, stream: str, records: int = 0, pages: int = 0, window: Optional[tuple] = None, retries: int = 0) -> None:
        with self.lock:
            now = self.clock()
            if self.started is None:
                self.started = self.last = now
            self.records[stream] += records
            self.pages[stream] += pages
            self.windows[stream] = window or self.windows.get(stream)
            self.retries += retries
            if now - self.last < self.every:
                return
            self.last = now
            streams = "; ".join(f"{name}: {self.records[name]:,} records read in {self.pages[name]:,} pages"
                                + (f", last window {self.windows[name][0]} to {self.windows[name][1]}" if self.windows.get(name) else "")
                                for name in sorted(self.pages) if self.pages[name])
        LOGGER.info(f"Progress after {now - self.started:.0f} s: {streams}; {self.retries} retries.")


PROGRESS = Progress()


@dataclass
class TwilioRecords(DpathExtractor):
    """The records of a page, `body[field_path[0]]` (Twilio's lists put them under one key: `conferences`,
    `participants`): the stock DpathExtractor's result, without its dpath.get, which visits every field of every
    record of the page to match the one key, or its Jinja per page."""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        if len(self._field_path) != 1 or self.record_expander is not None:
            raise ValueError("TwilioRecords takes the records under one key: a field_path of one element, no record_expander")
        self._key = self._field_path[0].eval(self.config)
        self._stream = parameters.get("name", self._key)

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        for body in self.decoder.decode(response):
            records = body.get(self._key) or []
            records = records if isinstance(records, list) else [records]
            PROGRESS.count(self._stream, records=len(records), pages=1)
            yield from records


@dataclass
class InWindow(RecordFilter):
    """Keeps the records whose `field` lies in the window read, `start_time <= record[field] <= end_time`: the stock
    RecordFilter's condition, compared as ISO 8601 strings without rendering a Jinja template per record (BENCHMARKS.md).
    A record without the field is kept, as the CDK's cursor keeps it."""
    field: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self.stream = parameters.get("name", "")

    def filter_records(self, records: Iterable[Mapping[str, Any]], stream_state: Any, stream_slice: Optional[StreamSlice] = None,
                       next_page_token: Any = None) -> Iterable[Mapping[str, Any]]:
        start, end = stream_slice["start_time"], stream_slice["end_time"]
        PROGRESS.count(self.stream, window=(start, end))
        return (record for record in records if record.get(self.field) is None or start <= record[self.field] <= end)


@dataclass
class TwilioNextPage(CursorPaginationStrategy):
    """Twilio's next-page link as the next request's URL, on the configured host only. The 2010 API's `next_page_uri` is
    relative (`/2010-04-01/Accounts/AC.../Conferences.json?...&PageToken=PA...`) and joined to `url_base`, keeping its
    path prefix; Voice Insights' `meta.next_page_url` is absolute. The request carries the account's credentials, so a
    link to another scheme, host or port fails the stream instead."""
    url_base: str = ""

    def next_page_token(self, response: requests.Response, *args: Any, **kwargs: Any) -> Optional[str]:
        link = str(super().next_page_token(response, *args, **kwargs) or "")
        if not link:
            return None
        base, target = urlsplit(str(InterpolatedString.create(self.url_base, parameters={}).eval(self.config))), urlsplit(link)
        if not (target.scheme or target.netloc):
            if not link.startswith("/"):
                raise self._refuse("Twilio returned a next-page link that is not an absolute path; the connector stopped.", link)
            return urljoin(f"{base.scheme}://{base.netloc}", base.path.rstrip("/") + link)
        if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
            raise self._refuse(f"Twilio returned a next-page link to another host ({target.scheme}://{target.netloc}); the "
                          f"connector only sends credentials to {base.scheme}://{base.netloc} and stopped.", link)
        return link

    @staticmethod
    def _refuse(message: str, link: str) -> AirbyteTracedException:
        return AirbyteTracedException(message=message, internal_message=f"Refused link {link!r}", failure_type=FailureType.system_error)


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
    """The stock DefaultErrorHandler, plus what status codes do not say about Twilio's answers: a 2xx whose body is not
    a JSON object (a proxy's `<html>` page, a body cut off mid-way; only the first and last bytes are looked at) is
    retried like a 5xx; a TLS certificate that does not verify ends the sync as a config error naming the host; and
    `warning` is logged once per sync (Voice Insights answers 403 to every request without Advanced Features)."""
    warning: str = ""

    def interpret_response(self, response_or_exception: Optional[Union[requests.Response, Exception]]) -> ErrorResolution:
        answer = response_or_exception
        if isinstance(answer, requests.exceptions.SSLError):
            host = urlsplit(answer.request.url).netloc if answer.request is not None else "the host"
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, f"The TLS certificate of {host} could not be "
                                   "verified, so no credentials were sent to it. Check the base URL; the connector always "
                                   "verifies certificates.")
        if isinstance(answer, requests.Response) and answer.ok and (answer.content[:64].lstrip()[:1] != b"{" or answer.content[-64:].rstrip()[-1:] != b"}"):
            PROGRESS.count("", retries=1)
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, f"Twilio answered {answer.status_code} with "
                                   f"a body that is not JSON ({answer.headers.get('Content-Type', 'no content type')}), as a "
                                   "proxy's error page or a cut-off response would be; retrying.")
        resolution = super().interpret_response(answer)
        if resolution.response_action in (ResponseAction.RETRY, ResponseAction.RATE_LIMITED):
            PROGRESS.count("", retries=1)
        if resolution.response_action == ResponseAction.IGNORE and self.warning:
            warn_once(" ".join(self.warning.split()))
        return resolution


def once(function):
    """functools.lru_cache made safe for the sync's worker threads: callers with the same arguments at the same time
    make one call, not one each (two workers both hitting Insights' 403 logged the warning twice)."""
    lock, cached = threading.Lock(), functools.lru_cache(maxsize=None)(function)

    def locked(*args: Any) -> Any:
        with lock:
            return cached(*args)
    locked.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return functools.update_wrapper(locked, function)


@once
def warn_once(message: str) -> None:
    """Logs `message` as a WARN the first time in a process (one sync); `warn_once.cache_clear()` forgets it."""
    LOGGER.warning(message)


@dataclass
class TwilioAccounts(PartitionRouter):
    """One partition per Twilio account, `{"account_sid": ..., "parent_slice": {}}`: the configured one, with no request,
    or with `include_subaccounts` those `subaccounts` reads (`GET /2010-04-01/Accounts.json`, which only the main
    account's Auth Token or a Main API key may list). No stream needs a second definition for subaccounts."""
    subaccounts: PartitionRouter
    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def stream_slices(self) -> Iterable[StreamSlice]:
        if self.config.get("include_subaccounts"):
            yield from self.subaccounts.stream_slices()
        else:
            yield StreamSlice(partition={"account_sid": self.config["account_sid"], "parent_slice": {}}, cursor_slice={})

    def get_stream_state(self) -> None:
        return None  # no parent state: the accounts are listed anew on each sync

    def get_request_params(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}  # the account is in the URL's path

    get_request_headers = get_request_body_data = get_request_body_json = get_request_params


@dataclass
class StatusCursors(StateMigration):
    """Conferences are read per account and per Twilio `Status`, each with its cursor. A live conference (`init`,
    `in-progress`) is at most a day old, but an empty partition's cursor stays at the start date and would ask Twilio for
    every window since then on every sync: live cursors start at most `live_hours` ago. A 0.1.0 cursor per account
    (`{"account_sid", "parent_slice"}`) is copied to each status of its account, and a single 0.1.0 cursor stays the
    one of every partition with no entry, so nothing is read again and nothing is skipped."""
    statuses: Union[str, List[str]]
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    live_hours: int = 48

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return True  # every state: the live cursors move with the clock

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        statuses = InterpolatedString.create(self.statuses, parameters={}).eval(self.config) if isinstance(self.statuses, str) else self.statuses
        state = dict(stream_state) if "states" in stream_state or not stream_state else {"state": dict(stream_state)}
        single = dict(state.get("state") or {})  # 0.1.0's one cursor, or the CDK's cursor for partitions with no entry
        entries = {(self.config["account_sid"], status): {"partition": {"account_sid": self.config["account_sid"], "parent_slice": {}, "status": status}, "cursor": single}
                   for status in statuses if status != "completed"}
        for entry in state.get("states", []):
            for status in [entry["partition"]["status"]] if "status" in entry["partition"] else statuses:
                entries[(entry["partition"]["account_sid"], status)] = {"partition": {**entry["partition"], "status": status}, "cursor": entry["cursor"]}
        floor = max(self.config["start_date"], (datetime.now(timezone.utc) - timedelta(hours=self.live_hours)).strftime(ISO_8601))
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
            raise AirbyteTracedException(message=self.message, internal_message=self.message, failure_type=FailureType.config_error)


@dataclass
class TwilioBasicAuth(BasicHttpAuthenticator):
    """HTTP Basic with `AccountSid:AuthToken` or `ApiKeySid:ApiKeySecret`, whose header (`Basic QUMxMjM0...`, the secret
    in base64, which debug logs print) goes to the CDK's secret filter, and whose credentials are tried once, on an empty
    window of conferences, before any stream starts: a 401 (a wrong token or key, a closed account) ends the sync with
    one plain config error (`rejected`) instead of one per partition of every stream. A 403 is no verdict: a key may be
    refused conferences and still read Voice Insights; each stream's own filters decide then."""
    rejected: str = ""

    @functools.cached_property
    def token(self) -> str:  # the config does not change during a sync: encoded once, not twice per request
        # As the stock token, but the credentials stay strings: the CDK's interpolation reads a rendered value as a
        # Python literal, so a token of digits ("000…", "123…e45") would be sent as the number it spells ("0", "1.23e+76").
        username, password = (value.eval(self.config, valid_types=(str,)) for value in (self._username, self._password))
        return "Basic " + base64.b64encode(f"{username}:{password}".encode("utf8")).decode("utf8")

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        # Not the authenticator of the other auth_type, which is built too and finds no password.
        if self._password.eval(self.config, valid_types=(str,)):
            add_to_secrets(self.token.split(" ", 1)[-1])
            if tried(self.config["base_url"], self.config["account_sid"], self.token) == 401:
                message = " ".join(self.rejected.split())
                raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


@once
def tried(base_url: str, account_sid: str, authorization: str) -> Optional[int]:
    """The status of one request for the conferences updated on 2008-01-01; None without an answer, which is no verdict."""
    try:
        return requests.get(f"{base_url}/2010-04-01/Accounts/{account_sid}/Conferences.json", headers={"Authorization": authorization},
                            params={"PageSize": 1, "DateUpdated>": "2008-01-01", "DateUpdated<": "2008-01-02"}, timeout=30).status_code
    except Exception:
        return None


def plain_config_errors(record: logging.LogRecord) -> bool:
    """A config error is the user's to fix: its LOG message keeps the sentence and drops the Python traceback."""
    if record.exc_info and isinstance(record.exc_info[1], AirbyteTracedException) and record.exc_info[1].failure_type == FailureType.config_error:
        record.exc_info, record.msg = None, str(record.msg).split("Error traceback:")[0]  # check's message holds one too
    return True


for _where in (LOGGER, *logging.getLogger().handlers):  # the CDK's console handler: records of every airbyte.* logger
    _where.addFilter(plain_config_errors)
