"""What `gc.freeze()` in the entry point (source_twilio/source.py) buys: the seconds a read spends in the collector.

    .venv/bin/python -m benchmarks.gc_time --workloads all4,50k --repeat 3

Each read runs source-twilio's entry point in its own process against the fake Twilio (as benchmarks.run does). From
the moment the entry point calls `gc.freeze()`, right before the read, a `gc.callbacks` hook adds up the time between
each collection's start and stop (the CDK's import, before, is the same either way). The same read runs again with
that call doing nothing, which is the entry point as it was before. The two alternate, so that both meet the machine
in the same state. Every read's records are checked against the dataset.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.run import ALL_ONCE, WORKLOADS, check_records, command_for, expected_keys, measure
from fake_twilio import FakeTwilio
from fake_twilio.harness import LOOPBACK_ONLY, Workdir

# Run as `python -c HOOKED read --config ...`: the entry point with the collector timed, its total written to a file.
HOOKED = """
import gc, os, sys, time
spent, started = [0.0, 0], [0.0]
def timed(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        spent[0] += time.perf_counter() - started[0]
        spent[1] += 1
freeze = gc.freeze
def at_the_read():  # the entry point calls gc.freeze() right before the read: the collections from here on are timed
    gc.callbacks.append(timed)
    if os.environ.get("GC_TIME_WITHOUT_FREEZE") != "1":
        freeze()
gc.freeze = at_the_read
from source_twilio.source import run
try:
    run(sys.argv[1:])
finally:
    with open(os.environ["GC_TIME_OUT"], "w") as out:
        out.write(f"{spent[0]} {spent[1]}")
"""
VARIANTS = {"with gc.freeze()": "0", "without (before)": "1"}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="all4", help="comma-separated, of " + ", ".join(WORKLOADS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    args = parser.parse_args(argv)
    failed = False
    for key in args.workloads.split(","):
        workload = WORKLOADS[key]
        dataset = workload.dataset()
        expected = expected_keys(dataset, workload.streams)
        seconds: Dict[str, List[float]] = {name: [] for name in VARIANTS}
        collections: Dict[str, List[int]] = {name: [] for name in VARIANTS}
        with FakeTwilio(dataset, latency=args.latency_ms / 1000) as fake, Workdir() as work:
            read = command_for("ours", fake, work, workload.streams)[1:]  # read --config ... --catalog ...
            for _ in range(args.repeat):
                for name, without in VARIANTS.items():
                    out, stdout = work.path / "gc.txt", str(work.path / "stdout.jsonl")
                    env = {**os.environ, **LOOPBACK_ONLY, "GC_TIME_WITHOUT_FREEZE": without, "GC_TIME_OUT": str(out)}
                    code, _, _, _ = measure([sys.executable, "-c", HOOKED, *read], env, stdout)
                    _, check = check_records(stdout, expected)
                    if code != 0 or check != ALL_ONCE:
                        print(f"{key} {name}: exit {code}, {check}", file=sys.stderr)
                        failed = True
                    spent, count = Path(out).read_text().split()
                    seconds[name].append(float(spent))
                    collections[name].append(int(count))
        for name in VARIANTS:
            print(f"{key:>5}  {name:<18} collector {statistics.median(seconds[name]):.2f} s (median of {args.repeat}; "
                  f"{', '.join(f'{s:.2f}' for s in seconds[name])}), {statistics.median(collections[name]):.0f} collections")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
