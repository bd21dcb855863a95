"""integration_tests/expected_records.jsonl: what a full read of a fixed dataset returns, record by record.

    python -m integration_tests.expected_records --write    # after a deliberate change of the records

The dataset is fixed (seed and clock), so the file only changes when what the connector emits changes.
"""

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import catalog, run, sample_config

PATH = Path(__file__).resolve().parent / "expected_records.jsonl"
START_DATE = "2025-01-01T00:00:00Z"


def snapshot_dataset() -> Dataset:
    # No live conferences: with a fixed clock in the past they could not be live any more.
    return Dataset(conferences=12, live_share=0, seed=42, anchor=datetime(2025, 6, 30, 12, tzinfo=timezone.utc))


def read_snapshot() -> List[dict]:
    with FakeTwilio(snapshot_dataset()) as fake:
        result = run("read", sample_config(fake.base_url, start_date=START_DATE), catalog(["conferences"], incremental=False))
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return [{"stream": m["record"]["stream"], "data": m["record"]["data"]} for m in result.of_type("RECORD")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    if not parser.parse_args(argv).write:
        parser.print_help()
        return 2
    records = sorted(read_snapshot(), key=lambda r: (r["stream"], r["data"]["sid"]))
    PATH.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    print(f"wrote {len(records)} records to {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
