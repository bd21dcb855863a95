from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator, List, Optional

import pytest
from airbyte_cdk.models import AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.streams.http import rate_limiting
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.mock_http import HttpMocker

from source_twilio.source import source


@pytest.fixture
def http_mocker() -> Iterator[HttpMocker]:
    """An HttpMocker that, on exit, fails the test unless every mocked request was made as often as mocked."""
    with HttpMocker() as mocker:
        yield mocker
        mocker._validate_all_matchers_called()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """The backoff waits of the CDK's HTTP client, recorded instead of slept."""
    recorded: List[float] = []
    monkeypatch.setattr(rate_limiting, "time", SimpleNamespace(sleep=recorded.append))
    return recorded


def read_source(
    config: dict,
    catalog: ConfiguredAirbyteCatalog,
    state: Optional[List[AirbyteStateMessage]] = None,
    expecting_exception: bool = False,
) -> EntrypointOutput:
    return read(source(catalog, config, state), config, catalog, state, expecting_exception)


def records_of(output: EntrypointOutput, stream: str) -> List[dict[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


@pytest.fixture(autouse=True)
def _fresh_warnings():
    """TwilioErrorHandler warns once per process, as one process is one sync; here one test is one sync."""
    from source_twilio.components import TwilioErrorHandler

    TwilioErrorHandler._given.clear()
    yield
