"""The fake Twilio's knobs do what the fault, speed and interruption tests rely on."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from fake_twilio import Dataset, Faults


def _conferences_url(fake) -> str:
    return f"{fake.base_url}/2010-04-01/Accounts/{fake.dataset.main_account.sid}/Conferences.json?Status=completed"


def _auth(fake):
    return fake.dataset.main_account.sid, fake.dataset.main_account.auth_token


def test_given_latency_when_requested_then_no_answer_comes_sooner(start_fake):
    fake = start_fake(Dataset(conferences=5), latency=0.3)

    took = []
    for _ in range(2):
        started = time.monotonic()
        status = requests.get(_conferences_url(fake), auth=_auth(fake), timeout=30).status_code
        took.append(time.monotonic() - started)

    assert status == 200
    assert min(took) >= 0.3  # a lower bound only: a busy machine makes answers later, never sooner


def test_given_requests_held_together_when_in_parallel_then_served_at_once_and_the_most_in_flight_counted(start_fake):
    """Each request waits in the fake until all six are in it (a barrier, not a clock): a server that answered
    one at a time would never let the barrier open, and max_in_flight must say six, not more, not fewer."""
    together = threading.Barrier(6, timeout=20)
    fake = start_fake(Dataset(conferences=5), on_request=lambda record: together.wait())

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: requests.get(_conferences_url(fake), auth=_auth(fake), timeout=30).status_code, range(6)))

    assert statuses == [200] * 6
    assert fake.stats.requests == 6 and fake.stats.max_in_flight == 6
    assert fake.stats.in_flight == 0


def test_given_faults_on_chosen_requests_when_requested_then_each_fault_in_turn(start_fake):
    fake = start_fake(Dataset(conferences=60), faults=Faults(on_requests={1: "429-retry-after", 2: "429", 3: "503", 4: "html", 5: "malformed-json"}))
    url, auth = _conferences_url(fake), _auth(fake)

    responses = [requests.get(url, auth=auth, timeout=5) for _ in range(6)]

    assert [r.status_code for r in responses] == [429, 429, 503, 502, 200, 200]
    assert responses[0].headers["Retry-After"] == "1" and "Retry-After" not in responses[1].headers
    assert responses[0].json()["code"] == 20429
    assert responses[3].headers["Content-Type"] == "text/html"
    with pytest.raises(ValueError):
        responses[4].json()
    assert len(responses[5].json()["conferences"]) == 50
    assert fake.stats.faults == {"429-retry-after": 1, "429": 1, "503": 1, "html": 1, "malformed-json": 1}


def test_given_a_drop_fault_when_requested_then_the_connection_closes_mid_body(start_fake):
    fake = start_fake(Dataset(conferences=60), faults=Faults(on_requests={1: "drop"}))
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    connection.request("GET", _conferences_url(fake).replace(fake.base_url, ""), headers={"Authorization": requests.auth._basic_auth_str(*_auth(fake))})
    response = connection.getresponse()

    with pytest.raises(http.client.IncompleteRead):
        response.read()
    connection.close()


def test_given_a_rate_when_many_requests_then_about_that_share_fails_and_max_per_path_bounds_it(start_fake):
    fake = start_fake(Dataset(conferences=5), faults=Faults(rates={"500": 0.3}, seed=4))

    failures = sum(requests.get(_conferences_url(fake) + f"&n={n}", auth=_auth(fake), timeout=5).status_code == 500 for n in range(300))

    assert 60 <= failures <= 120
    bounded = start_fake(Dataset(conferences=5), faults=Faults(rates={"500": 1.0}, max_per_path=2))
    statuses = [requests.get(_conferences_url(bounded), auth=_auth(bounded), timeout=5).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_given_changes_when_the_dataset_is_mutated_then_the_next_response_shows_them(start_fake):
    dataset = Dataset(conferences=20)
    fake = start_fake(dataset)
    live = dataset.live_conferences()[0]

    dataset.end_conference(live.sid)
    added = dataset.add_conferences(2)
    body = requests.get(_conferences_url(fake) + "&PageSize=1000", auth=_auth(fake), timeout=5).json()

    listed = {c["sid"]: c for c in body["conferences"]}
    assert listed[live.sid]["reason_conference_ended"] == "last-participant-left"
    assert {c.sid for c in added} <= set(listed)


def test_given_the_shell_command_when_started_then_it_prints_where_it_listens_and_stops_on_sigterm(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_twilio", "--conferences", "7"],
        cwd=tmp_path,  # not the checkout: the installed package runs
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(process.stdout.readline())
        assert info["base_url"].startswith("http://127.0.0.1:")
        stats = requests.get(info["base_url"] + "/_fake/stats", timeout=5).json()
        body = requests.get(
            f"{info['base_url']}/2010-04-01/Accounts/{info['account_sid']}/Conferences.json?Status=completed",
            auth=(info["account_sid"], info["auth_token"]),
            timeout=5,
        ).json()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)

    assert process.returncode == 0
    assert stats["requests"] == 1
    assert len(body["conferences"]) == info["conferences"] - info["live_conferences"]
