"""`benchmarks.run --profile FILE`: source-twilio's read under py-spy, reduced to where the CPU goes.

py-spy (installed into this venv on first use) samples the connector 100 times a second with `--gil`: only
the thread holding the interpreter lock, i.e. the Python work that the 2 cores spend, not the threads waiting
for Twilio. Its raw output (one line per distinct stack, with its count of samples) is reduced to self time:
the frame on top of each stack, by function, and by the package of its file.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

TOP = 30


def py_spy() -> str:
    executable = Path(sys.executable).with_name("py-spy")
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "py-spy"], check=True)
    return str(executable)


def record(command: List[str], env: Dict[str, str], stdout: str, raw: str) -> float:
    """Runs `command` under `py-spy record --format raw --gil`, its stdout to a file; returns the wall time."""
    started = time.monotonic()
    with open(stdout, "wb") as out:
        subprocess.run([py_spy(), "record", "--format", "raw", "--gil", "--rate", "100", "--output", raw, "--", *command], stdout=out, env=env, check=True)
    return time.monotonic() - started


def package_of(frame: str) -> str:
    """`parse (ast.py:50)` -> `ast`; `_read (airbyte_cdk/sources/x.py:3)` -> `airbyte_cdk`."""
    if not frame:
        return "(no Python frame: native code)"
    where = frame.rsplit(" (", 1)[-1].rstrip(")").rsplit(":", 1)[0]
    if where.startswith("<frozen "):
        return where[len("<frozen ") :].rstrip(">").split(".")[0]
    return where.split("/")[0].removesuffix(".py")


def self_time(raw: str) -> Tuple[int, Counter, Counter]:
    """(samples, samples by top frame without its line number, samples by package of the top frame)."""
    frames: Counter = Counter()
    packages: Counter = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        top = stack.rsplit(";", 1)[-1].strip()
        function = top.rsplit(":", 1)[0] + ")" if top else "(no Python frame: native code)"
        frames[function] += int(count)
        packages[package_of(top)] += int(count)
    return sum(frames.values()), frames, packages


def total_time(raw: str) -> Counter:
    """Samples by function anywhere on the stack (each function once per stack): the time spent in it and its callees."""
    functions: Counter = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            for function in {frame.strip().rsplit(":", 1)[0] + ")" for frame in stack.split(";") if frame.strip()}:
                functions[function] += int(count)
    return functions


def write(path: Path, raw: str, header: List[str]) -> None:
    total, frames, packages = self_time(raw)
    inclusive = Counter({name: n for name, n in total_time(raw).items() if not name.startswith(("<module>", "_bootstrap", "run (threading", "_bootstrap_inner", "_worker (concurrent"))})

    def rows(counter: Counter, limit: int) -> str:
        return "\n".join(f"| {name.replace('|', '/')} | {n} | {100 * n / total:.1f}% |" for name, n in counter.most_common(limit))

    path.write_text(
        "# Profile of a source-twilio read\n\n"
        + "".join(f"- {line}\n" for line in header)
        + f"- Samples: {total} (py-spy `--gil`, 100 Hz: the thread holding the interpreter lock)\n\n"
        "## Self time by package\n\n| Package of the top frame | Samples | Share |\n| --- | ---: | ---: |\n"
        + rows(packages, TOP)
        + f"\n\n## Top {TOP} functions by self time\n\n| Function (file) | Samples | Share |\n| --- | ---: | ---: |\n"
        + rows(frames, TOP)
        + f"\n\n## Top {TOP} functions by total time (with their callees)\n\n| Function (file) | Samples | Share |\n| --- | ---: | ---: |\n"
        + rows(inclusive, TOP)
        + "\n"
    )
