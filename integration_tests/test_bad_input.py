"""Bad input to the installed `source-twilio` command: each case gets a message that names what is wrong.

`check` answers CONNECTION_STATUS FAILED; `read` a TRACE config_error and exit code 1; neither prints a
traceback or the secret. A start date in the future is not an error: the read succeeds with nothing to read.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Tuple

import pytest

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import Run, catalog, run, sample_config

TOKEN = "sample-auth-token-for-the-fake-twilio"
STREAMS = ["conferences", "conference_participants"]


def _without(key: str) -> Callable[[dict], None]:
    return lambda config: config.pop(key)


def _set(*path_and_value: Any) -> Callable[[dict], None]:
    *path, value = path_and_value

    def change(config: dict) -> None:
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


# case: (change to the sample config, words the message must contain)
BAD_CONFIGS: Dict[str, Tuple[Callable[[dict], None], Tuple[str, ...]]] = {
    "account_sid missing": (_without("account_sid"), ("'account_sid' is missing",)),
    "account_sid of the wrong form": (_set("account_sid", "AC123"), ("'account_sid'", "AC followed by 32 hexadecimal characters", "'AC123'")),
    "auth_token missing": (_set("credentials", {"auth_type": "auth_token"}), ("'credentials.auth_token' is missing",)),
    "auth_token empty": (_set("credentials", "auth_token", ""), ("'credentials.auth_token' must not be empty",)),
    "auth_token not a string": (_set("credentials", "auth_token", 12345), ("'credentials.auth_token' must be of type string",)),
    "credentials of no known kind": (_set("credentials", {"auth_type": "password"}), ("'credentials.auth_type' must be one of",)),
    "start_date as a date only": (_set("start_date", "2024-01-01"), ("'start_date'", "YYYY-MM-DDTHH:MM:SSZ")),
    "start_date with an offset": (_set("start_date", "2024-01-01T00:00:00+02:00"), ("'start_date'", "YYYY-MM-DDTHH:MM:SSZ")),
    "start_date not a real date": (_set("start_date", "2024-02-30T00:00:00Z"), ("'start_date' is not a real date",)),
    "lookback_window negative": (_set("lookback_window", -5), ("'lookback_window' must be between 0 and 576000", "-5")),
    "num_workers zero": (_set("num_workers", 0), ("'num_workers' must be between 1 and 40",)),
    "num_workers above 40": (_set("num_workers", 41), ("'num_workers' must be between 1 and 40",)),
    "base_url not http(s)": (_set("base_url", "ftp://api.twilio.com"), ("'base_url' must have the form http(s)://",)),
    "base_url without a scheme": (_set("base_url", "api.twilio.com"), ("'base_url' must have the form http(s)://",)),
}


@pytest.fixture(scope="module")
def fake() -> FakeTwilio:
    with FakeTwilio(Dataset(conferences=20)) as server:
        yield server


@pytest.fixture(scope="module")
def bad_config_runs(fake) -> Dict[Tuple[str, str], Run]:
    """Every case through `check` and `read`, four processes at a time."""

    def one(case_and_command: Tuple[str, str]) -> Run:
        case, command = case_and_command
        config = copy.deepcopy(sample_config(fake.base_url))
        BAD_CONFIGS[case][0](config)
        return run(command, config, catalog(STREAMS) if command == "read" else None, timeout=120)

    keys = [(case, command) for case in BAD_CONFIGS for command in ("check", "read")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(keys, pool.map(one, keys)))


def _assert_clean_output(result: Run) -> None:
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything
    assert TOKEN not in everything
    assert "12345" not in everything


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_given_a_bad_config_when_check_then_failed_with_a_message_naming_the_field(bad_config_runs, case):
    result = bad_config_runs[(case, "check")]

    assert result.returncode == 0
    assert result.connection_status["status"] == "FAILED"
    for words in BAD_CONFIGS[case][1]:
        assert words in result.connection_status["message"]
    _assert_clean_output(result)


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_given_a_bad_config_when_read_then_a_config_error_naming_the_field(bad_config_runs, case):
    result = bad_config_runs[(case, "read")]

    assert result.returncode == 1
    assert result.records("conferences") == []
    assert [e["failure_type"] for e in result.errors] == ["config_error"]
    for words in BAD_CONFIGS[case][1]:
        assert words in result.errors[0]["message"]
    _assert_clean_output(result)


def test_given_a_start_date_in_the_future_when_check_and_read_then_succeeded_with_nothing_read(fake):
    config = sample_config(fake.base_url, start_date="2099-01-01T00:00:00Z")

    requests_before = fake.stats.requests
    checked = run("check", config)
    check_requests = fake.stats.requests - requests_before
    read = run("read", config, catalog(STREAMS))

    assert checked.connection_status == {"status": "SUCCEEDED"}
    assert check_requests >= 1, "the check still asks Twilio whether the credentials are good"
    assert read.returncode == 0, read.stderr[-2000:]
    assert read.errors == []
    assert read.of_type("RECORD") == []
    _assert_clean_output(read)


BAD_FILES = {
    "catalog not JSON": ("catalog", "{\"streams\": [", ("catalog file", "is not valid JSON", "line 1")),
    "catalog of the wrong shape": ("catalog", {"streams": [{"stream": {"name": "conferences"}}]}, ("catalog file", "not a valid configured catalog")),
    "state not JSON": ("state", "[{\"type\": \"STREAM\"", ("state file", "is not valid JSON")),
    "state not a list": ("state", {"conferences": {"date_updated": "2024-01-01T00:00:00Z"}}, ("state file", "must hold a JSON list of state messages")),
    "state of the wrong shape": ("state", [{"type": "STREAM", "stream": {"stream_state": {}}}], ("state file", "not a valid list of state messages")),
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
    assert [e["failure_type"] for e in result.errors] == ["config_error"]
    for word in words:
        assert word in result.errors[0]["message"]
    assert fake.stats.requests == requests_before, "nothing is read when an input file is malformed"
    _assert_clean_output(result)
