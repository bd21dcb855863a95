"""The few places where Twilio differs from what the low-code CDK does on its own.

Each component is small, implements one CDK interface and names the quirk it handles.
"""

import io
import json
import logging
import pkgutil
import random
import re
import threading
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Dict, Iterator, List, Mapping, MutableMapping, Optional, Set, Tuple, Union
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import ijson
import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders import JsonDecoder
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.requesters.error_handlers.backoff_strategy import (
    BackoffStrategy,
)
from airbyte_cdk.sources.declarative.requesters.error_handlers.default_error_handler import (
    DefaultErrorHandler,
)
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import (
    PaginationStrategy,
)
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import Config, Record, StreamSlice, StreamState
from airbyte_cdk.utils import AirbyteTracedException
from airbyte_cdk.utils.datetime_helpers import ab_datetime_parse as str_to_datetime

LOGGER = logging.getLogger("airbyte")
ISO_8601_UTC = "%Y-%m-%dT%H:%M:%SZ"
RFC_2822_EXAMPLE = "Fri, 11 Dec 2020 04:28:40 +0000"
_MONTHS = {
    name: f"{number:02d}"
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def rfc2822_to_iso(value: Any) -> Any:
    """`"Fri, 11 Dec 2020 04:28:40 +0000"` -> `"2020-12-11T04:28:40Z"`; any offset is converted to UTC.

    Twilio's 2010 API sends every date in RFC 2822 (`date_created`, `date_updated`, ...). Values that are not
    RFC 2822 (already ISO 8601, null, empty) are returned unchanged, so the function is safe on any field.
    """
    if not isinstance(value, str) or "," not in value:
        return value
    # Fast path for what Twilio sends: "Ddd, DD Mon YYYY HH:MM:SS +0000" (31 characters).
    if len(value) == 31 and value.endswith(" +0000") and value[3:5] == ", ":
        month = _MONTHS.get(value[8:11])
        if month and value[7] == " " and value[11] == " " and value[16] == " ":
            return f"{value[12:16]}-{month}-{value[5:7]}T{value[17:25]}Z"
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return value
    if parsed.tzinfo is None:  # "-0000" means UTC with no zone information (RFC 2822, 3.3)
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime(ISO_8601_UTC)


def date_time_paths(schema: Mapping[str, Any]) -> List[Tuple[str, ...]]:
    """Every path to a `format: date-time` property of a JSON schema, nested objects included."""
    paths: List[Tuple[str, ...]] = []

    def walk(properties: Mapping[str, Any], prefix: Tuple[str, ...]) -> None:
        for name, prop in properties.items():
            if prop.get("format") == "date-time":
                paths.append(prefix + (name,))
            elif isinstance(prop.get("properties"), Mapping):
                walk(prop["properties"], prefix + (name,))

    walk(schema.get("properties", {}), ())
    return paths


@dataclass
class NormalizeTwilioDates(RecordTransformation):
    """Rewrites every `format: date-time` field of the stream's schema from RFC 2822 to ISO 8601 UTC.

    `{"date_updated": "Thu, 30 Jul 2015 20:00:00 +0000"}` -> `{"date_updated": "2015-07-30T20:00:00Z"}`

    It runs as a transformation, before the record filter and the cursor, so the exact-window filter and
    the `date_updated` cursor compare ISO strings. The fields come from `schemas/<stream name>.json`.
    """

    parameters: InitVar[Mapping[str, Any]]
    schema_name: str = ""
    _paths: List[Tuple[str, ...]] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        name = self.schema_name or parameters.get("schema_name") or parameters["name"]
        raw = pkgutil.get_data(__package__ or "source_twilio", f"schemas/{name}.json")
        if raw is None:
            raise ValueError(f"No schema found for stream {name}")
        self._paths = date_time_paths(json.loads(raw))

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Config] = None,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        for path in self._paths:
            parent: Any = record
            for key in path[:-1]:
                parent = parent.get(key) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and path[-1] in parent:
                parent[path[-1]] = rfc2822_to_iso(parent[path[-1]])


def same_host_url(url_base: str, link: str) -> str:
    """Joins a next-page link to the configured base URL, refusing any link to another host.

    Twilio's 2010 API pages with a relative `next_page_uri`
    (`/2010-04-01/Accounts/AC.../Conferences.json?PageSize=1000&Page=1&PageToken=PACF...`); Voice Insights
    with an absolute `meta.next_page_url` on its own host. The request that follows carries the account's
    credentials, so an absolute link to any other scheme, host or port is an error, never a request.
    """
    base = urlsplit(url_base)
    target = urlsplit(link)
    if target.scheme or target.netloc:
        if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
            raise AirbyteTracedException(
                message=(
                    f"Twilio returned a next-page link to another host ({target.scheme}://{target.netloc}); "
                    f"the connector only sends credentials to {base.scheme}://{base.netloc} and stopped."
                ),
                internal_message=f"Refused next page link {link!r} outside of {url_base!r}",
                failure_type=FailureType.system_error,
            )
        return link
    if not link.startswith("/"):
        raise AirbyteTracedException(
            message="Twilio returned a next-page link that is not an absolute path; the connector stopped.",
            internal_message=f"Refused next page link {link!r}",
            failure_type=FailureType.system_error,
        )
    # Keep a path prefix of the base URL (a proxy at https://proxy.example/twilio) in front of the link.
    return urljoin(url_base.rstrip("/") + "/", base.path.rstrip("/") + link)


_NEXT_LINK = re.compile(rb'"next_page_ur[il]"\s*:\s*("(?:[^"\\]|\\.)*"|null)')


def next_page_link(body: bytes) -> Optional[str]:
    """`next_page_uri` (2010 API) or `meta.next_page_url` (Voice Insights) of a page, without parsing it again.

    The CDK's decoder has already parsed the page for its records; a page holds up to 1000 of them, and a
    second full parse per page costs as much memory again while the page is read. The key cannot occur
    inside a JSON string (its quotes would be escaped) and no Twilio record has such a key, so there is one
    match; anything else falls back to parsing the page.
    """
    matches = _NEXT_LINK.findall(body)
    if len(matches) == 1:
        return json.loads(matches[0])
    page = orjson.loads(body)
    meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
    return page.get("next_page_uri") or meta.get("next_page_url")


@dataclass
class TwilioNextPage(PaginationStrategy):
    """Follows Twilio's own next-page link until it is null, on the configured host only; then the next status.

    The 2010 API: `{"conferences": [...], "next_page_uri": "/2010-04-01/...&PageToken=PA..."}` (relative);
    Voice Insights: `{"meta": {"next_page_url": "https://insights.twilio.com/v1/Conferences?...PageToken=..."}}`.
    The token is an absolute URL on `url_base`, used as the request path (`RequestPath`).

    `statuses`: since 2026-09-30 Twilio's Conferences list returns only in-progress conferences when no
    `Status` is given, and one `Status` per request ("to get both, make two separate requests"). With
    `statuses: [completed, in-progress, init]` the first page asks for `Status=completed` (the requester's
    `Status` parameter) and, when that list ends, this strategy continues with `Status=in-progress`, then
    `Status=init`, so one date window is one partition and one cursor slice. Live statuses are skipped for
    windows that ended more than `live_window_hours` ago: a conference lives at most as long as its longest call
    (24 hours), so it cannot still be live with an older `date_updated`.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    url_base: Union[InterpolatedString, str] = ""
    page_size: Optional[int] = None
    statuses: Union[InterpolatedString, str, List[str], None] = None
    live_window_hours: int = 48

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._url_base = InterpolatedString.create(str(self.url_base), parameters=parameters)
        self._statuses = (
            InterpolatedString.create(self.statuses, parameters=parameters) if isinstance(self.statuses, str) else self.statuses
        )
        self._live_window = timedelta(hours=int(self.live_window_hours))

    @property
    def initial_token(self) -> Optional[Any]:
        return None

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any] = None,
        page_size_override: Optional[int] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> Optional[Any]:
        link = next_page_link(response.content)
        if link:
            return same_host_url(str(self._url_base.eval(self.config)), link)
        return self._next_status_url(response.request.url, stream_slice) if self._statuses else None

    def _status_order(self) -> List[str]:
        value = self._statuses.eval(self.config) if isinstance(self._statuses, InterpolatedString) else self._statuses
        return list(value or [])

    def _next_status_url(self, url: str, stream_slice: Optional[StreamSlice]) -> Optional[str]:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        order = self._status_order()
        current = dict(query).get("Status")
        if current not in order:
            return None
        following = order[order.index(current) + 1 :]
        window_end = stream_slice.get("end_time") if stream_slice else None
        if window_end and str_to_datetime(window_end) < datetime.now(timezone.utc) - self._live_window:
            following = [status for status in following if status == "completed"]
        if not following:
            return None
        kept = [(k, v) for k, v in query if k not in ("Page", "PageToken", "Status")]
        return urlunsplit(parts._replace(query=urlencode(kept + [("Status", following[0])])))

    def get_page_size(self) -> Optional[int]:
        return int(self.page_size) if self.page_size else None


@dataclass
class CappedExponentialBackoff(BackoffStrategy):
    """`factor * 2 ** attempt` seconds with full jitter, never more than `max_seconds`.

    Used when a 429 (Twilio error 20429: too many concurrent requests) or a 5xx comes without a `Retry-After`
    header: Twilio documents none, so the client backs off on its own. The CDK's ExponentialBackoffStrategy
    has no cap, which makes the tenth retry of a 429 storm wait over an hour.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    factor: float = 1.0
    max_seconds: float = 30.0

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.factor = float(self.factor)
        self.max_seconds = float(self.max_seconds)

    def backoff_time(
        self,
        response_or_exception: Optional[Union[requests.Response, requests.RequestException]],
        attempt_count: int,
    ) -> Optional[float]:
        ceiling = min(self.max_seconds, self.factor * 2 ** max(attempt_count - 1, 0))
        # Half fixed, half random: concurrent workers that hit the limit together do not retry together.
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass
class TwilioErrorHandler(DefaultErrorHandler):
    """The CDK's DefaultErrorHandler, plus three things HTTP status codes do not say about Twilio's answers.

    - A 2xx whose body is not a JSON object, such as a proxy's HTML page (`<html><body>...`) or a body cut off
      mid-way (`{"conferences": [{"sid": "CF...`), is retried like a 5xx instead of failing in the decoder.
      The test looks at the first and last bytes only (a full parse per page would undo the streamed decoding),
      so a body cut off exactly after a `}` still reaches the decoder, which then fails the stream with its
      parse error. A transfer that ends before its Content-Length is a dropped connection to requests, retried.
    - A TLS certificate that does not verify (requests' SSLError) ends the sync at once as a config error,
      naming the host, instead of being retried as a dropped connection: the certificate will not change.
    - `warning` is logged once per sync, as a WARN, the first time a response is ignored: Voice Insights
      answers 403 on an account without Advanced Features, and every Insights request gets that answer.
    """

    warning: str = ""
    _given: ClassVar[Set[str]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def interpret_response(self, response_or_exception: Optional[Union[requests.Response, Exception]]) -> ErrorResolution:
        if isinstance(response_or_exception, requests.exceptions.SSLError):
            host = urlsplit(response_or_exception.request.url).netloc if response_or_exception.request else "the host"
            return ErrorResolution(
                response_action=ResponseAction.FAIL,
                failure_type=FailureType.config_error,
                error_message=f"The TLS certificate of {host} could not be verified, so no credentials were sent to it. "
                "Check the base URL; the connector always verifies certificates.",
            )
        if isinstance(response_or_exception, requests.Response) and response_or_exception.ok and not _is_json_object(response_or_exception):
            return ErrorResolution(
                response_action=ResponseAction.RETRY,
                failure_type=FailureType.transient_error,
                error_message=(
                    f"Twilio answered {response_or_exception.status_code} with a body that is not JSON "
                    f"({response_or_exception.headers.get('Content-Type', 'no content type')}), as a proxy's error page "
                    "or a cut-off response would be; retrying."
                ),
            )
        resolution = super().interpret_response(response_or_exception)
        if resolution.response_action == ResponseAction.IGNORE and self.warning:
            with self._lock:
                first = self.warning not in self._given
                self._given.add(self.warning)
            if first:
                LOGGER.warning(" ".join(self.warning.split()))
        return resolution


def _is_json_object(response: requests.Response) -> bool:
    """Cheap, without parsing: the body starts with `{` and ends with `}` (an HTML page or a cut-off body does not).

    The Content-Type is not required: Twilio sends `application/json`, but a body is what the decoder reads.
    """
    body = response.content
    return body[:64].lstrip()[:1] == b"{" and body[-64:].rstrip()[-1:] == b"}"


@dataclass
class TwilioRecordsDecoder(JsonDecoder):
    """Yields the records of a page one by one (ijson) instead of parsing the whole page at once.

    A page is `{"conferences": [<up to 1000 records>], "next_page_uri": ...}` (or `participants`, and Insights'
    `meta`). Parsed whole, every page read concurrently holds all its records in memory until the last one is
    emitted; streamed, it holds one: the connector's peak memory stays flat as pages fill up. The records'
    key comes from the stream's `records_key` parameter; the extractor then takes each yielded record as is.
    It is a JsonDecoder to the CDK, which only lets JSON decoders sit beside a paginator; the next-page link is
    read from the raw page by TwilioNextPage, not through this decoder.
    """

    parameters: InitVar[Mapping[str, Any]]
    records_key: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__init__(parameters)
        self._items = f"{self.records_key or parameters['records_key']}.item"

    def is_stream_response(self) -> bool:
        return False

    def decode(self, response: requests.Response) -> Iterator[MutableMapping[str, Any]]:
        yield from ijson.items(io.BytesIO(response.content), self._items, use_float=True)
