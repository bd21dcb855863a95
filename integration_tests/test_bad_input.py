"""Bad input to the installed `source-twilio` command: each case gets a message that names what is wrong.

`check` answers CONNECTION_STATUS FAILED; `read` a TRACE config_error and exit code 1; neither prints the secret. A start date in the future is not an error: the read succeeds with nothing to read.
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


# case: (change to the sample config, words the message must contain). Value rules are the manifest's
# config_normalization_rules.validations (ConfigRule, a plain message naming the field); missing fields and wrong
# types are the CDK's own check of the config against the spec ("Config validation error: ...", secrets masked).
BAD_CONFIGS: Dict[str, Tuple[Callable[[dict], None], Tuple[str, ...]]] = {
    "account_sid missing": (_without("account_sid"), ("'account_sid' is a required property",)),
    "account_sid of the wrong form": (_set("account_sid", "AC123"), ("'account_sid' must be AC followed by 32 hexadecimal characters",)),
    "credentials missing": (_without("credentials"), ("'credentials' is missing: give the account's Auth Token, or an API key",)),
    "auth_token missing": (_set("credentials", {"auth_type": "auth_token"}), ("Config validation error",)),
    "auth_token empty": (_set("credentials", "auth_token", ""), ("'credentials.auth_token' must be the account's Auth Token, a non-empty string",)),
    "auth_token not a string": (_set("credentials", "auth_token", 12345), ("**** is not of type 'string'",)),
    "credentials of no known kind": (_set("credentials", {"auth_type": "password"}), ("is not valid under any of the given schemas",)),
    "start_date as a date only": (_set("start_date", "2024-01-01"), ("'start_date' must be a real UTC date and time as YYYY-MM-DDTHH:MM:SSZ",)),
    "start_date with an offset": (_set("start_date", "2024-01-01T00:00:00+02:00"), ("'start_date' must be a real UTC date and time",)),
    "start_date not a real date": (_set("start_date", "2024-02-30T00:00:00Z"), ("'start_date' must be a real UTC date and time",)),
    "lookback_window negative": (_set("lookback_window", -5), ("'lookback_window' must be a whole number of minutes from 0 to 576000",)),
    "num_workers zero": (_set("num_workers", 0), ("'num_workers' (concurrent requests) must be a whole number from 1 to 40",)),
    "num_workers above 40": (_set("num_workers", 41), ("'num_workers' (concurrent requests) must be a whole number from 1 to 40",)),
    "base_url not http(s)": (_set("base_url", "ftp://api.twilio.com"), ("'base_url' must be http(s)://host[:port][/path]",)),
    "base_url without a scheme": (_set("base_url", "api.twilio.com"), ("'base_url' must be http(s)://host[:port][/path]",)),
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
    assert {e["failure_type"] for e in result.errors} == {"config_error"}
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
