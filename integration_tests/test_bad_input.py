"""Bad input to the installed `source-twilio` command: each case gets a message that names what is wrong.

`check` answers CONNECTION_STATUS FAILED; `read` a TRACE config_error and exit code 1; neither prints the secret. A start date in the future is not an error: the read succeeds with nothing to read.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Tuple

import pytest

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import Run, catalog, run, sample_config
from unit_tests.builders.bad_configs import BAD_CONFIGS, BadConfig

TOKEN = "sample-auth-token-for-the-fake-twilio"
STREAMS = ["conferences", "conference_participants"]


@pytest.fixture(scope="module")
def fake() -> FakeTwilio:
    with FakeTwilio(Dataset(conferences=20)) as server:
        yield server


# The bad-config table of the unit tests (unit_tests/builders/bad_configs.py), which read every case in-process: here the
# cases it marks `end_to_end` (one of each kind) through the installed command's `check` and `read`.
END_TO_END = [bad for bad in BAD_CONFIGS if bad.end_to_end]
RUNS = [(bad, command) for bad in END_TO_END for command in ("check", "read")]


@pytest.fixture(scope="module")
def bad_config_runs(fake) -> Dict[Tuple[str, str], Run]:
    """Every run of RUNS, four processes at a time."""

    def one(bad_and_command: Tuple[BadConfig, str]) -> Run:
        bad, command = bad_and_command
        config = bad.apply(sample_config(fake.base_url))
        return run(command, config, catalog(STREAMS) if command == "read" else None, timeout=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return {(bad.case, command): result for (bad, command), result in zip(RUNS, pool.map(one, RUNS))}


def _assert_clean_output(result: Run) -> None:
    everything = result.stdout + result.stderr
    assert TOKEN not in everything
    assert "12345" not in everything


@pytest.mark.parametrize("bad", END_TO_END, ids=lambda bad: bad.case)
def test_given_a_bad_config_when_check_then_failed_with_its_message(bad_config_runs, bad):
    result = bad_config_runs[(bad.case, "check")]

    assert result.returncode == 0
    assert result.connection_status["status"] == "FAILED"
    assert bad.message in result.connection_status["message"]
    _assert_clean_output(result)


@pytest.mark.parametrize("bad", END_TO_END, ids=lambda bad: bad.case)
def test_given_a_bad_config_when_read_then_exit_1_and_a_config_error_with_its_message(bad_config_runs, bad):
    result = bad_config_runs[(bad.case, "read")]

    assert result.returncode == 1
    assert result.records("conferences") == []
    assert {e["failure_type"] for e in result.errors} == {"config_error"}
    assert bad.message in result.errors[0]["message"]
    _assert_clean_output(result)


def test_given_a_token_that_is_not_a_string_when_read_then_it_is_masked_in_the_message(bad_config_runs):
    assert "Config validation error: **** is not of type 'string'" in bad_config_runs[("auth_token not a string", "read")].errors[0]["message"]


def test_given_a_start_date_in_the_future_when_check_and_read_then_succeeded_with_nothing_read(fake):
    config = sample_config(fake.base_url, start_date="2099-01-01T00:00:00Z")

    requests_before = fake.stats.requests
    checked = run("check", config)
    check_requests = fake.stats.requests - requests_before
    read = run("read", config, catalog(STREAMS))

    assert checked.connection_status == {"status": "SUCCEEDED"}
    assert check_requests == 2, "the credentials tried once, then the check's one window of conferences"
    assert read.returncode == 0, read.stderr[-2000:]
    assert read.errors == []
    assert read.of_type("RECORD") == []
    _assert_clean_output(read)


# A malformed file is reported as Airbyte's runner reports it ("Error starting the sync. ... Error: <the problem>"),
# in every host, before any request.
BAD_FILES = {
    "catalog not JSON": ("catalog", "{\"streams\": [", ("Error starting the sync", "catalog.json", "Expecting value")),
    "catalog of the wrong shape": ("catalog", {"streams": [{"stream": {"name": "conferences"}}]}, ("Error starting the sync", "json_schema")),
    "state not JSON": ("state", "[{\"type\": \"STREAM\"", ("Error starting the sync", "state.json")),
    "state not a list": ("state", {"conferences": {"date_updated": "2024-01-01T00:00:00Z"}}, ("Error starting the sync", "is not of type")),
    "state of the wrong shape": ("state", [{"type": "STREAM", "stream": {"stream_state": {}}}], ("Error starting the sync", "stream_descriptor")),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_given_a_malformed_catalog_or_state_when_read_then_a_config_error_naming_the_file(fake, case):
    which, content, words = BAD_FILES[case]
    good_catalog = catalog(STREAMS)
    requests_before = fake.stats.requests

    result = run(
        "read",
        sample_config(fake.base_url),
        content if which == "catalog" else good_catalog,
        content if which == "state" else None,
    )

    assert result.returncode == 1
    assert len(result.errors) == 1
    for word in words:
        assert word in result.errors[0]["message"]
    assert fake.stats.requests == requests_before, "nothing is read when an input file is malformed"
    _assert_clean_output(result)
