from __future__ import annotations

import gc
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator, List, Optional, Tuple, Union

import pytest
import requests
from airbyte_cdk.models import AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.streams.http import rate_limiting
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse

from source_twilio.source import run, source


class ExactHttpMocker:
    """The CDK's HttpMocker, where each mocked request must be made exactly once per response given (once for a single
    response): at the end of the test, `HttpMocker.assert_number_of_calls` checks every one of them."""

    def __init__(self, mocker: HttpMocker) -> None:
        self._mocker = mocker
        self._expected: List[Tuple[HttpRequest, int]] = []

    def get(self, request: HttpRequest, responses: Union[HttpResponse, List[HttpResponse]]) -> None:
        self._mocker.get(request, responses)
        self._expected.append((request, len(responses) if isinstance(responses, list) else 1))

    def assert_every_request_made_as_mocked(self) -> None:
        for request, times in self._expected:
            self._mocker.assert_number_of_calls(request, times)


@pytest.fixture
def http_mocker() -> Iterator[ExactHttpMocker]:
    """An HttpMocker that fails the test unless every mocked request was made exactly as often as mocked."""
    with HttpMocker() as mocker:
        exact = ExactHttpMocker(mocker)
        yield exact
        exact.assert_every_request_made_as_mocked()


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
    """`read` through the CDK's test entry point; unless an error is expected, a read that reports one fails the test
    (a request no mock matches is such an error, so every request a test does not mock is a failure)."""
    output = read(source(catalog, config, state), config, catalog, state, expecting_exception)
    if not expecting_exception:
        assert output.errors == [], [e.trace.error.message for e in output.errors]
    return output


def run_entry_point(capsys: pytest.CaptureFixture, tmp_path: Path, command: str, config: Any, *extra: str) -> Tuple[int, EntrypointOutput, str]:
    """`source-twilio <command> --config <file> ...` in this process: its exit code, its messages and all it printed.

    The entry point, not `entrypoint_wrapper`, because the CDK has no public wrapper for `check`, and because the source
    prints the CONTROL message of a migrated config while it is built, before any command runs."""
    config_path = tmp_path / "config.json"
    config_path.write_text(config if isinstance(config, str) else json.dumps(config))
    capsys.readouterr()
    exit_code = 0
    try:
        run([command, "--config", str(config_path), *extra])
    except SystemExit as exit_:
        exit_code = exit_.code
    printed = capsys.readouterr().out
    return exit_code, EntrypointOutput(messages=[line for line in printed.splitlines() if line.startswith("{")]), printed


def records_of(output: EntrypointOutput, stream: str) -> List[dict[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


@pytest.fixture(autouse=True)
def _fresh_warnings():
    """TwilioErrorHandler warns once per process, as one process is one sync; here one test is one sync."""
    from source_twilio.components import PROGRESS, tried, warn_once

    warn_once.cache_clear()
    tried.cache_clear()
    PROGRESS.__init__()
    yield
    warn_once.cache_clear()
    tried.cache_clear()


_SEND = requests.Session.send


@pytest.fixture(autouse=True)
def _collector_unfrozen() -> Iterator[None]:
    """The entry point freezes what it has built before a read, as one process is one sync; here one test is one sync."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def _requests_left_unpatched() -> Iterator[None]:
    """A test that patches requests.Session.send and undoes it after its HttpMocker stopped leaves the mock in place for
    every later test of the process (other modules on the same pytest-xdist worker too): such a test fails here."""
    yield
    assert requests.Session.send is _SEND, "this test left requests.Session.send patched (undo a monkeypatch before the HttpMocker stops)"
