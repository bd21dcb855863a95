"""The fault scenarios of tools/reliability.py (the ones RELIABILITY.md reports), asserted.

All scenarios run at once (each its own fake Twilio and connector process), with the test-only read timeout and
backoff cap of tools/reliability.py (SHORT_WAITS: 3 s and 0.5 s instead of the connector's 30 s and 30 s, README's
Test-only settings): the slowest, a URL that never recovers, waits through ten backoffs of about 1.5 s. What the
tests assert (requests, retries, records, states, messages) does not depend on the waits.
"""

from __future__ import annotations

from typing import Dict

import pytest

from fake_twilio.dataset import iso
from fake_twilio.harness import comparable_state
from tools import reliability
from tools.reliability import READ_TIMEOUT_S, SCENARIOS, STREAMS, Outcome

RECOVERING = [s.name for s in SCENARIOS if s.expect == "complete" and s.name != "clean"]
NEVER_RECOVERING = [s.name for s in SCENARIOS if s.expect == "fails clearly"]


@pytest.fixture(scope="module")
def outcomes() -> Dict[str, Outcome]:
    return {o.scenario.name: o for o in reliability.run_all(parallel=True)}


def test_the_clean_read_reads_the_whole_dataset(outcomes):
    clean = outcomes["clean"]
    dataset = reliability.make_dataset()

    assert clean.run.returncode == 0, clean.run.stderr[-2000:]
    assert sorted(c["sid"] for c in clean.run.records("conferences")) == sorted(c.sid for c in dataset.all_conferences())
    assert len(clean.run.records("conference_participants")) == len(list(dataset.iter_participants()))
    assert len(clean.run.records("conference_participant_summaries")) == len(list(dataset.iter_participants(live_only=False)))
    assert clean.faults == {}


@pytest.mark.parametrize("name", RECOVERING)
def test_given_faults_that_pass_when_read_then_exactly_the_clean_records_and_state(outcomes, name):
    clean, outcome = outcomes["clean"], outcomes[name]

    assert outcome.run.returncode == 0, outcome.run.stderr[-2000:]
    assert outcome.faults, "the scenario injected no fault"
    assert outcome.requests > clean.requests, "every fault costs a retry"
    assert outcome.missing(clean) == 0
    assert outcome.extra(clean) == 0
    assert outcome.duplicated() == 0
    assert outcome.same_state_as(clean)
    assert outcome.run.errors == []
    assert outcome.leaked() == []


def test_given_answers_past_the_read_timeout_when_read_then_those_requests_are_retried(outcomes):
    clean, slow = outcomes["clean"], outcomes["slow server"]

    assert slow.faults == {"slow": 2}
    assert slow.requests == clean.requests + 2
    assert slow.wall_s >= READ_TIMEOUT_S


@pytest.mark.parametrize("name", NEVER_RECOVERING)
def test_given_a_url_that_never_recovers_when_read_then_a_bounded_retry_and_a_clear_error(outcomes, name):
    clean, outcome = outcomes["clean"], outcomes[name]
    scenario = outcome.scenario

    assert outcome.run.returncode == 1
    assert sum(outcome.faults.values()) == 11, "one request and ten retries"
    failed = outcome.failed_streams()
    assert len(failed) == 1
    first = outcome.run.errors[0]
    assert first["stream_descriptor"]["name"] == failed[0]
    assert first["failure_type"] == "transient_error"
    assert scenario.error_contains in first["message"]
    assert "Traceback" not in outcome.run.stderr
    others = [s for s in STREAMS if s not in failed]
    assert outcome.missing(clean, others) == 0
    assert outcome.duplicated() == 0
    assert outcome.leaked() == []


def test_given_a_url_that_never_recovers_when_read_then_the_state_stays_before_what_was_not_read(outcomes):
    """The Insights participant summaries of one conference were never read: the next sync must read them."""
    clean, outcome = outcomes["clean"], outcomes["HTML from a proxy, never recovering"]
    failed_state = comparable_state(outcome.run.final_state())["conference_participant_summaries"]
    clean_state = comparable_state(clean.run.final_state())["conference_participant_summaries"]
    stuck = reliability.make_dataset().all_conferences()[reliability.CONFERENCES // 2]

    def summaries_cursor(state):  # conference_summaries keeps one cursor per account; here there is one account
        [entry] = state["parent_state"]["conference_summaries"]["states"]
        return entry["cursor"]["create_time"]

    parent_cursor = summaries_cursor(failed_state)
    assert parent_cursor < summaries_cursor(clean_state)
    assert parent_cursor <= iso(stuck.date_created)
    assert "state" not in failed_state or failed_state["state"]["join_time"] < clean_state["state"]["join_time"]
