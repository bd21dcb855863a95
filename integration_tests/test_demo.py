"""`./scripts/demo` (python -m tools.demo): a read of the fake Twilio with a summary in plain words."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STREAMS = ["conferences", "conference_participants", "conference_summaries", "conference_participant_summaries"]


def test_given_the_demo_when_run_then_each_stream_summed_up_in_words(tmp_path):
    out = tmp_path / "records.jsonl"

    result = subprocess.run([sys.executable, "-m", "tools.demo", "--conferences", "20", "--out", str(out)],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)

    assert result.returncode == 0, result.stderr[-2000:]
    counts = Counter(json.loads(line)["stream"] for line in out.read_text().splitlines())
    for stream in STREAMS:
        assert f"  {stream}: {counts[stream]} records from " in result.stdout
    assert "the next sync reads the conferences updated (by status): completed ones since" in result.stdout
    for raw in ("__ab_no_cursor_state_message", "use_global_cursor", '"lookback_window"', "parent_state"):
        assert raw not in result.stdout
