"""A deterministic, seeded Twilio account: conferences, live participants, Voice Insights summaries.

`Dataset(conferences=500, seed=7)` always builds the same accounts, conferences and participants. Tests read
the expected data from the same object the server serves, and change it between syncs with the mutation
methods (`update_conference`, `end_conference`, `add_conferences`, `finalize_summaries`).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Dict, Iterator, List, Optional

UTC = timezone.utc
MAIN_ACCOUNT_SID = "AC" + "0" * 32
MAIN_AUTH_TOKEN = "sample-auth-token-for-the-fake-twilio"

REGIONS = ["us1", "us2", "ie1", "de1", "sg1", "br1", "au1", "jp1"]
END_REASONS = [
    "last-participant-left",
    "conference-ended-via-api",
    "participant-with-end-conference-on-exit-left",
    "participant-with-end-conference-on-exit-kicked",
    "last-participant-kicked",
]
TAGS = ["detected_silence", "high_jitter", "low_mos", "participant_behavior_issues", "quality_warnings"]


def default_anchor() -> datetime:
    now = datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)


def rfc2822(moment: Optional[datetime]) -> Optional[str]:
    return format_datetime(moment.astimezone(UTC)) if moment else None


def iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_account_sid: str
    date_created: datetime
    status: str = "active"
    insights_enabled: bool = True

    @property
    def is_subaccount(self) -> bool:
        return self.sid != self.owner_account_sid


@dataclass
class ApiKey:
    sid: str
    secret: str
    account_sid: str


@dataclass
class Participant:
    call_sid: str
    participant_sid: str
    conference_sid: str
    account_sid: str
    join_time: datetime
    leave_time: Optional[datetime]
    from_number: str
    to_number: str
    label: Optional[str]
    muted: bool
    hold: bool
    coaching: bool
    call_sid_to_coach: Optional[str]
    is_moderator: bool
    call_direction: str
    region: str
    connected: bool = True
    date_updated: Optional[datetime] = None


@dataclass
class Conference:
    sid: str
    account_sid: str
    friendly_name: str
    region: str
    status: str  # init | in-progress | completed
    date_created: datetime
    date_updated: datetime
    end_time: Optional[datetime] = None
    reason_conference_ended: Optional[str] = None
    call_sid_ending_conference: Optional[str] = None
    participants: List[Participant] = field(default_factory=list)
    summary_state: str = "complete"  # Voice Insights processing_state: in_progress | complete | timeout
    summary_version: int = 1
    tags: Optional[List[str]] = None

    @property
    def live(self) -> bool:
        return self.status != "completed"


class Dataset:
    """Accounts and their conferences. All reads and writes go through `lock`; the server holds it per request."""

    def __init__(
        self,
        conferences: int = 120,
        live_share: float = 0.1,
        participants_per_live: int = 4,
        months: int = 6,
        seed: int = 1,
        anchor: Optional[datetime] = None,
        subaccounts: int = 0,
        closed_subaccounts: int = 0,
        account_sid: str = MAIN_ACCOUNT_SID,
        auth_token: str = MAIN_AUTH_TOKEN,
    ) -> None:
        self.lock = threading.RLock()
        self._sorting = True
        self._rng = random.Random(seed)
        # The dataset's "now": six hours ago by default, so that live conferences are recent, as on a real
        # account, and changes stamped by `tick()` between syncs stay in the past.
        self.anchor = anchor or default_anchor()
        self.clock = self.anchor
        self.months = months
        self.live_share = live_share
        self.participants_per_live = participants_per_live
        self.accounts: Dict[str, Account] = {}
        self.api_keys: Dict[str, ApiKey] = {}
        self.conferences: Dict[str, List[Conference]] = {}
        self._by_sid: Dict[str, Conference] = {}

        main = Account(account_sid, auth_token, "Main account", account_sid, self.anchor - timedelta(days=900))
        self._add_account(main)
        for n in range(subaccounts + closed_subaccounts):
            sub = Account(
                self._sid("AC"),
                self._hex(32),
                f"Subaccount {n + 1}",
                account_sid,
                self.anchor - timedelta(days=400 - n),
                status="closed" if n >= subaccounts else "active",
            )
            self._add_account(sub)
        for account in list(self.accounts.values()):
            self._generate(account.sid, conferences)

    # ---- identifiers -------------------------------------------------------------------------------
    def _hex(self, length: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(length))

    def _sid(self, prefix: str) -> str:
        return prefix + self._hex(32)

    def _add_account(self, account: Account) -> None:
        self.accounts[account.sid] = account
        self.conferences[account.sid] = []

    def add_api_key(self, account_sid: Optional[str] = None) -> ApiKey:
        with self.lock:
            key = ApiKey(self._sid("SK"), self._hex(32), account_sid or self.main_account.sid)
            self.api_keys[key.sid] = key
            return key

    @property
    def main_account(self) -> Account:
        return next(a for a in self.accounts.values() if not a.is_subaccount)

    # ---- generation --------------------------------------------------------------------------------
    def _generate(self, account_sid: str, count: int) -> None:
        span = timedelta(days=30 * self.months)
        live = int(round(count * self.live_share))
        self._sorting = False
        for i in range(count):
            # Oldest first; the live ones are the most recent and started within the last hour.
            if i >= count - live:
                created = self.anchor - timedelta(minutes=self._rng.randint(1, 60))
                self._new_conference(account_sid, created, live=True)
            else:
                created = self.anchor - span + span * (i / max(count, 1)) + timedelta(seconds=self._rng.randint(0, 3600))
                created = min(created, self.anchor - timedelta(hours=3))
                self._new_conference(account_sid, created, live=False)
        self._sorting = True
        self._sort(account_sid)

    def _new_conference(self, account_sid: str, created: datetime, live: bool) -> Conference:
        rng = self._rng
        created = created.replace(microsecond=0)
        conference = Conference(
            sid=self._sid("CF"),
            account_sid=account_sid,
            friendly_name=f"room-{rng.randint(1, 40):02d}",
            region=rng.choice(REGIONS),
            status="in-progress",
            date_created=created,
            date_updated=created,
            tags=rng.sample(TAGS, rng.randint(0, 2)) or None,
        )
        n_participants = self.participants_per_live if live else rng.randint(2, 5)
        for j in range(n_participants):
            join = created + timedelta(seconds=5 + 20 * j + rng.randint(0, 15))
            conference.participants.append(
                Participant(
                    call_sid=self._sid("CA"),
                    participant_sid=self._sid("CP"),
                    conference_sid=conference.sid,
                    account_sid=account_sid,
                    join_time=join,
                    leave_time=None,
                    from_number=f"+1415555{rng.randint(0, 9999):04d}",
                    to_number=f"+1628555{rng.randint(0, 9999):04d}",
                    label=f"agent-{j}" if j == 0 else None,
                    muted=rng.random() < 0.2,
                    hold=rng.random() < 0.1,
                    coaching=False,
                    call_sid_to_coach=None,
                    is_moderator=j == 0,
                    call_direction=rng.choice(["inbound", "outbound"]),
                    region=conference.region,
                    date_updated=join,
                )
            )
        conference.date_updated = max(p.join_time for p in conference.participants) if conference.participants else created
        if live:
            if self._rng.random() < 0.2:
                conference.status = "init"
            conference.summary_state = "in_progress"
        else:
            duration = timedelta(seconds=rng.randint(120, 5400))
            self._end(conference, created + duration, rng.choice(END_REASONS))
            conference.summary_state = "complete"
        self._insert(conference)
        return conference

    def _end(self, conference: Conference, at: datetime, reason: str) -> None:
        at = at.replace(microsecond=0)
        conference.status = "completed"
        conference.end_time = at
        conference.date_updated = at
        conference.reason_conference_ended = reason
        conference.call_sid_ending_conference = conference.participants[-1].call_sid if conference.participants else None
        for participant in conference.participants:
            participant.leave_time = at
            participant.connected = False
            participant.date_updated = at

    def _insert(self, conference: Conference) -> None:
        self.conferences[conference.account_sid].append(conference)
        self._by_sid[conference.sid] = conference
        if self._sorting:
            self._sort(conference.account_sid)

    def _sort(self, account_sid: str) -> None:
        self.conferences[account_sid].sort(key=lambda c: (c.date_created, c.sid), reverse=True)  # newest created first

    # ---- reads -------------------------------------------------------------------------------------
    def conference(self, sid: str) -> Optional[Conference]:
        return self._by_sid.get(sid)

    def all_conferences(self, account_sid: Optional[str] = None) -> List[Conference]:
        with self.lock:
            sids = [account_sid] if account_sid else list(self.conferences)
            return [c for sid in sids for c in self.conferences[sid]]

    def live_conferences(self, account_sid: Optional[str] = None) -> List[Conference]:
        return [c for c in self.all_conferences(account_sid) if c.live]

    def iter_participants(self, account_sid: Optional[str] = None, live_only: bool = True) -> Iterator[Participant]:
        for conference in self.all_conferences(account_sid):
            if conference.live or not live_only:
                yield from conference.participants

    # ---- mutations (between syncs) -----------------------------------------------------------------
    def tick(self, minutes: int = 1) -> datetime:
        """Moves the dataset's clock forward and returns it: every change is stamped with it."""
        with self.lock:
            self.clock = self.clock + timedelta(minutes=minutes)
            return self.clock

    def update_conference(self, sid: str, **changes: object) -> Conference:
        with self.lock:
            conference = self._by_sid[sid]
            for key, value in changes.items():
                setattr(conference, key, value)
            conference.date_updated = self.tick()
            return conference

    def end_conference(self, sid: str, reason: str = "last-participant-left") -> Conference:
        with self.lock:
            conference = self._by_sid[sid]
            self._end(conference, self.tick(), reason)
            conference.summary_state = "in_progress"
            conference.summary_version += 1
            return conference

    def add_conferences(self, count: int, account_sid: Optional[str] = None, live: bool = False) -> List[Conference]:
        with self.lock:
            added = []
            for _ in range(count):
                created = self.tick()
                conference = self._new_conference(account_sid or self.main_account.sid, created, live=live)
                if not live:
                    self._end(conference, self.tick(), "last-participant-left")
                    conference.summary_state = "in_progress"
                added.append(conference)
            return added

    def remove_conference(self, sid: str) -> None:
        with self.lock:
            conference = self._by_sid.pop(sid)
            self.conferences[conference.account_sid].remove(conference)

    def finalize_summaries(self) -> List[Conference]:
        """Voice Insights finishes the summaries of ended conferences (up to ~30 minutes after the end)."""
        with self.lock:
            done = []
            for conference in self.all_conferences():
                if not conference.live and conference.summary_state == "in_progress":
                    conference.summary_state = "complete"
                    conference.summary_version += 1
                    done.append(conference)
            return done

    # ---- JSON as Twilio renders it -----------------------------------------------------------------
    @staticmethod
    def account_json(account: Account) -> dict:
        base = f"/2010-04-01/Accounts/{account.sid}"
        return {
            "auth_token": account.auth_token,
            "date_created": rfc2822(account.date_created),
            "date_updated": rfc2822(account.date_created),
            "friendly_name": account.friendly_name,
            "owner_account_sid": account.owner_account_sid,
            "sid": account.sid,
            "status": account.status,
            "subresource_uris": {
                "conferences": f"{base}/Conferences.json",
                "calls": f"{base}/Calls.json",
                "recordings": f"{base}/Recordings.json",
            },
            "type": "Full",
            "uri": f"{base}.json",
        }

    @staticmethod
    def conference_json(conference: Conference) -> dict:
        base = f"/2010-04-01/Accounts/{conference.account_sid}/Conferences/{conference.sid}"
        return {
            "account_sid": conference.account_sid,
            "api_version": "2010-04-01",
            "call_sid_ending_conference": conference.call_sid_ending_conference,
            "date_created": rfc2822(conference.date_created),
            "date_updated": rfc2822(conference.date_updated),
            "friendly_name": conference.friendly_name,
            "reason_conference_ended": conference.reason_conference_ended,
            "region": conference.region,
            "sid": conference.sid,
            "status": conference.status,
            "subresource_uris": {
                "participants": f"{base}/Participants.json",
                "recordings": f"{base}/Recordings.json",
            },
            "uri": f"{base}.json",
        }

    @staticmethod
    def participant_json(participant: Participant) -> dict:
        return {
            "account_sid": participant.account_sid,
            "call_sid": participant.call_sid,
            "call_sid_to_coach": participant.call_sid_to_coach,
            "coaching": participant.coaching,
            "conference_sid": participant.conference_sid,
            "date_created": rfc2822(participant.join_time),
            "date_updated": rfc2822(participant.date_updated or participant.join_time),
            "end_conference_on_exit": participant.is_moderator,
            "hold": participant.hold,
            "label": participant.label,
            "muted": participant.muted,
            "queue_time": "0",
            "start_conference_on_enter": participant.is_moderator,
            "status": "connected",
            "uri": (
                f"/2010-04-01/Accounts/{participant.account_sid}/Conferences/{participant.conference_sid}"
                f"/Participants/{participant.call_sid}.json"
            ),
        }

    @staticmethod
    def insights_conference_json(conference: Conference, host_url: str) -> dict:
        participants = conference.participants
        ended = not conference.live
        started = participants[1].join_time if len(participants) > 1 else None
        end_reason = conference.reason_conference_ended.replace("-", "_") if conference.reason_conference_ended else None
        status = {"init": "not_started", "in-progress": "in_progress"}.get(conference.status, "completed")
        if conference.summary_state == "timeout":
            status = "summary_timeout"
        duration = int((conference.end_time - conference.date_created).total_seconds()) if conference.end_time else None
        url = f"{host_url}/v1/Conferences/{conference.sid}"
        complete = conference.summary_state == "complete"
        return {
            "conference_sid": conference.sid,
            "account_sid": conference.account_sid,
            "friendly_name": conference.friendly_name,
            "create_time": iso(conference.date_created),
            "start_time": iso(started),
            "end_time": iso(conference.end_time),
            "duration_seconds": duration,
            "connect_duration_seconds": int((conference.end_time - started).total_seconds()) if ended and started else None,
            "status": status,
            "max_participants": 250,
            "max_concurrent_participants": len(participants),
            "unique_participants": len(participants),
            "end_reason": end_reason,
            "ended_by": conference.call_sid_ending_conference,
            "mixer_region": conference.region,
            "mixer_region_requested": None,
            "recording_enabled": False,
            "detected_issues": {
                "call_quality": len(conference.tags or []) if complete else 0,
                "region_configuration": 0,
                "participant_behavior": 0,
            },
            "tags": conference.tags if complete else None,
            "tag_info": None,
            "processing_state": conference.summary_state,
            "url": url,
            "links": {"conference_participants": f"{url}/Participants"},
        }

    @staticmethod
    def insights_participant_json(participant: Participant, conference: Conference, host_url: str) -> dict:
        complete = conference.summary_state == "complete"
        duration = int((participant.leave_time - participant.join_time).total_seconds()) if participant.leave_time else None
        return {
            "participant_sid": participant.participant_sid,
            "label": participant.label,
            "conference_sid": participant.conference_sid,
            "call_sid": participant.call_sid,
            "account_sid": participant.account_sid,
            "call_direction": participant.call_direction,
            "from": participant.from_number,
            "to": participant.to_number,
            "call_status": "completed" if participant.leave_time else "answered",
            "country_code": "US",
            "is_moderator": participant.is_moderator,
            "join_time": iso(participant.join_time),
            "leave_time": iso(participant.leave_time),
            "duration_seconds": duration,
            "outbound_queue_length": 0,
            "outbound_time_in_queue": 120,
            "jitter_buffer_size": None,
            "is_coach": participant.coaching,
            "coached_participants": None,
            "participant_region": participant.region,
            "conference_region": conference.region,
            "call_type": "carrier",
            "processing_state": conference.summary_state,
            "properties": {
                "start_conference_on_enter": participant.is_moderator,
                "end_conference_on_exit": participant.is_moderator,
                "enter_muted": participant.muted,
                "beep_on_enter": False,
                "beep_on_exit": False,
            },
            "events": {"mute": [int(participant.join_time.timestamp() * 1000)]} if participant.muted else None,
            "metrics": {
                "inbound": {"total_packets_lost": 0, "total_packets_received": 70, "packet_loss_percentage": 0.0, "jitter": {"avg": 0.41, "max": 0.84}, "latency": {"avg": 0.0, "max": 0.0}, "mos": 4.4}
            }
            if complete
            else None,
            "url": f"{host_url}/v1/Conferences/{participant.conference_sid}/Participants/{participant.participant_sid}",
        }
