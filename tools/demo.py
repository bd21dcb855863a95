"""A real read with no Twilio account: starts the fake Twilio, runs `source-twilio read` against it with the
bundled sample config and catalog, prints a summary per stream and leaves the records in a JSON-lines file.

    python -m tools.demo [--conferences 200] [--out out/records.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Optional

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import COMMAND, CONFIGURED_CATALOG, LOOPBACK_ONLY, SAMPLE_CONFIG, Workdir


STREAMS = ("conferences", "conference_participants", "conference_summaries", "conference_participant_summaries")


def _page_kind(path: str, query: Dict[str, str]) -> str:
    """Which stream a request to the fake served (the live conferences are the participants' parents)."""
    if path.endswith("/Participants.json"):
        return "conference_participants"
    if path.endswith("/Conferences.json") and query.get("DateUpdated>") == "2008-01-01":
        return "credentials check"
    if path.endswith("/Conferences.json"):
        return "conferences" if "DateUpdated>" in query else "conference_participants (live parents)"
    if path.startswith("/v1/Conferences/"):
        return "conference_participant_summaries"
    if path == "/v1/Conferences":
        return "conference_summaries"
    return path


WHAT = {"conferences": "the conferences updated (by status):", "conference_summaries": "the summaries of conferences created"}


def next_sync(stream: str, state: Optional[dict]) -> str:
    """Where the next sync starts, in words: the state as the CDK saves it is for the platform, not for people."""
    if not state or state.get("__ab_no_cursor_state_message"):
        return "no cursor: every sync reads it whole"
    if stream == "conference_participant_summaries":
        return "the next sync reads the participants of the summaries it reads again"
    cursors = [(entry["partition"].get("status"), next(iter(entry["cursor"].values()))) for entry in state.get("states", []) if entry.get("cursor")]
    if not cursors and state.get("state"):
        cursors = [(None, next(iter(state["state"].values())))]
    parts = [f"{status} ones since {cursor}" if status else f"since {cursor}" for status, cursor in sorted(cursors, key=lambda c: str(c[0]))]
    return f"the next sync reads {WHAT[stream]} " + (", ".join(parts) if parts else "since the start date")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conferences", type=int, default=200, help="conferences in the fake account")
    parser.add_argument("--out", default="out/records.jsonl", help="where the records go (JSON lines)")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    dataset = Dataset(conferences=args.conferences)
    config = {**json.loads(SAMPLE_CONFIG.read_text())}
    work = Workdir()
    records: Counter = Counter()
    states: Dict[str, dict] = {}
    errors = []
    with FakeTwilio(dataset) as fake:
        config["base_url"] = config["insights_base_url"] = fake.base_url
        print(f"Fake Twilio on {fake.base_url}: {len(dataset.all_conferences())} conferences, "
              f"{len(dataset.live_conferences())} still live, account {dataset.main_account.sid}")
        print(f"Running: source-twilio read --config {SAMPLE_CONFIG.name} (+ the fake's URL) --catalog {CONFIGURED_CATALOG.name}")
        started = time.monotonic()
        command = [COMMAND, "read", "--config", work.write("config.json", config), "--catalog", str(CONFIGURED_CATALOG)]
        with out.open("w") as sink, subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env={**os.environ, **LOOPBACK_ONLY}
        ) as process:
            for line in process.stdout:
                if not line.startswith("{"):
                    continue
                message = json.loads(line)
                if message["type"] == "RECORD":
                    record = message["record"]
                    records[record["stream"]] += 1
                    sink.write(json.dumps({"stream": record["stream"], "data": record["data"]}) + "\n")
                elif message["type"] == "STATE":
                    stream = message["state"]["stream"]
                    states[stream["stream_descriptor"]["name"]] = stream["stream_state"]
                elif message["type"] == "TRACE" and message["trace"]["type"] == "ERROR":
                    errors.append(message["trace"]["error"]["message"])
        elapsed = time.monotonic() - started
        pages = Counter(_page_kind(r.path, r.query) for r in fake.stats.log)
    work.cleanup()

    print(f"\nDone in {elapsed:.1f} s, exit code {process.returncode}.")
    print(f"  The credentials were checked once, before any stream started ({pages['credentials check']} request).")
    for stream in STREAMS:
        print(f"  {stream}: {records[stream]} records from {pages[stream]} pages; {next_sync(stream, states.get(stream))}.")
    print(f"  The live conferences whose participants were read: {pages['conference_participants (live parents)']} pages.")
    print(f"  Each cursor is re-read from {config.get('lookback_window', 0)} minutes before it (lookback_window); Voice Insights "
          "summaries from 48 hours before, until their processing is final.")
    for error in errors:
        print(f"  error: {error}")
    print(f"Records: {out.resolve()}")
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
