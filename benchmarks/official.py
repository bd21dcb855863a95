"""Airbyte's source-twilio, as the benchmark runs it: 0.16.0 from PyPI, and 1.0.7's Status changes rebuilt on it.

0.16.0 is the last version on PyPI; 1.0.7 (July 2026, "Status filter") is manifest-only and not published
there. Per its changelog 1.0.7 changed exactly two things in the streams the benchmark reads: `conferences` is
partitioned by Status (init, in-progress, completed) under each account, and the parent of
`conference_participants` asks for Status=in-progress only. `reconstructed_1_0_7()` applies those two changes
to 0.16.0's own manifest, read from the installed wheel: nothing of Airbyte's is kept in this repository.
Both run with `source-declarative-manifest` on a copy of the manifest whose hard-coded host is the fake's.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.16.0"
VENV = ROOT / ".bench" / f"airbyte-source-twilio-{VERSION}"
PLAIN = f"airbyte-source-twilio {VERSION}"
RECONSTRUCTED = f"{VERSION} with 1.0.7's Status changes, reconstructed"
TWILIO = "https://api.twilio.com"


def ensure_installed() -> Path:
    """A venv with airbyte-source-twilio 0.16.0 (Python < 3.12, airbyte-cdk 6), made once in .bench/."""
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "source-declarative-manifest").exists():
        base = shutil.which("python3.11") or sys.executable
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"airbyte-source-twilio=={VERSION}"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return VENV


def installed_manifest() -> Dict[str, Any]:
    package = next((ensure_installed() / "lib").glob("python3.*/site-packages/source_twilio"))
    return yaml.safe_load((package / "manifest.yaml").read_text())


def status_router(values: List[str]) -> Dict[str, Any]:
    """One partition per Status, sent as Twilio's `Status` request parameter."""
    return {
        "type": "ListPartitionRouter",
        "cursor_field": "status",
        "values": values,
        "request_option": {"type": "RequestOption", "inject_into": "request_parameter", "field_name": "Status"},
    }


def reconstructed_1_0_7(manifest: Dict[str, Any]) -> Dict[str, Any]:
    """0.16.0's manifest with 1.0.7's two Status changes; everything else (date_created cursor, keys, 3 workers) as is.

    - `conferences`: the per-account partitions become (account, Status) for init, in-progress and completed;
    - the `conferences` parent inside `conference_participants`: (account, Status=in-progress).
    """
    manifest = copy.deepcopy(manifest)
    definitions = manifest["definitions"]
    base = "#/definitions/base_nested_incremental_from_accounts_stream/retriever"
    accounts_router = definitions["base_nested_incremental_from_accounts_stream"]["retriever"]["partition_router"]

    definitions["conferences_stream"]["retriever"] = {
        "$ref": base,
        "partition_router": [copy.deepcopy(accounts_router), status_router(["init", "in-progress", "completed"])],
    }
    (parent,) = definitions["conference_participants_stream"]["retriever"]["partition_router"]["parent_stream_configs"]
    assert parent["stream"]["retriever"]["$ref"] == base, "0.16.0's participants parent is not where it was"
    parent["stream"]["retriever"]["partition_router"] = [copy.deepcopy(accounts_router), status_router(["in-progress"])]
    return manifest


def manifest_text(reconstructed: bool, base_url: str) -> str:
    manifest = installed_manifest()
    if reconstructed:
        manifest = reconstructed_1_0_7(manifest)
    return yaml.safe_dump(manifest, sort_keys=False).replace(TWILIO, base_url)


def command(manifest_path: str, config_path: str, catalog_path: str, verb: str = "read") -> List[str]:
    """Airbyte's runner on the manifest: `read` as the platform runs it; `check` and `discover` without the catalog."""
    catalog = ["--catalog", catalog_path] if verb == "read" else []
    return [str(ensure_installed() / "bin" / "source-declarative-manifest"), verb, "--config", config_path, *catalog, "--manifest-path", manifest_path]
