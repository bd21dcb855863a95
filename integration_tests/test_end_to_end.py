"""The installed `source-twilio` command against the fake Twilio, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from jsonschema import Draft7Validator, FormatChecker

from fake_twilio import Dataset
from fake_twilio.dataset import iso
from fake_twilio.harness import catalog, conference_cursors, run, sample_config, stream_state
from integration_tests.expected_records import PATH as EXPECTED_RECORDS
from integration_tests.expected_records import START_DATE, read_snapshot, snapshot_dataset

SCHEMAS = yaml.safe_load((Path(__file__).resolve().parent.parent / "source_twilio" / "manifest.yaml").read_text())["schemas"]
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
BOTH = ["conferences", "conference_participants"]



def _assert_valid_records(stream: str, records: list) -> None:
    validator = Draft7Validator(SCHEMAS[stream], format_checker=FormatChecker())
    for record in records:
        validator.validate(record)
        for name in ("date_created", "date_updated"):
            assert record[name] is None or ISO_UTC.match(record[name]), record[name]


class TestFullRefresh:
    def test_given_a_dataset_when_read_then_every_conference_and_live_participant_exactly_once(self, start_fake):
        dataset = Dataset(conferences=200, seed=5)
        fake = start_fake(dataset)

        result = run("read", sample_config(fake.base_url), catalog(BOTH, incremental=False))

        assert result.returncode == 0, result.stderr[-2000:]
        conferences, participants = result.records("conferences"), result.records("conference_participants")
        assert Counter(c["sid"] for c in conferences) == Counter(c.sid for c in dataset.all_conferences())
        assert Counter((p["conference_sid"], p["call_sid"]) for p in participants) == Counter(
            (p.conference_sid, p.call_sid) for p in dataset.iter_participants(live_only=True)
        )
        by_sid = {c.sid: c for c in dataset.all_conferences()}
        assert all(c["date_updated"] == iso(by_sid[c["sid"]].date_updated) for c in conferences)
        _assert_valid_records("conferences", conferences)
        _assert_valid_records("conference_participants", participants)
        assert fake.stats.statuses.keys() == {200}

    def test_given_a_start_date_inside_the_dataset_when_read_then_only_conferences_updated_since(self, start_fake):
        dataset = Dataset(conferences=150, seed=6)
        fake = start_fake(dataset)
        start = dataset.anchor - timedelta(days=45)

        result = run("read", sample_config(fake.base_url, start_date=iso(start)), catalog(["conferences"], incremental=False))

        assert sorted(c["sid"] for c in result.records("conferences")) == sorted(
            c.sid for c in dataset.all_conferences() if c.date_updated >= start
        )


class TestIncremental:
    def test_given_changes_between_syncs_when_read_from_the_last_state_then_every_change_comes_back(self, start_fake, record_property):
        dataset = Dataset(conferences=250, seed=8)
        fake = start_fake(dataset)
        config = sample_config(fake.base_url)  # lookback_window: 60 minutes

        first = run("read", config, catalog(BOTH))
        state = first.final_state()
        saved = conference_cursors(state)

        live = dataset.live_conferences()
        ended = [dataset.end_conference(c.sid).sid for c in live[:3]]
        completed = [c for c in dataset.all_conferences() if not c.live and c.sid not in ended]
        renamed = [dataset.update_conference(c.sid, friendly_name="renamed").sid for c in completed[-2:]]
        added = [c.sid for c in dataset.add_conferences(4)] + [c.sid for c in dataset.add_conferences(2, live=True)]
        changed = set(ended) | set(renamed) | set(added)

        second = run("read", config, catalog(BOTH), state)

        assert second.returncode == 0, second.stderr[-2000:]
        records = {c["sid"]: c for c in second.records("conferences")}
        assert len(records) == len(second.records("conferences")), "no conference twice in one sync"
        assert changed <= set(records)
        assert all(records[sid]["status"] == "completed" and records[sid]["reason_conference_ended"] for sid in ended)
        assert all(records[sid]["friendly_name"] == "renamed" for sid in renamed)
        # Each status partition re-reads from its own cursor, minus the 60-minute lookback; a live status's cursor is
        # never older than 48 hours (StatusCursors).
        live_floor = datetime.now(timezone.utc) - timedelta(hours=48)

        def cursor_start(status: str) -> datetime:
            cursor = datetime.strptime(saved[(dataset.main_account.sid, status)], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            return (cursor if status == "completed" else max(cursor, live_floor.replace(microsecond=0))) - timedelta(minutes=60)

        reread = set(records) - changed
        assert reread == {c.sid for c in dataset.all_conferences() if c.sid not in changed and c.date_updated >= cursor_start(c.status)}
        record_property("unchanged_conferences_reread", len(reread))
        assert stream_state(second.final_state(), "conferences")["state"]["date_updated"] == max(
            iso(c.date_updated) for c in dataset.all_conferences()
        )


class TestBadCredentials:
    TOKEN = "wrong-token-3f9a1c7e5b"

    def test_given_a_wrong_token_when_check_then_failed_with_a_clear_message_and_no_token(self, start_fake):
        fake = start_fake(Dataset(conferences=10))

        result = run("check", sample_config(fake.base_url, auth_token=self.TOKEN))

        assert result.returncode == 0
        assert result.connection_status["status"] == "FAILED"
        assert "rejected the credentials" in result.connection_status["message"]
        assert self.TOKEN not in result.stdout + result.stderr

    def test_given_a_wrong_token_when_read_then_a_config_error_and_no_token(self, start_fake):
        fake = start_fake(Dataset(conferences=10))

        result = run("read", sample_config(fake.base_url, auth_token=self.TOKEN), catalog(BOTH))

        assert result.returncode != 0
        assert result.errors and {e["failure_type"] for e in result.errors} == {"config_error"}
        assert "rejected the credentials" in result.errors[0]["message"]
        assert result.records("conferences") == []
        assert self.TOKEN not in result.stdout + result.stderr

    def test_given_the_right_token_when_check_then_succeeded(self, start_fake):
        fake = start_fake(Dataset(conferences=10))

        result = run("check", sample_config(fake.base_url))

        assert result.connection_status == {"status": "SUCCEEDED"}


class TestExpectedRecords:
    def test_given_the_fixed_dataset_when_read_then_exactly_the_expected_records(self):
        expected = [json.loads(line) for line in EXPECTED_RECORDS.read_text().splitlines()]

        actual = read_snapshot()

        key = lambda record: (record["stream"], record["data"]["sid"])  # noqa: E731
        assert sorted(actual, key=key) == sorted(expected, key=key)
        # The snapshot itself against the dataset it was read from, not against a count it once had.
        start = datetime.strptime(START_DATE, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        updated_since = {c.sid: iso(c.date_updated) for c in snapshot_dataset().all_conferences() if c.date_updated >= start}
        assert updated_since, "the fixed dataset has conferences to compare"
        assert [r["stream"] for r in expected] == ["conferences"] * len(updated_since)
        assert {r["data"]["sid"]: r["data"]["date_updated"] for r in expected} == updated_since
