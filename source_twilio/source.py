"""`source-twilio` and `python main.py`: manifest.yaml and components.py of this folder, run as Airbyte's
manifest-only runner (`source-declarative-manifest`) runs them, so that every host behaves the same."""

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import yaml

if TYPE_CHECKING:  # the CDK is imported when a command needs it: importing it takes 1.8 s, which `spec` does without
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

MANIFEST = Path(__file__).with_name("manifest.yaml")


def manifest() -> dict:
    return yaml.load(MANIFEST.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when there


def source(catalog: Any = None, config: Any = None, state: Any = None, config_path: Optional[str] = None) -> "ConcurrentDeclarativeSource":
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

    from source_twilio import components

    sys.modules.setdefault("source_declarative_manifest.components", components)  # the name Airbyte's hosts give it
    return ConcurrentDeclarativeSource(catalog=catalog, config=config, state=state or [], source_config=manifest(), config_path=config_path)


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
    launch(built, args)
