"""A read killed with SIGKILL at several points, then run again from the last STATE it emitted.

Across the two runs every record of the dataset comes out, and the state after the second run is the state of
an uninterrupted read (the platform does exactly this: it keeps the last STATE of each stream it received).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from typing import Any, Callable, Dict, List, Optional, Set

import pytest

from fake_twilio import FakeTwilio
from fake_twilio.harness import (
    LOOPBACK_ONLY,
    Run,
    Workdir,
    catalog,
    command_args,
    comparable_state,
    final_state,
    run,
    sample_config,
    scan_for_secrets,
)
from fake_twilio.server import RequestRecord
from tools.reliability import PRIMARY_KEYS, STREAMS
from tools.reliability import make_dataset as _dataset  # the fault scenarios' dataset, one "now" per run


def _keys(messages: List[Dict[str, Any]], stream: str) -> Set[tuple]:
    return {
        tuple(m["record"]["data"][k] for k in PRIMARY_KEYS[stream])
        for m in messages
        if m["type"] == "RECORD" and m["record"]["stream"] == stream
    }


@pytest.fixture(scope="module")
def uninterrupted() -> Run:
    with FakeTwilio(_dataset()) as fake:
        result = run("read", sample_config(fake.base_url), catalog(STREAMS))
    assert result.returncode == 0, result.stderr[-2000:]
    return result


class Killer:
    """Starts a read and kills it (SIGKILL) when `on_message` or `on_request` says so; keeps what it printed."""

    def __init__(self, fake: FakeTwilio, config: dict) -> None:
        self.fake, self.config = fake, config
        self.process: Optional[subprocess.Popen] = None
        self.killed = threading.Event()
        self.messages: List[Dict[str, Any]] = []

    def kill(self) -> None:
        if self.process and not self.killed.is_set():
            self.killed.set()
            os.kill(self.process.pid, signal.SIGKILL)

    def read(
        self,
        on_message: Callable[[Dict[str, Any], List[Dict[str, Any]]], bool] = lambda m, ms: False,
        on_request: Callable[[RequestRecord], bool] = lambda r: False,
    ) -> int:
        ready = threading.Event()

        def hook(record: RequestRecord) -> None:
            ready.wait(10)
            if on_request(record):
                self.kill()

        self.fake.on_request = hook
        work = Workdir()
        try:
            stderr = open(work.path / "stderr.txt", "w+")
            self.process = subprocess.Popen(
                command_args("read", work, self.config, catalog(STREAMS)),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **LOOPBACK_ONLY},
            )
            ready.set()
            for line in self.process.stdout:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue  # the line the kill cut in two: the platform would not have it either
                self.messages.append(message)
                if on_message(message, self.messages):
                    self.kill()
            self.process.wait(timeout=60)
            stderr.seek(0)
            scan_for_secrets(self.config, json.dumps(self.messages), stderr.read())
            stderr.close()
        finally:
            self.fake.on_request = None
            work.cleanup()
        return self.process.returncode


def _first_conferences_state(message: Dict[str, Any], _: List[Dict[str, Any]]) -> bool:
    return message["type"] == "STATE" and message["state"]["stream"]["stream_descriptor"]["name"] == "conferences"


def _nth_request(path_suffix: str, n: int) -> Callable[[RequestRecord], bool]:
    seen: List[int] = []

    def hit(record: RequestRecord) -> bool:
        if record.path.endswith(path_suffix):
            seen.append(record.number)
        return len(seen) == n

    return hit


KILL_POINTS = {
    "during the first page": lambda: dict(on_request=_nth_request("/Conferences.json", 1)),
    "between windows": lambda: dict(on_message=_first_conferences_state),
    "during participants": lambda: dict(on_request=_nth_request("/Participants.json", 3)),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_given_a_read_killed_when_run_again_from_its_last_state_then_every_record_and_the_same_state(point, uninterrupted):
    with FakeTwilio(_dataset(), latency=0.01) as fake:
        config = sample_config(fake.base_url)
        killer = Killer(fake, config)

        returncode = killer.read(**KILL_POINTS[point]())
        saved = final_state(killer.messages)
        resumed = run("read", config, catalog(STREAMS), saved or None)

    assert returncode == -signal.SIGKILL
    total = lambda messages: sum(len(_keys(messages, stream)) for stream in STREAMS)  # noqa: E731
    assert total(killer.messages) < total(uninterrupted.messages), "killed before the end"
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    for stream in STREAMS:
        assert _keys(killer.messages, stream) | _keys(resumed.messages, stream) == _keys(uninterrupted.messages, stream), stream
    assert comparable_state(resumed.final_state()) == comparable_state(uninterrupted.final_state())
