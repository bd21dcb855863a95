"""Fault scenarios: a read of the fake Twilio through each kind of trouble, compared with a clean read.

    .venv/bin/python -m tools.reliability                          # print the table
    .venv/bin/python -m tools.reliability --write RELIABILITY.md   # and write it there
    .venv/bin/python -m tools.reliability --connector-waits        # with the connector's own 30 s timeout and cap

By default the connector runs with the test-only settings of source_twilio/source.py (README, Test-only settings):
a read timeout of READ_TIMEOUT_S and a backoff cap of BACKOFF_CAP_S, so that a timed-out answer and ten backoffs take
seconds. The requests, retries, records and states are the same as with the connector's own 30 s (a retry happens
or not whatever the wait before it); only the wall times differ.

Every scenario reads all four streams of the same seeded dataset (240 conferences, 10% live with 4
participants each, an Insights summary and participant summaries for every conference) through the
installed `source-twilio` command, against a fake Twilio on 127.0.0.1 that injects the scenario's faults.
The figures: faults injected (by kind), requests served, wall time, exit code, records, and how they compare
with the clean read (missing, duplicated within the sync, and whether the final state is the same).
integration_tests/test_reliability.py runs the same scenarios and asserts on them.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from fake_twilio import Dataset, FakeTwilio, Faults
from fake_twilio.dataset import default_anchor
from fake_twilio.harness import (
    LOOPBACK_ONLY,
    Run,
    Workdir,
    catalog,
    command_args,
    comparable_state,
    sample_config,
    scan_for_secrets,
)
from source_twilio.source import TEST_BACKOFF_CAP, TEST_READ_TIMEOUT

STREAMS = ["conferences", "conference_participants", "conference_summaries", "conference_participant_summaries"]
PRIMARY_KEYS = {
    "conferences": ("sid",),
    "conference_participants": ("conference_sid", "call_sid"),
    "conference_summaries": ("conference_sid",),
    "conference_participant_summaries": ("participant_sid",),
}
CONFERENCES = 240
SEED = 11
CONNECTOR_READ_TIMEOUT_S = 30  # the connector's own (manifest.yaml, requester.read_timeout_in_seconds)
READ_TIMEOUT_S = 3.0  # the scenarios' (SOURCE_TWILIO_TEST_READ_TIMEOUT_SECONDS): a normal answer here takes milliseconds
BACKOFF_CAP_S = 0.5  # the scenarios' backoff cap (SOURCE_TWILIO_TEST_BACKOFF_CAP_SECONDS); the connector's own is 30 s
SHORT_WAITS = {TEST_READ_TIMEOUT: str(READ_TIMEOUT_S), TEST_BACKOFF_CAP: str(BACKOFF_CAP_S)}


def read_timeout(connector_waits: bool = False) -> float:
    return CONNECTOR_READ_TIMEOUT_S if connector_waits else READ_TIMEOUT_S


# One "now" for every scenario of a run, so that their datasets, records and states are the same.
ANCHOR = default_anchor()


def make_dataset() -> Dataset:
    return Dataset(conferences=CONFERENCES, seed=SEED, anchor=ANCHOR)


def _one_live_participants_path(dataset: Dataset) -> str:
    return f"/Conferences/{dataset.live_conferences()[0].sid}/Participants.json"


def _one_insights_participants_path(dataset: Dataset) -> str:
    return f"/v1/Conferences/{dataset.all_conferences()[CONFERENCES // 2].sid}/Participants"


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    faults: Callable[[Dataset, float], Optional[Faults]]  # (the dataset, the connector's read timeout)
    # "complete": the read ends normally with exactly the clean read's records and state;
    # "fails clearly": one URL never recovers, the read ends with an error trace naming the cause.
    expect: str = "complete"
    error_contains: str = ""


SCENARIOS: List[Scenario] = [
    Scenario("clean", "no fault (the reference read)", lambda d, timeout: None),
    Scenario(
        "429 storm",
        "a third of requests answered 429: half with `Retry-After: 1`, half without; at most 3 per URL",
        lambda d, timeout: Faults(rates={"429-retry-after": 0.17, "429": 0.16}, seed=1, max_per_path=3),
    ),
    Scenario(
        "5xx and drops",
        "500, 502, 503 (5% each) and connections dropped mid-response (10%); at most 3 per URL",
        lambda d, timeout: Faults(rates={"500": 0.05, "502": 0.05, "503": 0.05, "drop": 0.10}, seed=2, max_per_path=3),
    ),
    Scenario(
        "slow server",
        "requests 2 and 9 answered 2 s after the read timeout",
        lambda d, timeout: Faults(on_requests={2: "slow", 9: "slow"}, slow_seconds=timeout + 2),
    ),
    Scenario(
        "malformed JSON",
        "10% of 200 responses cut off half-way through the JSON body; at most 2 per URL",
        lambda d, timeout: Faults(rates={"malformed-json": 0.10}, seed=3, max_per_path=2),
    ),
    Scenario(
        "HTML from a proxy",
        "5% of requests answered with a proxy's HTML page as 502, 5% as 200; at most 2 per URL",
        lambda d, timeout: Faults(rates={"html": 0.05, "html-200": 0.05}, seed=4, max_per_path=2),
    ),
    Scenario(
        "malformed JSON, never recovering",
        "every answer to one conference's Participants list cut off half-way",
        lambda d, timeout: Faults(rates={"malformed-json": 1.0}, path_contains=_one_live_participants_path(d)),
        expect="fails clearly",
        error_contains="not JSON",
    ),
    Scenario(
        "HTML from a proxy, never recovering",
        "every answer to one conference's Insights participants list is a proxy's HTML page (200)",
        lambda d, timeout: Faults(rates={"html-200": 1.0}, path_contains=_one_insights_participants_path(d)),
        expect="fails clearly",
        error_contains="not JSON",
    ),
]


@dataclass
class Outcome:
    scenario: Scenario
    run: Run
    wall_s: float
    requests: int
    faults: Dict[str, int]
    secrets: Tuple[str, ...] = field(default=(), repr=False)

    def keys(self, stream: str) -> List[tuple]:
        return [tuple(r[k] for k in PRIMARY_KEYS[stream]) for r in self.run.records(stream)]

    def records(self) -> int:
        return sum(len(self.keys(s)) for s in STREAMS)

    def duplicated(self) -> int:
        return sum(len(keys) - len(set(keys)) for keys in (self.keys(s) for s in STREAMS))

    def missing(self, clean: "Outcome", streams: List[str] = STREAMS) -> int:
        return sum(len(set(clean.keys(s)) - set(self.keys(s))) for s in streams)

    def extra(self, clean: "Outcome") -> int:
        return sum(len(set(self.keys(s)) - set(clean.keys(s))) for s in STREAMS)

    def same_state_as(self, clean: "Outcome") -> bool:
        return comparable_state(self.run.final_state()) == comparable_state(clean.run.final_state())

    def failed_streams(self) -> List[str]:
        return sorted({e.get("stream_descriptor", {}).get("name", "") for e in self.run.errors} - {""})

    def leaked(self) -> List[str]:
        """The secrets of the config that appear anywhere in stdout or stderr (must be none)."""
        return [s for s in self.secrets if s in self.run.stdout or s in self.run.stderr]

    def error_message(self) -> str:
        return "; ".join(e["message"] for e in self.run.errors)


def run_scenario(scenario: Scenario, connector_waits: bool = False, timeout: float = 900) -> Outcome:
    """`connector_waits`: the connector's own read timeout and backoff cap instead of SHORT_WAITS."""
    dataset = make_dataset()
    fake = FakeTwilio(dataset, faults=scenario.faults(dataset, read_timeout(connector_waits))).start()
    work = Workdir()
    config = sample_config(fake.base_url)
    try:
        started = time.monotonic()
        result = subprocess.run(
            command_args("read", work, config, catalog(STREAMS)),
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **LOOPBACK_ONLY, **({} if connector_waits else SHORT_WAITS)},
        )
        wall = time.monotonic() - started
        scan_for_secrets(config, result.stdout, result.stderr)
        stats = fake.stats.as_dict()
    finally:
        work.cleanup()
        fake.stop()
    secret = config["credentials"]["auth_token"]
    return Outcome(scenario, Run.parse(result.returncode, result.stdout, result.stderr), wall, stats["requests"], stats["faults"], (secret,))


def run_all(parallel: bool = False, connector_waits: bool = False) -> List[Outcome]:
    if not parallel:
        return [run_scenario(s, connector_waits) for s in SCENARIOS]
    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        return list(pool.map(lambda scenario: run_scenario(scenario, connector_waits), SCENARIOS))


def table(outcomes: List[Outcome]) -> str:
    clean = outcomes[0]
    rows = [
        "| scenario | faults injected | requests | retries | wall (s) | exit | records | missing | duplicated | state as clean | outcome |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for o in outcomes:
        faults = ", ".join(f"{n} × {k}" for k, n in sorted(o.faults.items())) or "none"
        if o.scenario.expect == "complete":
            same_state = "yes" if o.same_state_as(clean) else "**no**"
            outcome = "complete" if o.run.returncode == 0 and not o.missing(clean) else "**incomplete**"
            missing = str(o.missing(clean))
        else:
            others = [s for s in STREAMS if s not in o.failed_streams()]
            same_state = "n/a (failed)"
            missing = f"{o.missing(clean, others)} in other streams"
            outcome = f"failed clearly ({', '.join(o.failed_streams()) or 'no stream named'}): “{_short(o.error_message())}”"
        rows.append(
            f"| {o.scenario.name} | {faults} | {o.requests} | {o.requests - clean.requests} | {o.wall_s:.1f} | {o.run.returncode} | {o.records()} | "
            f"{missing} | {o.duplicated()} | {same_state} | {outcome} |"
        )
    return "\n".join(rows)


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def waits(connector_waits: bool) -> str:
    if connector_waits:
        return f"with the connector's own {CONNECTOR_READ_TIMEOUT_S} s read timeout and 30 s backoff cap"
    return (f"with the test-only read timeout of {READ_TIMEOUT_S:g} s and backoff cap of {BACKOFF_CAP_S:g} s "
            "(README, Test-only settings; `--connector-waits` for the connector's own 30 s)")


def document(outcomes: List[Outcome], connector_waits: bool = False) -> str:
    scenarios = "\n".join(f"- **{o.scenario.name}**: {o.scenario.what}." for o in outcomes)
    leaks = sum(len(o.leaked()) for o in outcomes)
    return f"""# Reliability

Written by `.venv/bin/python -m tools.reliability --write RELIABILITY.md` on
{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, one scenario after another.
`integration_tests/test_reliability.py` runs the same scenarios in `.ci/run` and asserts what this table shows.

Each scenario reads all four streams (conferences, conference_participants, conference_summaries,
conference_participant_summaries) of the same dataset: {CONFERENCES} conferences over six months, 10% live with
4 participants each, Insights summaries for all, from the fake Twilio on 127.0.0.1 (no latency added),
with the default config (10 workers), {waits(connector_waits)}. The faults:

{scenarios}

"missing" counts records of the clean read that the scenario's read did not emit; "duplicated" counts
records emitted twice within the read; "state as clean" compares the final STATE of every stream with the
clean read's (the duration of the sync that the CDK saves beside a global cursor aside). Requests include the retried ones; "retries" is the difference with the clean read: what the faults cost.

{table(outcomes)}

How the connector gets through (manifest.yaml, source_twilio/components.py):
- 429: waits as `Retry-After` says (plus one second, the CDK's margin), else exponentially from 1 s with
  jitter, capped at 30 s; 10 retries per request.
- 500/502/503/504, 408, dropped connections and read timeouts (30 s): retried the same way.
- The wall times above are those of the waits named at the top; the requests, retries, records and states do not
  depend on them.
- A 2xx whose body is not a JSON object (a proxy's HTML page, a body cut off mid-way) is retried like a 5xx;
  if it never recovers, the stream fails after 10 retries with an error trace that says so, and its state does
  not move past the window it could not read. The other streams are read in full.
- Secrets: the auth token appeared in {leaks} of the {len(outcomes)} runs' stdout and stderr (scanned).
"""


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="FILE", help="write the document (e.g. RELIABILITY.md)")
    parser.add_argument("--parallel", action="store_true", help="run the scenarios at once (faster; wall times then overlap)")
    parser.add_argument("--connector-waits", action="store_true",
                        help=f"the connector's own {CONNECTOR_READ_TIMEOUT_S} s read timeout and 30 s backoff cap (minutes instead of seconds)")
    args = parser.parse_args(argv)
    outcomes = run_all(parallel=args.parallel, connector_waits=args.connector_waits)
    print(table(outcomes))
    if args.write:
        path = Path(args.write)  # the section tools/mistakes.py writes into the same file is kept
        kept = "<!-- mistakes -->" + path.read_text().split("<!-- mistakes -->", 1)[1] if path.exists() and "<!-- mistakes -->" in path.read_text() else ""
        path.write_text(document(outcomes, args.connector_waits).rstrip("\n") + ("\n\n" + kept if kept else "\n"))
        print(f"written to {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
