from __future__ import annotations

from typing import Callable, Iterator, List

import pytest

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import leaked_secrets


@pytest.fixture
def start_fake() -> Iterator[Callable[..., FakeTwilio]]:
    """Starts fake Twilio servers on 127.0.0.1 for a test and stops every one of them afterwards."""
    started: List[FakeTwilio] = []

    def start(dataset: Dataset | None = None, **options) -> FakeTwilio:
        fake = FakeTwilio(dataset or Dataset(), **options).start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture(autouse=True)
def _no_secret_in_any_output() -> Iterator[None]:
    """Every connector run of every test (fake_twilio.harness.run, the docker runs, the fault scenarios,
    the killed reads) is searched for the auth token or API key secret of its config."""
    yield
    leaks = leaked_secrets()
    assert not leaks, f"secrets in the output: {leaks}"
