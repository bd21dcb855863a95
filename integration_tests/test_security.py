"""Credentials go only to the configured hosts, over verified TLS, and never appear in any output."""

from __future__ import annotations

import pytest

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import catalog, leaked_secrets, run, sample_config, scan_for_secrets
from integration_tests.tls import self_signed_certificate, server_context

TOKEN = "sample-auth-token-for-the-fake-twilio"


@pytest.mark.parametrize(
    "stream, link",
    [("conferences", "next_page_uri"), ("conference_summaries", "meta.next_page_url")],
)
def test_given_a_next_page_link_to_another_origin_when_read_then_refused_and_nothing_sent_there(start_fake, stream, link):
    """The other origin differs only by its port: a recording listener, as an attacker's host would be."""
    recorder = start_fake(Dataset(conferences=5))
    twilio = start_fake(Dataset(conferences=40), page_size_cap=5, next_origin=recorder.base_url)

    result = run("read", sample_config(twilio.base_url), catalog([stream]))

    assert recorder.stats.requests == 0, f"the {link} origin received {recorder.stats.log}"
    assert twilio.stats.requests >= 1
    assert result.returncode == 1
    assert any(f"next-page link to another host ({recorder.base_url})" in e["message"] for e in result.errors)
    assert TOKEN not in result.stdout + result.stderr


@pytest.fixture
def https_fake(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    with FakeTwilio(Dataset(conferences=30), tls=server_context(cert, key)) as fake:
        yield fake, cert


# What a user might try to turn verification off with: config keys (the spec allows extra ones) and the
# environment variables Python and requests read. None of them may work.
SWITCHES_OFF = (
    {key: False for key in ("verify", "verify_ssl", "ssl_verify", "tls_verify", "verify_certificate")}
    | {key: True for key in ("insecure", "disable_ssl_verification", "skip_tls_verify", "allow_insecure")},
    {"PYTHONHTTPSVERIFY": "0", "CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": ""},
)


@pytest.mark.parametrize("switches", [({}, {}), SWITCHES_OFF], ids=["default", "with every switch to turn it off"])
def test_given_a_certificate_nobody_trusts_when_check_and_read_then_a_config_error_and_no_request(https_fake, switches):
    fake, _ = https_fake
    extra_config, env = switches
    config = sample_config(fake.base_url, **extra_config)
    host = fake.base_url.removeprefix("https://")

    checked = run("check", config, env=env)
    read = run("read", config, catalog(["conferences"]), env=env)

    assert checked.connection_status["status"] == "FAILED"
    assert f"TLS certificate of {host} could not be verified" in checked.connection_status["message"]
    assert read.returncode == 1
    assert read.errors and read.errors[0]["failure_type"] == "config_error"
    assert f"TLS certificate of {host} could not be verified" in read.errors[0]["message"]
    assert "Retrying" not in read.stdout, "a certificate does not verify on a second try"
    assert fake.stats.requests == 0, "no HTTP request, so no Authorization header, went out"
    assert TOKEN not in checked.stdout + checked.stderr + read.stdout + read.stderr


def test_given_a_certificate_the_system_trusts_when_read_then_the_records_over_https(https_fake):
    """The same server, trusted through the standard REQUESTS_CA_BUNDLE: verification is real, not a refusal of HTTPS."""
    fake, cert = https_fake

    result = run("read", sample_config(fake.base_url), catalog(["conferences"]), env={"REQUESTS_CA_BUNDLE": str(cert)})

    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.records("conferences")) == len(fake.dataset.all_conferences())
    assert fake.stats.requests >= 1


def test_the_secret_scan_of_every_run_finds_a_printed_token_anywhere_in_a_config():
    config = {"credentials": {"auth_type": "api_key", "api_key_sid": "SK" + "0" * 32, "api_key_secret": "s3cr3t-value"}}
    scan_for_secrets(config, '{"type":"LOG","log":{"message":"clean"}}', "")
    scan_for_secrets(config, "", "Basic auth with s3cr3t-value failed")

    leaks = leaked_secrets()

    assert len(leaks) == 1 and "failed" not in leaks[0] and "Basic auth with" in leaks[0]
