"""Runs the installed `source-twilio` command as a subprocess and reads its Airbyte messages: what the tests
and the tools (demo, reliability report, benchmark) share.

The bundled sample config and catalog stay in integration_tests/, where Airbyte's tooling expects them; this
module finds them in the checkout it is installed from (`pip install -e ./fake_twilio`, scripts/lib.sh).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

ACCEPTANCE_FILES = Path(__file__).resolve().parent.parent / "integration_tests"
SAMPLE_CONFIG = ACCEPTANCE_FILES / "sample_config.json"
CONFIGURED_CATALOG = ACCEPTANCE_FILES / "configured_catalog.json"
COMMAND = str(Path(sys.executable).with_name("source-twilio"))


# Any request to a host other than 127.0.0.1 goes to a closed port instead of the internet.
LOOPBACK_ONLY = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}


def sample_config(base_url: str, auth_token: Optional[str] = None, **overrides: Any) -> Dict[str, Any]:
    """The bundled sample config pointed at a fake Twilio (2010 API and Voice Insights on the same server)."""
    config = json.loads(SAMPLE_CONFIG.read_text())
    config["base_url"] = config["insights_base_url"] = base_url
    if auth_token is not None:
        config["credentials"] = {"auth_type": "auth_token", "auth_token": auth_token}
    config.update(overrides)
    return config


def catalog(streams: Sequence[str], incremental: bool = True) -> Dict[str, Any]:
    """The bundled configured catalog reduced to `streams`; incremental where a stream supports it."""
    full = json.loads(CONFIGURED_CATALOG.read_text())
    chosen = [s for s in full["streams"] if s["stream"]["name"] in streams]
    if not incremental:
        for entry in chosen:
            entry["sync_mode"] = "full_refresh"
            entry["destination_sync_mode"] = "overwrite"
            entry.pop("cursor_field", None)
    return {"streams": chosen}


SECRET_KEYS = ("auth_token", "api_key_secret")
_scanned: List[tuple] = []  # (secrets of a config, everything a run with it printed), checked after each test


def secrets_of(config: Any) -> List[str]:
    """The secret values of a config (auth tokens and API key secrets, wherever they are in it), and the forms a request
    carries them in: the base64 of `AccountSid:AuthToken` or `ApiKeySid:ApiKeySecret` of an HTTP Basic header."""
    found: List[str] = []
    if isinstance(config, dict):
        for key, value in config.items():
            if key in SECRET_KEYS and isinstance(value, str) and len(value) >= 6:
                found.append(value)
            else:
                found += secrets_of(value)
        credentials = config.get("credentials") if isinstance(config.get("credentials"), dict) else {}
        pairs = [(config.get("account_sid"), config.get("auth_token") or credentials.get("auth_token")),
                 (credentials.get("api_key_sid"), credentials.get("api_key_secret"))]
        found += [base64.b64encode(f"{user}:{secret}".encode()).decode() for user, secret in pairs if user and secret]
    return found


def without_control_messages(stdout: str) -> str:
    """stdout less the CONTROL messages that hand a migrated config back to the platform, which must carry its
    secrets so that the platform can save it (the CDK's config migration): the one place a secret may appear."""
    return "\n".join(line for line in stdout.splitlines() if not line.startswith('{"type":"CONTROL"'))


def scan_for_secrets(config: Any, stdout: str, stderr: str) -> None:
    """Queues a run's output to be searched for its config's secrets (integration_tests/conftest.py)."""
    _scanned.append((secrets_of(config), without_control_messages(stdout) + "\n" + stderr))


def leaked_secrets() -> List[str]:
    """Where a queued run printed a secret of its config; empties the queue. Returns (secret prefix, context)."""
    leaks = []
    for secrets, output in _scanned:
        for secret in secrets:
            at = output.find(secret)
            if at >= 0:
                leaks.append(f"{secret[:3]}... printed: {output[max(at - 80, 0): at].strip()!r}")
    _scanned.clear()
    return leaks


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    messages: List[Dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, returncode: int, stdout: str, stderr: str) -> "Run":
        messages = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        return cls(returncode, stdout, stderr, messages)

    def of_type(self, kind: str) -> List[Dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    def records(self, stream: str) -> List[Dict[str, Any]]:
        return [m["record"]["data"] for m in self.of_type("RECORD") if m["record"]["stream"] == stream]

    @property
    def errors(self) -> List[Dict[str, Any]]:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"]["type"] == "ERROR"]

    @property
    def connection_status(self) -> Optional[Dict[str, Any]]:
        statuses = self.of_type("CONNECTION_STATUS")
        return statuses[-1]["connectionStatus"] if statuses else None

    def final_state(self) -> List[Dict[str, Any]]:
        """The last STATE message of each stream: what the platform would save and pass to the next sync."""
        return final_state(self.messages)


def final_state(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    last: Dict[str, Dict[str, Any]] = {}
    for message in messages:
        if message["type"] == "STATE":
            last[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
    return list(last.values())


def comparable_state(states: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Each stream's final state without what measures the sync rather than its position: the CDK's per-partition
    cursor saves the duration of the sync as `lookback_window` (seconds) beside its cursors. Partitions are sorted."""
    by_stream = {}
    for state in states:
        body = dict(state["stream"]["stream_state"] or {})
        body.pop("lookback_window", None)
        if isinstance(body.get("parent_state"), dict):
            body["parent_state"] = {name: {k: v for k, v in parent.items() if k != "lookback_window"} for name, parent in body["parent_state"].items()}
        if "states" in body:
            body["states"] = sorted(body["states"], key=lambda entry: json.dumps(entry["partition"], sort_keys=True))
        by_stream[state["stream"]["stream_descriptor"]["name"]] = body
    return by_stream


def stream_state(states: List[Dict[str, Any]], stream: str) -> Dict[str, Any]:
    return next(s["stream"]["stream_state"] for s in states if s["stream"]["stream_descriptor"]["name"] == stream)


def conference_cursors(states: List[Dict[str, Any]]) -> Dict[tuple, str]:
    """The conferences stream's cursor of each (account SID, Twilio Status) partition."""
    return {
        (entry["partition"]["account_sid"], entry["partition"]["status"]): entry["cursor"]["date_updated"]
        for entry in stream_state(states, "conferences")["states"]
    }


class Workdir:
    """Config, catalog and state files for one run, in a temporary folder removed afterwards."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="source-twilio-")
        self.path = Path(self._dir.name)

    def write(self, name: str, content: Any) -> str:
        path = self.path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)

    def cleanup(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> "Workdir":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.cleanup()


def command_args(command: str, work: Workdir, config: Any, catalog_: Any = None, state: Any = None) -> List[str]:
    args = [COMMAND, command, "--config", work.write("config.json", config)]
    if catalog_ is not None:
        args += ["--catalog", work.write("catalog.json", catalog_)]
    if state is not None:
        args += ["--state", work.write("state.json", state)]
    return args


def run(command: str, config: Any, catalog_: Any = None, state: Any = None, timeout: float = 300, env: Optional[Dict[str, str]] = None) -> Run:
    work = Workdir()
    try:
        result = subprocess.run(
            command_args(command, work, config, catalog_, state),
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **LOOPBACK_ONLY, **(env or {})},
        )
    finally:
        work.cleanup()
    scan_for_secrets(config, result.stdout, result.stderr)
    return Run.parse(result.returncode, result.stdout, result.stderr)
