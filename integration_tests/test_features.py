"""Voice Insights, subaccounts, API keys and filters, end to end against the fake Twilio."""

from __future__ import annotations

import json
from collections import Counter

from fake_twilio import Dataset
from fake_twilio.dataset import iso
from fake_twilio.harness import catalog, conference_cursors, run, sample_config, without_control_messages

INSIGHTS = ["conference_summaries", "conference_participant_summaries"]
CREDENTIALS_CHECK_DAY = "2008-01-01"  # TwilioBasicAuth tries the credentials on conferences updated that day
ALL = ["conferences", "conference_participants", *INSIGHTS]



class TestVoiceInsights:
    def test_given_a_dataset_when_read_then_every_summary_and_participant_summary_exactly_once(self, start_fake):
        dataset = Dataset(conferences=80, seed=31)
        fake = start_fake(dataset)

        result = run("read", sample_config(fake.base_url), catalog(INSIGHTS, incremental=False))

        assert result.returncode == 0, result.stderr[-2000:]
        assert Counter(s["conference_sid"] for s in result.records("conference_summaries")) == Counter(c.sid for c in dataset.all_conferences())
        assert Counter(p["participant_sid"] for p in result.records("conference_participant_summaries")) == Counter(
            p.participant_sid for p in dataset.iter_participants(live_only=False)
        )
        # the 2010 API gets only the credentials check that comes before any stream
        assert fake.stats.paths("/v1/") and [r.query.get("DateUpdated>") for r in fake.stats.paths("/2010-04-01/")] == [CREDENTIALS_CHECK_DAY]

    def test_given_summaries_in_progress_when_the_next_sync_runs_then_their_final_versions_come_back(self, start_fake):
        dataset = Dataset(conferences=60, seed=32)
        # Besides the live conferences, the oldest of them has just ended: its summary is still being processed,
        # and it was created before the newest summary, so before the cursor the first sync saves.
        ended_earlier = dataset.end_conference(min(dataset.live_conferences(), key=lambda c: c.date_created).sid)
        fake = start_fake(dataset)
        config = sample_config(fake.base_url, lookback_window=0)
        first = run("read", config, catalog(INSIGHTS))
        unfinished = {s["conference_sid"] for s in first.records("conference_summaries") if s["processing_state"] != "complete"}
        assert unfinished == {c.sid for c in dataset.all_conferences() if c.summary_state != "complete"} != set()

        assert ended_earlier.sid in unfinished
        for sid in unfinished - {ended_earlier.sid}:
            dataset.end_conference(sid)
        finalized = {c.sid for c in dataset.finalize_summaries()}
        second = run("read", config, catalog(INSIGHTS), first.final_state())

        assert second.returncode == 0, second.stderr[-2000:]
        latest = {s["conference_sid"]: s for s in second.records("conference_summaries")}
        assert unfinished <= finalized <= set(latest)
        assert all(latest[sid]["processing_state"] == "complete" and latest[sid]["status"] == "completed" for sid in unfinished)
        newest = max(s["create_time"] for s in first.records("conference_summaries"))
        assert latest[ended_earlier.sid]["create_time"] < newest  # read again although created before the saved cursor
        final_participants = {p["participant_sid"]: p for p in second.records("conference_participant_summaries")}
        expected = {p.participant_sid for sid in unfinished for p in dataset.conference(sid).participants}
        assert expected <= set(final_participants)
        assert all(final_participants[p]["processing_state"] == "complete" and final_participants[p]["leave_time"] for p in expected)

    def test_given_insights_not_enabled_when_read_then_one_warning_and_the_other_streams_in_full(self, start_fake):
        dataset = Dataset(conferences=40, seed=33)
        dataset.main_account.insights_enabled = False
        fake = start_fake(dataset)

        result = run("read", sample_config(fake.base_url), catalog(ALL, incremental=False))

        assert result.returncode == 0 and result.errors == []
        assert result.records("conference_summaries") == result.records("conference_participant_summaries") == []
        assert len(result.records("conferences")) == 40
        assert len(result.records("conference_participants")) == len(list(dataset.iter_participants()))
        warnings = [m["log"]["message"] for m in result.of_type("LOG") if m["log"]["level"] == "WARN" and "Advanced Features" in m["log"]["message"]]
        assert len(warnings) == 1


class TestSubaccounts:
    def test_given_three_subaccounts_when_read_then_all_are_read_each_with_its_own_state(self, start_fake):
        dataset = Dataset(conferences=30, subaccounts=3, closed_subaccounts=1, seed=34)
        fake = start_fake(dataset)
        config = sample_config(fake.base_url, include_subaccounts=True)
        open_accounts = {a.sid for a in dataset.accounts.values() if a.status != "closed"}

        first = run("read", config, catalog(ALL))

        assert first.returncode == 0, first.stderr[-2000:]
        assert len(open_accounts) == 4
        for stream, expected in (
            ("conferences", [c.sid for a in open_accounts for c in dataset.all_conferences(a)]),
            ("conference_summaries", [c.sid for a in open_accounts for c in dataset.all_conferences(a)]),
            ("conference_participants", [p.call_sid for a in open_accounts for p in dataset.iter_participants(a)]),
        ):
            key = "sid" if stream == "conferences" else "conference_sid" if stream == "conference_summaries" else "call_sid"
            assert sorted(r[key] for r in first.records(stream)) == sorted(expected), stream
        assert {r["account_sid"] for stream in ALL for r in first.records(stream)} == open_accounts
        cursors = conference_cursors(first.final_state())
        assert {account for account, _ in cursors} == open_accounts

        sub = sorted(open_accounts - {dataset.main_account.sid})[1]
        dataset.add_conferences(2, account_sid=sub)
        second = run("read", config, catalog(["conferences"]), first.final_state())

        after = conference_cursors(second.final_state())
        others = open_accounts - {sub}
        assert after[(sub, "completed")] == max(iso(c.date_updated) for c in dataset.all_conferences(sub) if c.status == "completed")
        assert {a: after[(a, "completed")] for a in others} == {a: cursors[(a, "completed")] for a in others}


class TestCredentialsAndFilters:
    def test_given_an_api_key_when_read_then_the_same_records_as_with_the_auth_token(self, start_fake):
        dataset = Dataset(conferences=50, seed=35)
        key = dataset.add_api_key()
        fake = start_fake(dataset)

        with_token = run("read", sample_config(fake.base_url), catalog(ALL, incremental=False))
        with_key = run(
            "read",
            sample_config(fake.base_url, credentials={"auth_type": "api_key", "api_key_sid": key.sid, "api_key_secret": key.secret}),
            catalog(ALL, incremental=False),
        )

        assert with_key.returncode == 0, with_key.stderr[-2000:]
        for stream in ALL:
            ordered = lambda records: sorted(json.dumps(r, sort_keys=True) for r in records)  # noqa: E731
            assert ordered(with_key.records(stream)) == ordered(with_token.records(stream)) != []
        assert key.secret not in with_key.stdout + with_key.stderr
        assert {r.username for r in fake.stats.log if r.username} == {dataset.main_account.sid, key.sid}

    def test_given_an_old_config_with_a_top_level_token_when_read_then_migrated_by_a_control_message(self, start_fake):
        dataset = Dataset(conferences=20, seed=36)
        fake = start_fake(dataset)
        config = sample_config(fake.base_url)
        token = config.pop("credentials")["auth_token"]
        config["auth_token"] = token

        result = run("read", config, catalog(["conferences"], incremental=False))

        assert result.returncode == 0, result.stderr[-2000:]
        assert len(result.records("conferences")) == 20
        controls = [m["control"]["connectorConfig"]["config"] for m in result.of_type("CONTROL")]
        assert len(controls) == 1, "the migrated config goes to the platform once, which saves it"
        assert controls[0]["credentials"] == {"auth_type": "auth_token", "auth_token": token} and "auth_token" not in controls[0]
        assert token not in without_control_messages(result.stdout) + result.stderr

    def test_given_status_and_name_filters_when_read_then_twilio_gets_them_as_query_parameters(self, start_fake):
        dataset = Dataset(conferences=120, seed=37)
        name = dataset.all_conferences()[5].friendly_name
        fake = start_fake(dataset)

        result = run(
            "read",
            sample_config(fake.base_url, conference_status=["completed"], friendly_name=name),
            catalog(["conferences", "conference_participants", "conference_summaries"], incremental=False),
        )

        assert result.returncode == 0, result.stderr[-2000:]
        assert sorted(c["sid"] for c in result.records("conferences")) == sorted(
            c.sid for c in dataset.all_conferences() if c.status == "completed" and c.friendly_name == name
        )
        assert result.records("conference_participants") == []
        lists = [r for r in fake.stats.paths("/Conferences.json") if r.query.get("DateUpdated>") != CREDENTIALS_CHECK_DAY]
        assert lists and all(r.query.get("Status") == "completed" and r.query.get("FriendlyName") == name for r in lists)
        summaries = fake.stats.paths("/v1/Conferences")
        assert summaries and all(r.query.get("FriendlyName") == name for r in summaries)
        assert {s["friendly_name"] for s in result.records("conference_summaries")} == {name}


class TestProgress:
    def test_given_a_long_read_when_read_then_progress_lines_count_each_streams_records_and_pages_up_to_the_final_ones(self, start_fake):
        dataset = Dataset(conferences=60, seed=35)
        fake = start_fake(dataset, latency=0.03)

        result = run("read", sample_config(fake.base_url, num_workers=2), catalog(ALL, incremental=False),
                     env={"SOURCE_TWILIO_PROGRESS_SECONDS": "0.25"})

        assert result.returncode == 0, result.stderr[-2000:]
        lines = [m["log"]["message"] for m in result.of_type("LOG") if m["log"]["message"].startswith("Progress after ")]
        assert len(lines) >= 2
        assert all(m["log"]["level"] == "INFO" for m in result.of_type("LOG") if m["log"]["message"].startswith("Progress after "))
        last = dict(part.split(": ", 1) for part in lines[-1].split(": ", 1)[1].rsplit("; ", 1)[0].split("; "))
        read = {name: int(text.split(" records read in ")[0].replace(",", "")) for name, text in last.items()}
        pages = {name: int(text.split(" records read in ")[1].split(" pages")[0].replace(",", "")) for name, text in last.items()}
        assert 0 < read["conference_participant_summaries"] <= len(result.records("conference_participant_summaries"))
        assert set(read) <= {*ALL, "live_conferences"} and all(pages[name] >= 1 for name in read)
        assert "last window " in last["conferences"] and lines[-1].endswith("; 0 retries.")
