from __future__ import annotations

from typing import Callable, Iterator, List

import pytest

from integration_tests.fake_twilio import Dataset, FakeTwilio


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
