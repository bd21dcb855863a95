"""A user's mistakes and what each costs, against the fake Twilio on 127.0.0.1:

    .venv/bin/python -m tools.mistakes                            # print the table
    .venv/bin/python -m tools.mistakes --write RELIABILITY.md     # and replace its "Mistakes" section

One row per mistake: the requests the fake answered, the size of everything the connector printed, the message the
user sees (the last error, the check's status or the warning) and the exit code. integration_tests/test_mistakes.py
asserts the same behaviour.
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import COMMAND, LOOPBACK_ONLY, Run, Workdir, catalog, run, sample_config

ALL = ["conferences", "conference_participants", "conference_summaries", "conference_participant_summaries"]
START, END = "<!-- mistakes -->", "<!-- /mistakes -->"
Row = Tuple[str, int, int, str, int]


def _seen(result: Run) -> str:
    if result.connection_status:
        return f"check: {result.connection_status['status']}: {result.connection_status.get('message', '')}"
    if result.errors:
        return f"{result.errors[-1]['failure_type']}: {result.errors[-1]['message']}"
    warnings = [m["log"]["message"] for m in result.of_type("LOG") if m["log"]["level"] == "WARN"]
    return f"WARN: {warnings[-1]}" if warnings else "(nothing)"


def _raw(args: List[str], env: Optional[dict] = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env={**os.environ, **LOOPBACK_ONLY, **(env or {})})


def mistakes() -> List[Row]:
    rows: List[Row] = []
    cases: List[Tuple[str, Callable[[FakeTwilio, Dataset], Tuple[int, int, str, int]]]] = []

    def with_run(command: str, change: Callable[[dict], None], configured=None) -> Callable[[FakeTwilio, Dataset], Tuple[int, int, str, int]]:
        def go(fake: FakeTwilio, _: Dataset) -> Tuple[int, int, str, int]:
            config = sample_config(fake.base_url, start_date="2024-11-22T00:00:00Z")
            change(config)
            before = fake.stats.requests
            result = run(command, config, configured)
            return fake.stats.requests - before, len(result.stdout) + len(result.stderr), _seen(result), result.returncode
        return go

    def wrong_token(config: dict) -> None:
        config["credentials"]["auth_token"] = "wrong-token-0a1b2c3d"

    def unknown_stream() -> dict:
        configured = catalog(["conferences"], incremental=False)
        calls = copy.deepcopy(configured["streams"][0])
        calls["stream"]["name"] = "calls"
        configured["streams"].append(calls)
        return configured

    def debug(fake: FakeTwilio, _: Dataset) -> Tuple[int, int, str, int]:
        work, before = Workdir(), fake.stats.requests
        try:
            config = work.write("config.json", sample_config(fake.base_url))
            result = _raw([COMMAND, "read", "--config", config, "--catalog", work.write("catalog.json", catalog(["conferences"]))], {"LOG_LEVEL": "debug"})
        finally:
            work.cleanup()
        output = result.stdout + result.stderr
        seen = f"debug logs with every request's headers; the Authorization header shows as 'Basic ****' ({output.count('Basic ****')} times)"
        return fake.stats.requests - before, len(output), seen, result.returncode

    def closed_account(fake: FakeTwilio, dataset: Dataset) -> Tuple[int, int, str, int]:
        dataset.main_account.status = "closed"
        try:
            return with_run("read", lambda config: None, catalog(ALL))(fake, dataset)
        finally:
            dataset.main_account.status = "active"

    def no_command(fake: FakeTwilio, _: Dataset) -> Tuple[int, int, str, int]:
        result = _raw([COMMAND])
        return 0, len(result.stdout + result.stderr), result.stdout.splitlines()[0], result.returncode

    cases += [
        ("a wrong auth token, read", with_run("read", wrong_token, catalog(ALL))),
        ("a wrong auth token, check", with_run("check", wrong_token)),
        ("a closed account, read", closed_account),
        ("an Account SID of the wrong form, read", with_run("read", lambda c: c.update(account_sid="AC123"), catalog(ALL))),
        ("a catalog that names a stream the source lacks (calls)", with_run("read", lambda c: None, unknown_stream())),
        ("a read with LOG_LEVEL=debug", debug),
        ("`source-twilio` with no command", no_command),
    ]
    dataset = Dataset(conferences=40, seed=61)
    with FakeTwilio(dataset) as fake:
        for name, case in cases:
            requests, size, seen, code = case(fake, dataset)
            rows.append((name, requests, size, seen, code))
    return rows


def table(rows: List[Row]) -> str:
    lines = ["| mistake | requests | output | what the user sees | exit |", "|---|--:|--:|---|--:|"]
    for name, requests, size, seen, code in rows:
        shown = seen if len(seen) <= 220 else seen[:219] + "…"
        lines.append(f"| {name} | {requests} | {size / 1000:.1f} KB | {shown.replace('|', '/')} | {code} |")
    return "\n".join(lines)


def section(rows: List[Row]) -> str:
    return f"""{START}
## Mistakes

Written by `.venv/bin/python -m tools.mistakes --write RELIABILITY.md` (the fake Twilio, a start date two years
back, all four streams unless said otherwise). The credentials are tried once before any stream starts, so a
wrong token or a closed account costs one request and ends in one error; output is everything printed, stdout and stderr.

{table(rows)}
{END}
"""


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="FILE", help="replace the Mistakes section of this file (e.g. RELIABILITY.md)")
    args = parser.parse_args(argv)
    rows = mistakes()
    print(table(rows))
    if args.write:
        path = Path(args.write)
        text = path.read_text() if path.exists() else ""
        if START in text and END in text:
            text = text.split(START)[0] + section(rows) + text.split(END, 1)[1].lstrip("\n")
        else:
            text = text.rstrip("\n") + "\n\n" + section(rows)
        path.write_text(text)
        print(f"written to {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
