"""A fake Twilio REST API on loopback, faithful to the parts the connector reads.

    with FakeTwilio(Dataset(conferences=300)) as twilio:
        twilio.base_url        # http://127.0.0.1:<port>, serves api.twilio.com and insights.twilio.com paths
        twilio.stats           # requests, statuses, most requests in flight, injected faults
        twilio.faults = Faults(rates={"429": 0.3})

It serves, as Twilio does (third_party/twilio-oai and docs/twilio-api-notes in the README):
- /2010-04-01/Accounts.json, /Accounts/{sid}.json, /Accounts/{sid}/Conferences.json, /Conferences/{sid}.json,
  /Conferences/{sid}/Participants.json: the list envelope, RFC 2822 dates, a relative `next_page_uri` with
  `PageToken`, PageSize 50 by default and 1000 at most, newest `date_created` first, the filters Status,
  FriendlyName and DateCreated/DateUpdated with `<`/`>` meaning day-level inclusive bounds;
  participants only for conferences that have not ended; without `Status`, only in-progress conferences
  (Twilio's default since 2026-09-30);
- /v1/Conferences, /v1/Conferences/{sid}, /v1/Conferences/{sid}/Participants (Voice Insights): the `meta`
  envelope with an absolute `next_page_url` on the same host;
- HTTP Basic auth with AccountSid:AuthToken or ApiKeySid:Secret; Twilio's error bodies (20003, 20404, ...).
"""

from __future__ import annotations

import base64
import json
import random
import re
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from fake_twilio.dataset import Account, Conference, Dataset

FAULT_KINDS = ("429", "429-retry-after", "500", "502", "503", "drop", "slow", "malformed-json", "html", "html-200")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50


@dataclass
class Faults:
    """What goes wrong and when: a share of requests per kind (seeded), or chosen request numbers.

    `Faults(rates={"429": 0.2, "429-retry-after": 0.1})` answers about a third of requests with 429;
    `Faults(on_requests={3: "drop"})` drops the connection in the middle of the third response.
    `path_contains` limits faults to matching paths; `max_per_path` bounds the faults one URL can get, so a
    storm at a high rate still lets every request through in the end.
    """

    rates: Mapping[str, float] = field(default_factory=dict)
    on_requests: Mapping[int, str] = field(default_factory=dict)
    seed: int = 0
    path_contains: Optional[str] = None
    slow_seconds: float = 5.0
    retry_after: int = 1
    max_per_path: Optional[int] = None

    def __post_init__(self) -> None:
        unknown = (set(self.rates) | set(self.on_requests.values())) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        self._rng = random.Random(self.seed)
        self._per_path: Counter = Counter()
        self._lock = threading.Lock()

    def pick(self, number: int, target: str) -> Optional[str]:
        if self.path_contains and self.path_contains not in target:
            return None
        with self._lock:
            if self.max_per_path is not None and self._per_path[target] >= self.max_per_path:
                return None
            kind = self.on_requests.get(number)
            if kind is None:
                roll = self._rng.random()
                for name, rate in self.rates.items():
                    if roll < rate:
                        kind = name
                        break
                    roll -= rate
            if kind:
                self._per_path[target] += 1
            return kind


@dataclass
class RequestRecord:
    number: int
    path: str
    query: Dict[str, str]
    username: Optional[str]
    status: int = 0
    fault: Optional[str] = None


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.in_flight = 0
            self.max_in_flight = 0
            self.statuses: Counter = Counter()
            self.faults: Counter = Counter()
            self.log: List[RequestRecord] = []

    def begin(self, path: str, query: Dict[str, str], username: Optional[str]) -> RequestRecord:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            record = RequestRecord(self.requests, path, query, username)
            self.log.append(record)
            return record

    def fault(self, record: RequestRecord, kind: str) -> None:
        """Counted when chosen, not when answered: a slow answer may come after the client gave up."""
        with self._lock:
            record.fault = kind
            self.faults[kind] += 1

    def end(self, record: RequestRecord) -> None:
        with self._lock:
            self.in_flight -= 1
            self.statuses[record.status] += 1

    def as_dict(self) -> Dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "max_in_flight": self.max_in_flight,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "faults": dict(self.faults),
            }

    def paths(self, pattern: str = "") -> List[RequestRecord]:
        with self._lock:
            return [r for r in self.log if pattern in r.path]


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str, headers: Optional[Dict[str, str]] = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def body(self) -> Dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def _not_found() -> TwilioError:
    return TwilioError(404, 20404, "The requested resource was not found")


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TwilioError(400, 20001, f"Invalid {name}: {value} is not a valid date (YYYY-MM-DD)") from None


def _instant(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        raise TwilioError(400, 20001, f"Invalid {name}: {value} is not an ISO 8601 timestamp") from None


def _date_filter(items: List[Conference], query: Mapping[str, str], name: str, attribute: str) -> List[Conference]:
    """`DateUpdated>=D` (key `DateUpdated>`), `DateUpdated<=D`, `DateUpdated=D`: whole UTC days, inclusive."""
    low, high = datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc)
    for key, at_least, below in ((name, True, True), (name + ">", True, False), (name + "<", False, True)):
        if key in query:  # compared as instants, midnight UTC of the day and of the day after: no conversion per item
            day = datetime.combine(_day(query[key], key), datetime.min.time(), timezone.utc)
            low, high = (max(low, day) if at_least else low), (min(high, day + timedelta(days=1)) if below else high)
    if (low, high) == (datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc)):
        return items
    return [c for c in items if low <= getattr(c, attribute) < high]


def _page_size(query: Mapping[str, str]) -> int:
    raw = query.get("PageSize", str(DEFAULT_PAGE_SIZE))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise TwilioError(400, 20001, f"Invalid PageSize: must be between 1 and {MAX_PAGE_SIZE}")
    return int(raw)


def _page_slice(items: Sequence[Any], query: Mapping[str, str], sid_of: Callable[[Any], str]) -> Tuple[int, int, List[Any], bool]:
    """The page asked for, by `PageToken` (PA<last sid of the previous page>, PB<first sid of the next>) or by `Page`,
    and whether items follow it."""
    size = _page_size(query)
    page = int(query.get("Page", "0")) if query.get("Page", "0").isdigit() else 0
    token = query.get("PageToken")
    if token:
        sids = [sid_of(item) for item in items]
        if token[:2] not in ("PA", "PB") or token[2:] not in sids:
            raise TwilioError(400, 20001, f"Invalid PageToken: {token}")
        anchor = sids.index(token[2:])
        start = anchor + 1 if token.startswith("PA") else max(anchor - size, 0)
    else:
        start = page * size
    chunk = list(items[start : start + size])
    return size, page, chunk, bool(chunk) and start + len(chunk) < len(items)


def _uri(path: str, filters: Sequence[Tuple[str, str]], size: int, page: int, token: Optional[str] = None) -> str:
    params = list(filters) + [("PageSize", str(size)), ("Page", str(page))]
    if token:
        params.append(("PageToken", token))
    return f"{path}?{urlencode(params)}"


def list_2010(key: str, items: List[Any], path: str, query: Mapping[str, str], sid_of: Callable[[Any], str], render: Callable[[Any], dict]) -> dict:
    """The 2010 API list envelope: exactly these keys, relative URIs, start/end indices of this page."""
    size, page, chunk, has_next = _page_slice(items, query, sid_of)
    filters = [(k, v) for k, v in query.items() if k not in ("PageSize", "Page", "PageToken")]
    start = page * size
    return {
        key: [render(item) for item in chunk],
        "end": start + len(chunk) - 1 if chunk else 0,
        "first_page_uri": _uri(path, filters, size, 0),
        "next_page_uri": _uri(path, filters, size, page + 1, "PA" + sid_of(chunk[-1])) if has_next else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": _uri(path, filters, size, page - 1, "PB" + sid_of(chunk[0])) if page > 0 and chunk else None,
        "start": start,
        "uri": _uri(path, filters, size, page, query.get("PageToken")),
    }


def list_insights(key: str, items: List[Any], host: str, path: str, query: Mapping[str, str], sid_of: Callable[[Any], str], render: Callable[[Any], dict]) -> dict:
    """The Voice Insights list envelope: records under `key` and absolute URLs under `meta`."""
    size, page, chunk, has_next = _page_slice(items, query, sid_of)
    filters = [(k, v) for k, v in query.items() if k not in ("PageSize", "Page", "PageToken")]
    return {
        key: [render(item) for item in chunk],
        "meta": {
            "first_page_url": host + _uri(path, filters, size, 0),
            "key": key,
            "next_page_url": host + _uri(path, filters, size, page + 1, "PA" + sid_of(chunk[-1])) if has_next else None,
            "page": page,
            "page_size": size,
            "previous_page_url": host + _uri(path, filters, size, page - 1, "PB" + sid_of(chunk[0])) if page > 0 and chunk else None,
            "url": host + _uri(path, filters, size, page, query.get("PageToken")),
        },
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTwilio/1.0"
    fake: "FakeTwilio"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        if self.fake.verbose:
            super().log_message(format, *args)

    # ---- plumbing ------------------------------------------------------------------------------
    def _credentials(self) -> Tuple[Optional[str], Optional[str]]:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None, None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return user, password

    def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8", headers: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        fake = self.fake
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        user, password = self._credentials()
        record = fake.stats.begin(url.path, query, user)
        try:
            if fake.on_request:
                fake.on_request(record)
            if fake.latency:
                time.sleep(fake.latency)
            if url.path.startswith("/_fake/"):
                record.status = 200
                self._send(200, json.dumps(fake.stats.as_dict()).encode())
                return
            fault = fake.faults.pick(record.number, self.path) if fake.faults else None
            if fault:
                fake.stats.fault(record, fault)
            status, body, headers = self._answer(url.path, query, user, password)
            record.status = status
            if fault:
                record.status = self._fail(fault, status, body, headers)
                return
            self._send(status, body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            fake.stats.end(record)

    def _fail(self, fault: str, status: int, body: bytes, headers: Dict[str, str]) -> int:
        if fault in ("429", "429-retry-after"):
            error = TwilioError(429, 20429, "Too Many Requests", {"Retry-After": str(self.fake.faults.retry_after)} if fault == "429-retry-after" else {})
            self._send(429, json.dumps(error.body()).encode(), headers=error.headers)
            return 429
        if fault in ("500", "502", "503"):
            error = TwilioError(int(fault), 20500, "Internal Server Error" if fault == "500" else "Service Unavailable")
            self._send(int(fault), json.dumps(error.body()).encode())
            return int(fault)
        if fault == "html":
            page = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
            self._send(502, page, content_type="text/html")
            return 502
        if fault == "html-200":
            # a proxy or captive portal that answers in Twilio's place, with a success status
            page = b"<!DOCTYPE html><html><head><title>Please sign in</title></head><body>Network login required</body></html>"
            self._send(200, page, content_type="text/html; charset=utf-8")
            return 200
        if fault == "malformed-json":
            self._send(200, body[: max(len(body) // 2, 1)])
            return 200
        if fault == "drop":
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return -1
        if fault == "slow":
            time.sleep(self.fake.faults.slow_seconds)
            self._send(status, body, headers=headers)
            return status
        raise AssertionError(fault)

    # ---- the API -------------------------------------------------------------------------------
    def _answer(self, path: str, query: Dict[str, str], user: Optional[str], password: Optional[str]) -> Tuple[int, bytes, Dict[str, str]]:
        try:
            with self.fake.dataset.lock:
                principal = self.fake.authenticate(user, password)
                if self.fake.page_size_cap and int(query.get("PageSize", DEFAULT_PAGE_SIZE)) > self.fake.page_size_cap:
                    query = {**query, "PageSize": str(self.fake.page_size_cap)}
                payload = self.fake.route(path, query, principal, f"{self.fake.scheme}://{self.headers.get('Host', '127.0.0.1')}")
            if self.fake.next_origin:
                self.fake.send_next_pages_to(payload)
            return 200, json.dumps(payload).encode(), {}
        except TwilioError as error:
            headers = dict(error.headers)
            if error.status == 401:
                headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return error.status, json.dumps(error.body()).encode(), headers


_ACCOUNT = r"/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
ROUTES_2010 = [
    ("accounts", re.compile(r"^/2010-04-01/Accounts\.json$")),
    ("account", re.compile(rf"^{_ACCOUNT}\.json$")),
    ("conferences", re.compile(rf"^{_ACCOUNT}/Conferences\.json$")),
    ("conference", re.compile(rf"^{_ACCOUNT}/Conferences/(?P<conference>CF[0-9a-fA-F]{{32}})\.json$")),
    ("participants", re.compile(rf"^{_ACCOUNT}/Conferences/(?P<conference>CF[0-9a-fA-F]{{32}})/Participants\.json$")),
    ("insights_conferences", re.compile(r"^/v1/Conferences$")),
    ("insights_conference", re.compile(r"^/v1/Conferences/(?P<conference>CF[0-9a-fA-F]{32})$")),
    ("insights_participants", re.compile(r"^/v1/Conferences/(?P<conference>CF[0-9a-fA-F]{32})/Participants$")),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away (killed, timed out) is part of the tests, not an error to print."""
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class FakeTwilio:
    def __init__(
        self,
        dataset: Optional[Dataset] = None,
        latency: float = 0.0,
        faults: Optional[Faults] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        legacy_status_default: bool = False,
        page_size_cap: Optional[int] = None,
        next_origin: Optional[str] = None,
        on_request: Optional[Callable[[RequestRecord], None]] = None,
        tls: Optional[ssl.SSLContext] = None,
    ) -> None:
        """`page_size_cap` serves smaller pages than asked for (more pages from a small dataset);
        `next_origin` (e.g. `http://127.0.0.1:4444`) puts next-page links on another origin, as a hostile or
        broken server might; `on_request` is called with each request's record before it is answered (to kill
        the client at a chosen moment); `tls` serves HTTPS with that server context."""
        self.dataset = dataset or Dataset()
        self.page_size_cap = page_size_cap
        self.next_origin = next_origin
        self.on_request = on_request
        self.scheme = "https" if tls else "http"
        self.legacy_status_default = legacy_status_default
        self.latency = latency
        self.faults = faults
        self.verbose = verbose
        self.stats = Stats()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server((host, port), handler)
        if tls:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self._server.server_address[0]}:{self.port}"

    def send_next_pages_to(self, payload: dict) -> None:
        """Rewrites the next-page link of a list page onto `next_origin` (2010 API and Voice Insights)."""
        if payload.get("next_page_uri"):
            payload["next_page_uri"] = self.next_origin + payload["next_page_uri"]
        meta = payload.get("meta")
        if isinstance(meta, dict) and meta.get("next_page_url"):
            parts = urlsplit(meta["next_page_url"])
            meta["next_page_url"] = self.next_origin + parts.path + ("?" + parts.query if parts.query else "")

    def start(self) -> "FakeTwilio":
        # stop() returns once serve_forever sees the request to shut down: it looks every 50 ms (the standard library's
        # 0.5 s made every test that stops a fake wait about that long, across the suite a minute of nothing).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeTwilio":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- auth ----------------------------------------------------------------------------------
    def authenticate(self, user: Optional[str], password: Optional[str]) -> Account:
        accounts, keys = self.dataset.accounts, self.dataset.api_keys
        if user in accounts and password == accounts[user].auth_token and accounts[user].status != "closed":
            return accounts[user]
        if user in keys and password == keys[user].secret:
            return accounts[keys[user].account_sid]
        raise TwilioError(401, 20003, "Authenticate")

    def _visible_account(self, principal: Account, sid: str) -> Account:
        """The account in the path, if these credentials may read it (their own, or one of their subaccounts)."""
        account = self.dataset.accounts.get(sid)
        if account is None or not (account.sid == principal.sid or account.owner_account_sid == principal.sid):
            raise _not_found()
        return account

    # ---- routing -------------------------------------------------------------------------------
    def route(self, path: str, query: Dict[str, str], principal: Account, host: str) -> dict:
        for name, pattern in ROUTES_2010:
            match = pattern.match(path)
            if match:
                return getattr(self, f"_{name}")(principal, query, host, path, **match.groupdict())
        raise _not_found()

    def _accounts(self, principal: Account, query: Dict[str, str], host: str, path: str) -> dict:
        visible = [a for a in self.dataset.accounts.values() if a.sid == principal.sid or a.owner_account_sid == principal.sid]
        if "Status" in query:
            visible = [a for a in visible if a.status == query["Status"]]
        if "FriendlyName" in query:
            visible = [a for a in visible if a.friendly_name == query["FriendlyName"]]
        visible.sort(key=lambda a: (a.date_created, a.sid))
        return list_2010("accounts", visible, path, query, lambda a: a.sid, Dataset.account_json)

    def _account(self, principal: Account, query: Dict[str, str], host: str, path: str, account: str) -> dict:
        return Dataset.account_json(self._visible_account(principal, account))

    def _conferences(self, principal: Account, query: Dict[str, str], host: str, path: str, account: str) -> dict:
        items = list(self.dataset.conferences[self._visible_account(principal, account).sid])
        # Since 2026-09-30 a request without Status lists in-progress conferences only (Twilio changelog,
        # "Conference list endpoint rollout extended"); `legacy_status_default` restores the old "all".
        status = query.get("Status") or (None if self.legacy_status_default else "in-progress")
        if status:
            if status not in ("init", "in-progress", "completed"):
                raise TwilioError(400, 20001, f"Invalid Status: {status}")
            items = [c for c in items if c.status == status]
        if "FriendlyName" in query:
            items = [c for c in items if c.friendly_name == query["FriendlyName"]]
        items = _date_filter(items, query, "DateCreated", "date_created")
        items = _date_filter(items, query, "DateUpdated", "date_updated")
        return list_2010("conferences", items, path, query, lambda c: c.sid, Dataset.conference_json)

    def _conference_in(self, principal: Account, account: str, conference: str) -> Conference:
        found = self.dataset.conference(conference)
        if found is None or found.account_sid != self._visible_account(principal, account).sid:
            raise _not_found()
        return found

    def _conference(self, principal: Account, query: Dict[str, str], host: str, path: str, account: str, conference: str) -> dict:
        return Dataset.conference_json(self._conference_in(principal, account, conference))

    def _participants(self, principal: Account, query: Dict[str, str], host: str, path: str, account: str, conference: str) -> dict:
        found = self._conference_in(principal, account, conference)
        live = [p for p in found.participants if p.connected] if found.live else []
        for flag, attribute in (("Muted", "muted"), ("Hold", "hold"), ("Coaching", "coaching")):
            if flag in query:
                live = [p for p in live if getattr(p, attribute) == (query[flag].lower() == "true")]
        return list_2010("participants", live, path, query, lambda p: p.call_sid, Dataset.participant_json)

    # ---- Voice Insights ------------------------------------------------------------------------
    def _insights_account(self, principal: Account, query: Dict[str, str]) -> Account:
        account = self._visible_account(principal, query["Subaccount"]) if query.get("Subaccount") else principal
        if not account.insights_enabled:
            raise TwilioError(403, 20403, "Voice Insights Advanced Features must be active to use this API Resource.")
        return account

    def _insights_conferences(self, principal: Account, query: Dict[str, str], host: str, path: str) -> dict:
        account = self._insights_account(principal, query)
        items = list(self.dataset.conferences[account.sid])
        if query.get("ConferenceSid"):
            items = [c for c in items if c.sid == query["ConferenceSid"]]
        if query.get("FriendlyName"):
            items = [c for c in items if c.friendly_name == query["FriendlyName"]]
        if query.get("CreatedAfter"):
            after = _instant(query["CreatedAfter"], "CreatedAfter")
            items = [c for c in items if c.date_created > after]
        if query.get("CreatedBefore"):
            before = _instant(query["CreatedBefore"], "CreatedBefore")
            items = [c for c in items if c.date_created < before]
        if query.get("Status"):
            items = [c for c in items if Dataset.insights_conference_json(c, host)["status"] == query["Status"]]
        if query.get("MixerRegion"):
            items = [c for c in items if c.region == query["MixerRegion"]]
        return list_insights("conferences", items, host, path, query, lambda c: c.sid, lambda c: Dataset.insights_conference_json(c, host))

    def _insights_conference(self, principal: Account, query: Dict[str, str], host: str, path: str, conference: str) -> dict:
        account = self._insights_account(principal, query)
        found = self.dataset.conference(conference)
        if found is None or found.account_sid != account.sid:
            raise _not_found()
        return Dataset.insights_conference_json(found, host)

    def _insights_participants(self, principal: Account, query: Dict[str, str], host: str, path: str, conference: str) -> dict:
        found = self.dataset.conference(conference)
        if found is None or (found.account_sid != principal.sid and self.dataset.accounts[found.account_sid].owner_account_sid != principal.sid):
            raise _not_found()
        account = self.dataset.accounts[found.account_sid]
        if not account.insights_enabled:
            raise TwilioError(403, 20403, "Voice Insights Advanced Features must be active to use this API Resource.")
        participants = list(found.participants)
        if query.get("ParticipantSid"):
            participants = [p for p in participants if p.participant_sid == query["ParticipantSid"]]
        if query.get("Label"):
            participants = [p for p in participants if p.label == query["Label"]]
        return list_insights(
            "participants", participants, host, path, query, lambda p: p.participant_sid, lambda p: Dataset.insights_participant_json(p, found, host)
        )
