"""A user's mistakes, end to end over the fake Twilio: each gets one clear answer, and no secret leaks in any form.

Every connector run here is also searched by the harness for the config's secrets and their base64 forms (the value
of an HTTP Basic header), as every run of the integration tests is (integration_tests/conftest.py).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess

import pytest

from fake_twilio import Dataset
from fake_twilio.harness import COMMAND, LOOPBACK_ONLY, Workdir, catalog, run, sample_config

ALL = ["conferences", "conference_participants", "conference_summaries", "conference_participant_summaries"]
WRONG_TOKEN = "wrong-token-5e8c1a2b"


def _basic(user: str, secret: str) -> str:
    return base64.b64encode(f"{user}:{secret}".encode()).decode()


@pytest.mark.parametrize("how", [pytest.param({"LOG_LEVEL": "debug"}, id="LOG_LEVEL=debug"), pytest.param("--debug", id="--debug")])
@pytest.mark.parametrize("auth", ["auth_token", "api_key"])
def test_given_debug_logs_when_read_then_the_authorization_header_is_masked(start_fake, how, auth):
    dataset = Dataset(conferences=8, seed=51)
    fake = start_fake(dataset)
    config = sample_config(fake.base_url)
    if auth == "api_key":
        key = dataset.add_api_key()
        config["credentials"] = {"auth_type": "api_key", "api_key_sid": key.sid, "api_key_secret": key.secret}
        user, secret = key.sid, key.secret
    else:
        user, secret = config["account_sid"], config["credentials"]["auth_token"]
    work = Workdir()
    try:
        args = [COMMAND, "read", "--config", work.write("config.json", config), "--catalog", work.write("catalog.json", catalog(["conferences"]))]
        result = subprocess.run(args + (["--debug"] if how == "--debug" else []), capture_output=True, text=True, timeout=120,
                                env={**os.environ, **LOOPBACK_ONLY, **(how if isinstance(how, dict) else {})})
    finally:
        work.cleanup()
    output = result.stdout + result.stderr

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Authorization" in output, "the debug log shows the request headers"
    assert _basic(user, secret) not in output and secret not in output
    assert "Basic ****" in output


class TestAWrongToken:
    def test_given_a_wrong_token_when_read_then_one_request_and_one_plain_config_error(self, start_fake):
        fake = start_fake(Dataset(conferences=40, seed=52))
        config = sample_config(fake.base_url, auth_token=WRONG_TOKEN, start_date="2024-11-01T00:00:00Z")

        result = run("read", config, catalog(ALL))

        assert result.returncode == 1
        assert fake.stats.requests == 1, "the credentials are tried once, before any stream starts"
        [error] = result.errors
        assert error["failure_type"] == "config_error"
        assert error["message"].startswith("Twilio rejected the credentials (HTTP 401, Twilio error 20003")
        assert not [m for m in result.of_type("LOG") if "Traceback" in m["log"]["message"]]
        assert len(result.stdout) + len(result.stderr) < 20_000
        assert result.records("conferences") == []

    def test_given_a_wrong_token_when_check_then_failed_with_the_plain_sentence_after_one_request(self, start_fake):
        fake = start_fake(Dataset(conferences=10, seed=53))

        result = run("check", sample_config(fake.base_url, auth_token=WRONG_TOKEN))

        assert result.connection_status["status"] == "FAILED"
        assert "Twilio rejected the credentials" in result.connection_status["message"]
        assert fake.stats.requests == 1
        assert not [m for m in result.of_type("LOG") if "Traceback" in m["log"]["message"]]

    def test_given_a_closed_account_when_read_then_the_same_single_error(self, start_fake):
        dataset = Dataset(conferences=10, seed=54)
        dataset.main_account.status = "closed"
        fake = start_fake(dataset)

        result = run("read", sample_config(fake.base_url), catalog(ALL))

        assert result.returncode == 1 and fake.stats.requests == 1
        assert [e["failure_type"] for e in result.errors] == ["config_error"]


def test_given_a_catalog_with_a_stream_this_source_lacks_when_read_then_a_warning_and_the_others_read(start_fake):
    dataset = Dataset(conferences=6, seed=55)
    fake = start_fake(dataset)
    configured = catalog(["conferences"], incremental=False)
    calls = copy.deepcopy(configured["streams"][0])
    calls["stream"]["name"] = "calls"
    configured["streams"].append(calls)

    result = run("read", sample_config(fake.base_url), configured)

    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.records("conferences")) == 6
    warnings = [m["log"]["message"] for m in result.of_type("LOG") if m["log"]["level"] == "WARN"]
    assert any("calls" in w and all(name in w for name in ALL) for w in warnings), warnings


def test_given_no_command_when_run_then_the_usage_and_no_traceback():
    result = subprocess.run([COMMAND], capture_output=True, text=True, timeout=60)

    assert "usage: source-twilio" in result.stdout and "{spec,check,discover,read}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_given_a_plain_command_when_run_then_no_memory_monitor_line():
    result = subprocess.run([COMMAND, "spec"], capture_output=True, text=True, timeout=60)

    assert [json.loads(line)["type"] for line in result.stdout.splitlines()] == ["SPEC"]
