"""Benchmark: full reads of the fake Twilio by source-twilio, Airbyte's connector and the floor, side by side.

    .venv/bin/python -m benchmarks.run                                   # every workload, every connector, once
    .venv/bin/python -m benchmarks.run --workloads 2k --connectors ours,floor
    .venv/bin/python -m benchmarks.run --repeat 3 --write BENCHMARKS.md  # the figures of BENCHMARKS.md
    .venv/bin/python -m benchmarks.run --workloads all4 --connectors ours --profile PROFILE.md

Workloads (a latency of 30 ms per request by default):
  2k    conferences + participants, 2,000 conferences (10% live x 4 participants) over six months
  50k   the same, 50,000 conferences over 60 days (1,000 live)
  all4  all four streams, 2,000 conferences
Connectors:
  ours    source-twilio, the installed command, default settings (10 workers)
  1.0.7   airbyte-source-twilio 0.16.0 with 1.0.7's Status changes, reconstructed (benchmarks/official.py)
  0.16.0  airbyte-source-twilio 0.16.0 from PyPI, default settings (3 workers); neither reads Voice Insights
  floor   benchmarks/floor.py: the same requests and records with requests and a thread pool, no CDK

Each connector runs as its own process; the figures are wall time, CPU seconds (user + system, from wait4),
peak RSS (VmHWM, read until it exits), the requests the fake served and the most in flight. Every run's
records are checked against the dataset, key by key: a record missing, duplicated or unknown is reported, and
makes the benchmark fail for source-twilio and the floor. The fake runs in this process, on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from benchmarks import official, pyspy
from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import COMMAND, LOOPBACK_ONLY, Workdir, catalog

FLOOR = Path(__file__).resolve().parent / "floor.py"
BOTH = ("conferences", "conference_participants")
ALL = BOTH + ("conference_summaries", "conference_participant_summaries")
PRIMARY_KEYS = {
    "conferences": ("sid",),
    "conference_participants": ("conference_sid", "call_sid"),
    "conference_summaries": ("conference_sid",),
    "conference_participant_summaries": ("participant_sid",),
}


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    conferences: int
    live_share: float
    months: int
    streams: Tuple[str, ...]

    def dataset(self) -> Dataset:
        return Dataset(conferences=self.conferences, live_share=self.live_share, participants_per_live=4, months=self.months, seed=2026)


WORKLOADS = {
    w.key: w
    for w in (
        Workload("2k", "conferences + participants, 2,000 conferences (10% live x 4)", 2000, 0.1, 6, BOTH),
        Workload("50k", "conferences + participants, 50,000 conferences over 60 days (1,000 live x 4)", 50000, 0.02, 2, BOTH),
        Workload("all4", "all four streams, 2,000 conferences (10% live x 4)", 2000, 0.1, 6, ALL),
    )
}
CONNECTORS = {"ours": "source-twilio", "1.0.7": official.RECONSTRUCTED, "0.16.0": official.PLAIN, "floor": "floor (no CDK)"}
ALL_ONCE = "all records, once"
STOPPED = "stopped after"
CHECKED = {"ours", "floor"}  # a loss fails the benchmark; the official connectors' losses are reported


@dataclass
class Figures:
    connector: str
    workload: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    requests: int
    max_in_flight: int
    records: Dict[str, int]
    check: str
    exit_code: int
    fake_cpu_s: float = 0.0  # this process's CPU during the read: mostly the fake Twilio answering
    runs: int = 1
    wall_range: Tuple[float, float] = (0.0, 0.0)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.check == ALL_ONCE


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of the process: the peak RSS of its own program, since exec.

    wait4's ru_maxrss would also count the moment between fork and exec, when the child still maps this
    process, which holds the fake Twilio's dataset: it grows with N and is not the connector's memory.
    """
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def measure(command: List[str], env: Dict[str, str], stdout: str, timeout: Optional[float] = None) -> Tuple[int, float, float, float]:
    """Runs `command` with its stdout to a file; returns (exit code, wall s, cpu s, peak RSS MB).

    Past `timeout` seconds the process is killed (exit code -9)."""
    with open(stdout, "wb") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
        peak = 0.0
        time.sleep(0.05)  # past exec
        while True:
            # WNOWAIT: a finished child stays a zombie whose /proc status still holds its VmHWM... until reaped.
            finished = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            try:
                peak = max(peak, _peak_rss_mb(process.pid))
            except (OSError, StopIteration):
                pass
            if finished is not None:
                break
            if timeout and time.monotonic() - started > timeout and process.returncode is None:
                process.kill()
                process.returncode = -9
            time.sleep(0.01)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, wall, usage.ru_utime + usage.ru_stime, peak


def expected_keys(dataset: Dataset, streams: Sequence[str]) -> Dict[str, Set[tuple]]:
    """What a full read from before the first conference returns, by primary key."""
    conferences = dataset.all_conferences()
    every = {
        "conferences": {(c.sid,) for c in conferences},
        "conference_participants": {(p.conference_sid, p.call_sid) for p in dataset.iter_participants(live_only=True)},
        "conference_summaries": {(c.sid,) for c in conferences},
        "conference_participant_summaries": {(p.participant_sid,) for p in dataset.iter_participants(live_only=False)},
    }
    return {stream: every[stream] for stream in streams}


def check_records(path: str, expected: Dict[str, Set[tuple]]) -> Tuple[Dict[str, int], str]:
    """Counts the RECORD lines of a run by stream and compares their keys with the dataset's."""
    seen: Dict[str, Counter] = {stream: Counter() for stream in expected}
    with open(path, "rb") as lines:
        for line in lines:
            if b'"RECORD"' not in line[:40]:
                continue
            record = json.loads(line)["record"]
            stream = record["stream"]
            seen.setdefault(stream, Counter())[tuple(record["data"].get(k) for k in PRIMARY_KEYS.get(stream, ("sid",)))] += 1
    problems = []
    for stream, keys in seen.items():
        wanted = expected.get(stream, set())
        for what, count in (
            ("missing", len(wanted - set(keys))),
            ("duplicated", sum(n - 1 for n in keys.values())),
            ("not in the dataset", len(set(keys) - wanted)),
        ):
            if count:
                problems.append(f"{count} {stream} {what}")
    return {stream: sum(keys.values()) for stream, keys in seen.items()}, "; ".join(problems) or ALL_ONCE


def start_date(dataset: Dataset) -> str:
    return (dataset.anchor - timedelta(days=30 * dataset.months + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def our_config(fake: FakeTwilio) -> dict:
    main = fake.dataset.main_account
    return {
        "account_sid": main.sid,
        "credentials": {"auth_type": "auth_token", "auth_token": main.auth_token},
        "start_date": start_date(fake.dataset),
        "base_url": fake.base_url,
        "insights_base_url": fake.base_url,
    }


def command_for(connector: str, fake: FakeTwilio, work: Workdir, streams: Sequence[str]) -> List[str]:
    configured = work.write("catalog.json", catalog(streams, incremental=False))
    if connector in ("ours", "floor"):
        config = work.write("config.json", our_config(fake))
        first = [COMMAND] if connector == "ours" else [sys.executable, str(FLOOR)]
        return first + ["read", "--config", config, "--catalog", configured]
    main = fake.dataset.main_account
    config = work.write("config.json", {"account_sid": main.sid, "auth_token": main.auth_token, "start_date": start_date(fake.dataset)})
    manifest = work.write("manifest.yaml", official.manifest_text(connector == "1.0.7", fake.base_url))
    return official.command(manifest, config, configured)


def run_once(connector: str, workload: Workload, fake: FakeTwilio, expected: Dict[str, Set[tuple]], timeout: Optional[float]) -> Figures:
    with Workdir() as work:
        command = command_for(connector, fake, work, workload.streams)
        stdout = str(work.path / "stdout.jsonl")
        fake.stats.reset()
        before = resource.getrusage(resource.RUSAGE_SELF)
        code, wall, cpu, rss = measure(command, {**os.environ, **LOOPBACK_ONLY, "AIRBYTE_ENABLE_UNSAFE_CODE": "true"}, stdout, timeout)
        after = resource.getrusage(resource.RUSAGE_SELF)
        records, check = check_records(stdout, expected)
    if code == -9:
        check = f"{STOPPED} {timeout:g} s"
    fake_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Figures(CONNECTORS[connector], workload.key, wall, cpu, rss, fake.stats.requests, fake.stats.max_in_flight, records, check, code, fake_cpu)


def median_of(runs: List[Figures]) -> Figures:
    """One row for several runs of the same read: the medians, with the range of wall time."""
    first = runs[0]
    checks = sorted({r.check for r in runs})
    return Figures(
        connector=first.connector,
        workload=first.workload,
        wall_s=statistics.median(r.wall_s for r in runs),
        cpu_s=statistics.median(r.cpu_s for r in runs),
        peak_rss_mb=statistics.median(r.peak_rss_mb for r in runs),
        requests=int(statistics.median(r.requests for r in runs)),
        max_in_flight=int(statistics.median(r.max_in_flight for r in runs)),
        records=first.records,
        check=" / ".join(checks),
        exit_code=max(r.exit_code for r in runs),
        fake_cpu_s=statistics.median(r.fake_cpu_s for r in runs),
        runs=len(runs),
        wall_range=(min(r.wall_s for r in runs), max(r.wall_s for r in runs)),
    )


def applicable(connector: str, workload: Workload) -> bool:
    """Airbyte's connector has no Voice Insights streams."""
    return connector in ("ours", "floor") or set(workload.streams) <= set(BOTH)


def bench(workload: Workload, connectors: Sequence[str], repeat: int, latency_ms: float, timeout: Optional[float] = None) -> List[Figures]:
    dataset = workload.dataset()
    expected = expected_keys(dataset, workload.streams)
    results = []
    # legacy_status_default: 0.16.0 sends no Status; since 2026-09-30 Twilio then lists only in-progress
    # conferences. The old default (all of them) gives it the same data to read as the others.
    with FakeTwilio(dataset, latency=latency_ms / 1000, legacy_status_default=True) as fake:
        for connector in connectors:
            if applicable(connector, workload):
                row = median_of([run_once(connector, workload, fake, expected, timeout) for _ in range(repeat)])
                print(f"  {workload.key:>4}  {row.connector}: {row.wall_s:.2f} s, {row.cpu_s:.2f} s CPU, {row.peak_rss_mb:.0f} MB, "
                      f"{row.requests} requests; {row.check}", file=sys.stderr, flush=True)
                results.append(row)
    return results


def startup(connectors: Sequence[str], repeat: int) -> List[Tuple[str, str, float]]:
    """(connector, command, median wall seconds) of `spec`, `check` and `discover`, which the platform and PyAirbyte
    run often: mostly Python's and the CDK's imports. Airbyte's runner has no spec of the connector's own (1.0.7)."""
    rows = []
    with FakeTwilio(Dataset(conferences=20, seed=1)) as fake, Workdir() as work:
        for connector in [c for c in connectors if c in ("ours", "1.0.7")]:
            read = command_for(connector, fake, work, BOTH)
            for verb in ("spec", "check", "discover") if connector == "ours" else ("check", "discover"):
                if connector == "ours":
                    command = [read[0], verb] + (read[2:4] if verb != "spec" else [])
                else:
                    command = official.command(read[read.index("--manifest-path") + 1], read[read.index("--config") + 1], "", verb)
                walls = []
                for _ in range(max(repeat, 3)):
                    started = time.monotonic()
                    done = subprocess.run(command, capture_output=True, env={**os.environ, **LOOPBACK_ONLY}, check=False)
                    walls.append(time.monotonic() - started)
                    assert done.returncode == 0 and b'"type":"' in done.stdout, (command, done.stdout[-500:], done.stderr[-500:])
                rows.append((CONNECTORS[connector], verb, statistics.median(walls)))
    return rows


def startup_table(rows: List[Tuple[str, str, float]]) -> str:
    return "\n".join(["| Connector | Command | Wall (s), median |", "| --- | --- | ---: |"] + [f"| {c} | `{v}` | {w:.2f} |" for c, v, w in rows])


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def side_by_side(results: List[Figures]) -> str:
    """One row per workload, one column per connector: wall time, CPU, peak RSS and requests."""
    names = [name for name in CONNECTORS.values() if any(r.connector == name for r in results)]
    rows = ["| Workload | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for key, workload in WORKLOADS.items():
        cells = {r.connector: r for r in results if r.workload == key}
        if cells:
            rows.append(f"| {workload.title} | " + " | ".join(_cell(cells.get(n)) for n in names) + " |")
    return "\n".join(rows)


def _cell(r: Optional[Figures]) -> str:
    if r is None:
        return "–"
    if r.check.startswith(STOPPED):
        return f"> {r.wall_s:.0f} s (stopped: {r.requests} requests by then)"
    return f"{r.wall_s:.1f} s, {r.cpu_s:.1f} s CPU, {r.peak_rss_mb:.0f} MB, {r.requests} req." + ("" if r.check == ALL_ONCE else " (loses records)")


def table(results: List[Figures]) -> str:
    rows = [
        "| Workload | Connector | Runs | Wall (s) | CPU (s) | Peak RSS (MB) | Requests | Max in flight | Fake's CPU (s) | Records | Check | Exit |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in results:
        wall = f"{r.wall_s:.2f}" + (f" ({r.wall_range[0]:.2f}–{r.wall_range[1]:.2f})" if r.runs > 1 else "")
        records = " + ".join(str(r.records.get(s, 0)) for s in WORKLOADS[r.workload].streams)
        rows.append(
            f"| {r.workload} | {r.connector} | {r.runs} | {wall} | {r.cpu_s:.2f} | {r.peak_rss_mb:.0f} | {r.requests} | "
            f"{r.max_in_flight} | {r.fake_cpu_s:.2f} | {records} | {r.check} | {r.exit_code} |"
        )
    return "\n".join(rows)


def ratios(results: List[Figures]) -> List[str]:
    """Per workload: source-twilio against each other connector, as factors of wall time and CPU."""
    lines = []
    for key in WORKLOADS:
        rows = {r.connector: r for r in results if r.workload == key}
        ours = rows.get(CONNECTORS["ours"])
        if not ours:
            continue
        parts = []
        for name in (CONNECTORS["1.0.7"], CONNECTORS["0.16.0"]):
            if name in rows:
                more = "more than " if rows[name].check.startswith(STOPPED) else ""
                parts.append(f"{more}{rows[name].wall_s / ours.wall_s:.1f}x faster than {name}")
        floor = rows.get(CONNECTORS["floor"])
        if floor:
            parts.append(f"{ours.wall_s / floor.wall_s:.2f}x the floor's wall time and {ours.cpu_s / floor.cpu_s:.2f}x its CPU")
        if parts:
            lines.append(f"{key}: source-twilio " + ", ".join(parts))
    return lines


def write_markdown(path: Path, command: str, latency_ms: float, results: List[Figures], summary: List[str], started: List[Tuple[str, str, float]]) -> None:
    notes = path.read_text().split("<!-- notes -->", 1)[1] if path.exists() and "<!-- notes -->" in path.read_text() else "\n"
    workloads = "".join(f"- `{w.key}`: {w.title}\n" for w in WORKLOADS.values())
    path.write_text(
        "# Benchmarks\n\n"
        "Produced by `benchmarks/run.py`; every figure below comes from the command shown. Full reads (full refresh)\n"
        f"from the fake Twilio on 127.0.0.1 with {latency_ms:g} ms of latency per request, by source-twilio, by Airbyte's\n"
        f"connector ({official.PLAIN} from PyPI, and {official.RECONSTRUCTED}: see `benchmarks/official.py`)\n"
        "and by the floor (`benchmarks/floor.py`: the same requests and records with `requests` and a thread pool,\n"
        "no CDK). The workloads:\n\n"
        f"{workloads}\n"
        f"- Machine: {machine()}\n"
        f"- Command: `{command}`\n"
        f"- Date: {time.strftime('%Y-%m-%d')}\n\n"
        f"{side_by_side(results)}\n\n"
        + "".join(f"- {line}\n" for line in summary)
        + "\nIn detail:\n\n"
        f"{table(results)}\n\n"
        "Wall time is the median of the runs (range in brackets); CPU (wait4) and peak RSS (VmHWM) are the medians\n"
        "of the connector process's own; the fake Twilio runs in the benchmark's process (its CPU during the read: Fake's CPU). Records: conferences +\n"
        "conference_participants (+ conference_summaries + conference_participant_summaries); Check compares every run's records with the dataset by primary key.\n"
        "Airbyte's connector has no Voice Insights streams, so it does not run `all4`.\n\n"
        "Start-up: `spec`, `check` and `discover` against the fake (20 conferences), each run as its own process:\n\n"
        f"{startup_table(started)}\n\n<!-- notes -->"
        + notes
    )


def profile(workload: Workload, latency_ms: float, path: Path, command: str) -> int:
    """source-twilio's read of `workload` under py-spy, its records checked, the profile written to `path`."""
    dataset = workload.dataset()
    with FakeTwilio(dataset, latency=latency_ms / 1000) as fake, Workdir() as work:
        read = command_for("ours", fake, work, workload.streams)
        stdout, raw = str(work.path / "stdout.jsonl"), str(work.path / "profile.txt")
        wall = pyspy.record(read, {**os.environ, **LOOPBACK_ONLY}, stdout, raw)
        records, check = check_records(stdout, expected_keys(dataset, workload.streams))
        pyspy.write(path, Path(raw).read_text(), [
            f"Command: `{command}`",
            f"Workload: {workload.title}, {latency_ms:g} ms per request; {fake.stats.requests} requests",
            f"Read: {wall:.1f} s under the profiler; records {records}: {check}",
            f"Machine: {machine()}; date {time.strftime('%Y-%m-%d')}",
        ])
    print(f"profile written to {path} ({check})", file=sys.stderr)
    return 0 if check == ALL_ONCE else 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help=f"comma-separated, of {', '.join(WORKLOADS)}")
    parser.add_argument("--connectors", default=",".join(CONNECTORS), help=f"comma-separated, of {', '.join(CONNECTORS)}")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each read; the table shows medians and ranges")
    parser.add_argument("--write", metavar="FILE", help="write the results as Markdown (BENCHMARKS.md)")
    parser.add_argument("--profile", metavar="FILE", help="instead: profile source-twilio with py-spy on the first workload, into FILE")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--timeout", type=float, metavar="S", help="stop a read after S seconds (at 50k, 0.16.0 asks 50,000 conferences for participants, 3 at a time)")
    args = parser.parse_args(argv)
    connectors = args.connectors.split(",")
    for asked, known in ((args.workloads.split(","), WORKLOADS), (connectors, CONNECTORS)):
        if set(asked) - set(known):
            parser.error(f"unknown: {sorted(set(asked) - set(known))}; known: {', '.join(known)}")
    workloads = [WORKLOADS[key] for key in args.workloads.split(",")]
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])

    if args.profile:
        return profile(workloads[0], args.latency_ms, Path(args.profile), command)

    results = [row for workload in workloads for row in bench(workload, connectors, args.repeat, args.latency_ms, args.timeout)]
    started = startup(connectors, args.repeat)
    print(table(results))
    print(startup_table(started))
    summary = ratios(results)
    for line in summary:
        print(line)
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    if args.write:
        write_markdown(Path(args.write), command, args.latency_ms, results, summary, started)
    failed = [r for r in results if not r.ok and r.connector in {CONNECTORS[key] for key in CHECKED}]
    for r in failed:
        print(f"FAILED: {r.connector} on {r.workload}: exit {r.exit_code}, {r.check}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
