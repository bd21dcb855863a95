"""`source-twilio` and `python main.py`: manifest.yaml and components.py of this folder, run as Airbyte's
manifest-only runner (`source-declarative-manifest`) runs them, so that every host behaves the same."""

import gc
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import yaml

if TYPE_CHECKING:  # the CDK is imported when a command needs it: importing it takes 1.8 s, which `spec` does without
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

MANIFEST = Path(__file__).with_name("manifest.yaml")

# Test-only (README, "Test-only settings"): the fault tests set these so that a read timeout or ten backoffs take
# seconds, not minutes. Unset, as anywhere but in the tests, the manifest's own values (30 s and 30 s) stay.
TEST_READ_TIMEOUT = "SOURCE_TWILIO_TEST_READ_TIMEOUT_SECONDS"
TEST_BACKOFF_CAP = "SOURCE_TWILIO_TEST_BACKOFF_CAP_SECONDS"


def _seconds(variable: str) -> Optional[float]:
    value = os.environ.get(variable)
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{variable} (a setting for tests only) must be a positive number of seconds, not {value!r}")
    return seconds


def with_test_waits(node: Any, read_timeout: Optional[float], backoff_cap: Optional[float]) -> Any:
    """`node` (the manifest) with every requester's read timeout and every CappedExponentialBackoff's cap replaced by the
    ones given (None keeps the manifest's)."""
    if isinstance(node, list):
        return [with_test_waits(item, read_timeout, backoff_cap) for item in node]
    if not isinstance(node, dict):
        return node
    changed = {key: with_test_waits(value, read_timeout, backoff_cap) for key, value in node.items()}
    if read_timeout is not None and "read_timeout_in_seconds" in changed:
        changed["read_timeout_in_seconds"] = read_timeout
    if backoff_cap is not None and str(changed.get("class_name", "")).endswith(".CappedExponentialBackoff"):
        changed["max_seconds"] = backoff_cap
    return changed


def manifest() -> dict:
    return yaml.load(MANIFEST.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when there


def source(catalog: Any = None, config: Any = None, state: Any = None, config_path: Optional[str] = None) -> "ConcurrentDeclarativeSource":
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

    from source_twilio import components

    sys.modules.setdefault("source_declarative_manifest.components", components)  # the name Airbyte's hosts give it
    loaded = manifest()
    read_timeout, backoff_cap = _seconds(TEST_READ_TIMEOUT), _seconds(TEST_BACKOFF_CAP)
    if read_timeout is not None or backoff_cap is not None:
        loaded = with_test_waits(loaded, read_timeout, backoff_cap)
    return ConcurrentDeclarativeSource(catalog=catalog, config=config, state=state or [], source_config=loaded, config_path=config_path)


def spec_message() -> str:
    """The SPEC message the CDK prints for the manifest's `spec` (same bytes, a test compares), without the CDK."""
    spec = manifest()["spec"]
    assert "advanced_auth" not in spec, "the CDK adds advanced_auth to the SPEC message; spec_message() does not"
    answer = {"connectionSpecification": spec["connection_specification"], "documentationUrl": spec.get("documentation_url"),
              "supportsNormalization": False, "supportsDBT": False}  # the protocol model's defaults, which the CDK prints
    return json.dumps({"type": "SPEC", "spec": {k: v for k, v in answer.items() if v is not None}}, ensure_ascii=False, separators=(",", ":"))


def run(args: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if args is None else args)
    if args == ["spec"]:  # asked often by the platform and PyAirbyte: 0.2 s, not 2 s
        print(spec_message())
        return
    from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource as Source
    from airbyte_cdk.utils.traced_exception import AirbyteTracedException

    parsed = AirbyteEntrypoint.parse_args(args or ["--help"])  # no command: the usage, not the CDK's traceback
    for handler in logging.getLogger().handlers:  # the CDK's console: no "MemoryMonitor instantiated ..." line first
        handler.addFilter(lambda record: not record.getMessage().startswith("MemoryMonitor instantiated"))
    try:
        read = {name: getattr(Source, f"read_{name}")(getattr(parsed, name)) for name in ("config", "catalog", "state") if hasattr(parsed, name)}
        built = source(read.get("catalog"), read.get("config"), read.get("state"), getattr(parsed, "config", None))
    except Exception as error:  # the words and the shape of Airbyte's runner for the same failure
        message = f"Error starting the sync. This could be due to an invalid configuration or catalog. Please contact Support for assistance. Error: {error}"
        AirbyteTracedException(message=message, internal_message=str(error), exception=error).emit_message()
        raise
    names = [stream["name"] for stream in built.resolved_manifest["streams"]]  # Airbyte's runner warns of none of them
    for unknown in sorted({s.stream.name for s in read["catalog"].streams} - set(names)) if "catalog" in read else []:
        logging.getLogger("airbyte").warning(f"The catalog names a stream this source does not have: {unknown}. Its streams: {', '.join(names)}.")
    # The objects built so far (the CDK's modules, the parsed manifest, the streams) live until the process ends: out of
    # the collector's way, its full passes no longer walk them (benchmarks/gc_time.py; BENCHMARKS.md). One-shot processes
    # only, as this entry point is: a long-lived host, such as the Connector Builder, does not pass here.
    gc.freeze()
    launch(built, args)
