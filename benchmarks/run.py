"""Benchmark: a full read of the conference streams from the fake Twilio, by source-twilio and, with
--vs-official, by Airbyte's airbyte-source-twilio 0.16.0 on the same server in the same run.

    .venv/bin/python -m benchmarks.run                      # N=2000, 10% live with 4 participants, L=30 ms
    .venv/bin/python -m benchmarks.run --vs-official        # the same, and the official connector
    .venv/bin/python -m benchmarks.run --vs-official --scaling 20000 --write BENCHMARKS.md

Each connector runs as its own process; the figures are: wall time, requests the fake served, the most
requests in flight, records, records per second, CPU seconds of the connector process (user + system, from wait4) and
its peak RSS (VmHWM, read until it exits). The fake runs in this process, on 127.0.0.1, with a latency per request.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import COMMAND, LOOPBACK_ONLY, catalog

OFFICIAL_VERSION = "0.16.0"
OFFICIAL_VENV = ROOT / ".bench" / f"airbyte-source-twilio-{OFFICIAL_VERSION}"
STREAMS = ["conferences", "conference_participants"]


@dataclass
class Figures:
    connector: str
    conferences: int
    latency_ms: float
    wall_s: float
    requests: int
    max_in_flight: int
    records: Dict[str, int]
    cpu_s: float
    peak_rss_mb: float
    exit_code: int
    runs: int = 1
    wall_range: tuple = ()
    rss_range: tuple = ()

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    @property
    def records_per_s(self) -> float:
        return self.total_records / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_1000_records(self) -> float:
        return self.cpu_s * 1000 / max(self.total_records / 1000, 0.001)


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of the process: the peak RSS of its own program, since exec.

    wait4's ru_maxrss would also count the moment between fork and exec, when the child still maps this
    process, which holds the fake Twilio's dataset: it grows with N and is not the connector's memory.
    """
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def _measure(command: List[str], env: Dict[str, str]) -> tuple:
    """Runs `command` with stdout to a file; returns (exit code, wall s, cpu s, peak RSS MB, stdout path)."""
    out = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".jsonl", delete=False)
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
        time.sleep(0.01)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out.close()
    return process.returncode, wall, usage.ru_utime + usage.ru_stime, peak, out.name


def _count_records(path: str) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    with open(path) as lines:
        for line in lines:
            if line.startswith('{"type":"RECORD"') or line.startswith('{"type": "RECORD"'):
                stream = json.loads(line)["record"]["stream"]
                counts[stream] = counts.get(stream, 0) + 1
    os.unlink(path)
    return counts


def _files(config: dict, configured_catalog: dict) -> tuple:
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    (work / "config.json").write_text(json.dumps(config))
    (work / "catalog.json").write_text(json.dumps(configured_catalog))
    return work, str(work / "config.json"), str(work / "catalog.json")


def run_ours(fake: FakeTwilio, start_date: str, n: int, latency_ms: float) -> Figures:
    main = fake.dataset.main_account
    config = {
        "account_sid": main.sid,
        "credentials": {"auth_type": "auth_token", "auth_token": main.auth_token},
        "start_date": start_date,
        "base_url": fake.base_url,
        "insights_base_url": fake.base_url,
    }
    work, config_path, catalog_path = _files(config, catalog(STREAMS, incremental=False))
    fake.stats.reset()
    code, wall, cpu, rss, out = _measure(
        [COMMAND, "read", "--config", config_path, "--catalog", catalog_path], {**os.environ, **LOOPBACK_ONLY}
    )
    shutil.rmtree(work)
    return Figures("source-twilio", n, latency_ms, wall, fake.stats.requests, fake.stats.max_in_flight, _count_records(out), cpu, rss, code)


def ensure_official() -> Path:
    """A venv with airbyte-source-twilio 0.16.0 (Python < 3.12, airbyte-cdk 6), made once in .bench/."""
    python = OFFICIAL_VENV / "bin" / "python"
    if not (OFFICIAL_VENV / "bin" / "source-declarative-manifest").exists():
        base = shutil.which("python3.11") or sys.executable
        subprocess.run([base, "-m", "venv", str(OFFICIAL_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"airbyte-source-twilio=={OFFICIAL_VERSION}"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return OFFICIAL_VENV


def run_official(fake: FakeTwilio, start_date: str, n: int, latency_ms: float) -> Figures:
    """The official connector at its default settings, its manifest pointed at the fake (its hosts are hard-coded)."""
    venv = ensure_official()
    package = next((venv / "lib").glob("python3.*/site-packages/source_twilio"))
    main = fake.dataset.main_account
    manifest = (package / "manifest.yaml").read_text().replace("https://api.twilio.com", fake.base_url)
    config = {"account_sid": main.sid, "auth_token": main.auth_token, "start_date": start_date}
    work, config_path, catalog_path = _files(config, catalog(STREAMS, incremental=False))
    (work / "manifest.yaml").write_text(manifest)
    fake.stats.reset()
    code, wall, cpu, rss, out = _measure(
        [str(venv / "bin" / "source-declarative-manifest"), "read", "--config", config_path, "--catalog", catalog_path,
         "--manifest-path", str(work / "manifest.yaml")],
        {**os.environ, **LOOPBACK_ONLY, "AIRBYTE_ENABLE_UNSAFE_CODE": "true"},
    )
    shutil.rmtree(work)
    return Figures(f"airbyte-source-twilio {OFFICIAL_VERSION}", n, latency_ms, wall, fake.stats.requests, fake.stats.max_in_flight, _count_records(out), cpu, rss, code)


def median_of(runs: List[Figures]) -> Figures:
    """One row for several runs of the same read: the medians, with the range of wall time and peak RSS."""
    def med(values):
        return statistics.median(values)

    first = runs[0]
    return Figures(
        connector=first.connector,
        conferences=first.conferences,
        latency_ms=first.latency_ms,
        wall_s=med([r.wall_s for r in runs]),
        requests=int(med([r.requests for r in runs])),
        max_in_flight=int(med([r.max_in_flight for r in runs])),
        records=first.records if all(r.records == first.records for r in runs) else {"mismatch": -1},
        cpu_s=med([r.cpu_s for r in runs]),
        peak_rss_mb=med([r.peak_rss_mb for r in runs]),
        exit_code=max(r.exit_code for r in runs),
        runs=len(runs),
        wall_range=(min(r.wall_s for r in runs), max(r.wall_s for r in runs)),
        rss_range=(min(r.peak_rss_mb for r in runs), max(r.peak_rss_mb for r in runs)),
    )


def bench(n: int, live_share: float, participants: int, latency_ms: float, official: bool, repeat: int = 1) -> List[Figures]:
    dataset = Dataset(conferences=n, live_share=live_share, participants_per_live=participants, seed=2026)
    start_date = (dataset.anchor - timedelta(days=30 * dataset.months + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    results = []
    # legacy_status_default: the official connector sends no Status; since 2026-09-30 Twilio then lists only
    # in-progress conferences. The old default (all of them) gives it the same data to read as ours.
    with FakeTwilio(dataset, latency=latency_ms / 1000, legacy_status_default=True) as fake:
        results.append(median_of([run_ours(fake, start_date, n, latency_ms) for _ in range(repeat)]))
        if official:
            results.append(median_of([run_official(fake, start_date, n, latency_ms) for _ in range(repeat)]))
    return results


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def table(results: List[Figures]) -> str:
    rows = [
        "| Connector | N | L (ms) | Runs | Wall (s) | Requests | Max in flight | Records | Records/s | CPU (s) | CPU ms / 1000 records | Peak RSS (MB) | Exit |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        records = " + ".join(f"{r.records.get(s, 0)}" for s in STREAMS)
        wall = f"{r.wall_s:.2f}" + (f" ({r.wall_range[0]:.2f}–{r.wall_range[1]:.2f})" if r.runs > 1 else "")
        rss = f"{r.peak_rss_mb:.0f}" + (f" ({r.rss_range[0]:.0f}–{r.rss_range[1]:.0f})" if r.runs > 1 else "")
        rows.append(
            f"| {r.connector} | {r.conferences} | {r.latency_ms:g} | {r.runs} | {wall} | {r.requests} | {r.max_in_flight} | {records} | "
            f"{r.records_per_s:.0f} | {r.cpu_s:.2f} | {r.cpu_ms_per_1000_records:.0f} | {rss} | {r.exit_code} |"
        )
    return "\n".join(rows)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conferences", type=int, default=2000)
    parser.add_argument("--live-share", type=float, default=0.1)
    parser.add_argument("--participants", type=int, default=4, help="participants per live conference")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--vs-official", action="store_true", help=f"also run airbyte-source-twilio {OFFICIAL_VERSION}")
    parser.add_argument("--scaling", type=int, default=0, metavar="N", help="also run source-twilio alone with N conferences")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each read; the table shows medians and ranges")
    parser.add_argument("--write", metavar="FILE", help="write the results as Markdown (BENCHMARKS.md)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    results = bench(args.conferences, args.live_share, args.participants, args.latency_ms, args.vs_official, args.repeat)
    if args.scaling:
        results += bench(args.scaling, args.live_share, args.participants, args.latency_ms, False, args.repeat)
    print(table(results))
    ours, official = results[0], next((r for r in results if r.connector.startswith("airbyte")), None)
    summary = []
    if official:
        summary.append(
            f"wall time {official.wall_s / ours.wall_s:.1f}x shorter, {official.requests / ours.requests:.1f}x fewer requests, "
            f"peak RSS {ours.peak_rss_mb / official.peak_rss_mb:.2f}x the official's, CPU per 1000 records "
            f"{ours.cpu_ms_per_1000_records / official.cpu_ms_per_1000_records:.2f}x the official's"
        )
    scaled = next((r for r in results[1:] if r.connector == "source-twilio"), None)
    if scaled:
        summary.append(
            f"peak RSS at N={scaled.conferences}: {scaled.peak_rss_mb / ours.peak_rss_mb:.2f}x that at N={ours.conferences} (medians"
            + (f"; {scaled.rss_range[0] / ours.peak_rss_mb:.2f}x to {scaled.rss_range[1] / ours.peak_rss_mb:.2f}x over the runs)" if scaled.runs > 1 else ")")
        )
    for line in summary:
        print(line)
    if args.json:
        print(json.dumps([{**asdict(r), "records_per_s": r.records_per_s} for r in results], indent=2))
    if args.write:
        command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(Path(args.write), command, results, summary)
    return 0 if all(r.exit_code == 0 for r in results) else 1


def write_markdown(path: Path, command: str, results: List[Figures], summary: List[str]) -> None:
    notes = path.read_text().split("<!-- notes -->", 1)[1] if path.exists() and "<!-- notes -->" in path.read_text() else "\n"
    path.write_text(
        "# Benchmarks\n\n"
        "Produced by `benchmarks/run.py`; every figure below comes from the command shown. A full read of\n"
        "`conferences` and `conference_participants` (full refresh) from the fake Twilio on 127.0.0.1, with a latency\n"
        "per request; 10% of the conferences are live with 4 participants each.\n\n"
        f"- Machine: {machine()}\n"
        f"- Command: `{command}`\n"
        f"- Date: {time.strftime('%Y-%m-%d')}\n\n"
        f"{table(results)}\n\n"
        + "".join(f"- {line}\n" for line in summary)
        + "\nRecords are `conferences + conference_participants`. CPU (wait4) and peak RSS (VmHWM) are the connector\n"
        "process's own; the fake Twilio runs in the benchmark's process.\n\n<!-- notes -->"
        + notes
    )


if __name__ == "__main__":
    sys.exit(main())
