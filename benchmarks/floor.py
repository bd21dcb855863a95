"""The floor: the requests source-twilio makes and the records it emits, with nothing but requests and threads.

    python benchmarks/floor.py read --config CONFIG --catalog CATALOG > records.jsonl

Not a product: a full refresh only, no state, no retries (a failed request ends the read), one account. It is
what this machine needs to read the same data the same way, so that the benchmark can say how far the
connector is from it. The requests are the connector's (README, "How it reads Twilio"):

- conferences: 30-day windows of `date_updated` from `start_date`, each asked as `DateUpdated>=first day`,
  `DateUpdated<=day after the last day`, with `Status=completed` and, for windows that end in the last 48
  hours, `Status=in-progress` and `Status=init`; records cut to the exact window;
- conference_participants: the live conferences (`Status=in-progress`, `Status=init`, `DateCreated>=start`),
  then the Participants list of each;
- conference_summaries: 30-day windows of `create_time`, `CreatedAfter`/`CreatedBefore` one second wider,
  records cut to the exact window; conference_participant_summaries: the Participants of each summary.

Every list is read with `PageSize=1000` and its next-page links. Each page chain is a task on a pool of
`num_workers` threads (10 by default); dates of the 2010 API go out as ISO 8601 UTC and null fields are left out,
as in the connector's records.
Where the connector asks for the same list twice (the summaries, once more as the participant summaries'
parent), this client asks once.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import orjson
import requests

ISO = "%Y-%m-%dT%H:%M:%SZ"
WINDOW = timedelta(days=30)
LIVE_HOURS = timedelta(hours=48)
PAGE_SIZE = 1000


def iso(moment: datetime) -> str:
    return moment.strftime(ISO)


def rfc2822_to_iso(value: Any) -> Any:
    if isinstance(value, str) and "," in value:
        return iso(parsedate_to_datetime(value).astimezone(timezone.utc))
    return value


def windows(start: datetime, end: datetime) -> Iterator[Tuple[datetime, datetime]]:
    """[start, start + 30 days - 1 s], ... up to `end`: the CDK's DatetimeBasedCursor with step P30D, granularity PT1S."""
    while start <= end:
        yield start, min(start + WINDOW - timedelta(seconds=1), end)
        start += WINDOW


class Floor:
    def __init__(self, config: Dict[str, Any], streams: Set[str]) -> None:
        credentials = config.get("credentials") or {"auth_type": "auth_token", "auth_token": config.get("auth_token")}
        if credentials["auth_type"] == "api_key":
            self.auth = (credentials["api_key_sid"], credentials["api_key_secret"])
        else:
            self.auth = (config["account_sid"], credentials["auth_token"])
        self.account = config["account_sid"]
        self.base = config.get("base_url") or "https://api.twilio.com"
        self.insights = config.get("insights_base_url") or "https://insights.twilio.com"
        self.start = datetime.strptime(config["start_date"], ISO).replace(tzinfo=timezone.utc)
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        self.streams = streams
        self.pool = ThreadPoolExecutor(int(config.get("num_workers", 10)))
        self.local = threading.local()
        self.futures: List[Future] = []
        self.lock = threading.Lock()
        self.out = sys.stdout.buffer

    # ---- plumbing ----
    def submit(self, task: Callable[..., None], *args: Any) -> None:
        with self.lock:
            self.futures.append(self.pool.submit(task, *args))

    def get(self, url: str, params: Optional[Dict[str, Any]] = None) -> Optional[dict]:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
            session.auth = self.auth
        response = session.get(url, params=params, timeout=30)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return orjson.loads(response.content)

    def pages(self, host: str, path: str, params: Dict[str, Any], key: str) -> Iterator[List[dict]]:
        """The records of each page of a list, following `next_page_uri` (relative) or `meta.next_page_url`."""
        url: Optional[str] = host + path
        params = {**params, "PageSize": PAGE_SIZE}
        while url:
            page = self.get(url, params)
            if page is None:
                return
            yield page.get(key, [])
            link = page.get("next_page_uri") or (page.get("meta") or {}).get("next_page_url")
            url, params = ((host + link) if link and link.startswith("/") else link), None

    def emit(self, stream: str, records: List[dict]) -> None:
        if not records:
            return
        now = int(time.time() * 1000)
        # As the CDK writes them: its serializer leaves out the fields of a record that are null (top level only).
        lines = b"".join(
            orjson.dumps({"type": "RECORD", "record": {"stream": stream, "data": {k: v for k, v in data.items() if v is not None}, "emitted_at": now}})
            + b"\n"
            for data in records
        )
        with self.lock:
            self.out.write(lines)

    @staticmethod
    def dates_to_iso(records: List[dict]) -> List[dict]:
        for record in records:
            for name in ("date_created", "date_updated"):
                record[name] = rfc2822_to_iso(record.get(name))
        return records

    # ---- streams ----
    def conferences(self, first: datetime, last: datetime, status: str) -> None:
        params = {"DateUpdated>": first.strftime("%Y-%m-%d"), "DateUpdated<": (last + timedelta(days=1)).strftime("%Y-%m-%d"), "Status": status}
        low, high = iso(first), iso(last)
        for records in self.pages(self.base, f"/2010-04-01/Accounts/{self.account}/Conferences.json", params, "conferences"):
            self.emit("conferences", [r for r in self.dates_to_iso(records) if low <= r["date_updated"] <= high])

    def live_conferences(self, status: str) -> None:
        params = {"DateCreated>": self.start.strftime("%Y-%m-%d"), "Status": status}
        start = iso(self.start)
        for records in self.pages(self.base, f"/2010-04-01/Accounts/{self.account}/Conferences.json", params, "conferences"):
            for record in self.dates_to_iso(records):
                if record["status"] != "completed" and record["date_created"] >= start:
                    self.submit(self.participants, record["account_sid"], record["sid"])

    def participants(self, account: str, conference: str) -> None:
        path = f"/2010-04-01/Accounts/{account}/Conferences/{conference}/Participants.json"
        for records in self.pages(self.base, path, {}, "participants"):
            self.emit("conference_participants", self.dates_to_iso(records))

    def summaries(self, first: datetime, last: datetime) -> None:
        params = {"CreatedAfter": iso(first - timedelta(seconds=1)), "CreatedBefore": iso(last + timedelta(seconds=1))}
        low, high = iso(first), iso(last)
        for records in self.pages(self.insights, "/v1/Conferences", params, "conferences"):
            kept = [r for r in records if low <= r["create_time"] <= high]
            if "conference_summaries" in self.streams:
                self.emit("conference_summaries", kept)
            if "conference_participant_summaries" in self.streams:
                for record in kept:
                    self.submit(self.participant_summaries, record["conference_sid"])

    def participant_summaries(self, conference: str) -> None:
        for records in self.pages(self.insights, f"/v1/Conferences/{conference}/Participants", {}, "participants"):
            self.emit("conference_participant_summaries", records)

    def read(self) -> None:
        if "conferences" in self.streams:
            for first, last in windows(self.start, self.now):
                live = last >= self.now - LIVE_HOURS
                for status in ("completed", "in-progress", "init") if live else ("completed",):
                    self.submit(self.conferences, first, last, status)
        if "conference_participants" in self.streams:
            for status in ("in-progress", "init"):
                self.submit(self.live_conferences, status)
        if self.streams & {"conference_summaries", "conference_participant_summaries"}:
            for first, last in windows(self.start, self.now):
                self.submit(self.summaries, first, last)
        # Tasks add tasks; wait until every task, those added meanwhile included, has ended.
        while True:
            with self.lock:
                current = list(self.futures)
            done, _ = wait(current, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # re-raises the first failure
            with self.lock:
                if len(self.futures) == len(current) and all(f.done() for f in current):
                    break
        self.pool.shutdown()
        self.out.flush()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["read"])
    parser.add_argument("--config", required=True)
    parser.add_argument("--catalog", required=True)
    args = parser.parse_args(argv)
    with open(args.config, "rb") as config, open(args.catalog, "rb") as catalog:
        streams = {entry["stream"]["name"] for entry in orjson.loads(catalog.read())["streams"]}
        Floor(orjson.loads(config.read()), streams).read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
