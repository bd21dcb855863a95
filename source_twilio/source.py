"""`source-twilio` and `python main.py`: manifest.yaml and components.py of this folder, run as Airbyte's
manifest-only runner (`source-declarative-manifest`) runs them, so that every host behaves the same."""

import logging
import sys
from pathlib import Path
from typing import Any, List, Optional

import yaml
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource as Source
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_twilio import components

MANIFEST = Path(__file__).with_name("manifest.yaml")
sys.modules.setdefault("source_declarative_manifest.components", components)  # the name Airbyte's hosts give it


def source(catalog: Any = None, config: Any = None, state: Any = None, config_path: Optional[str] = None) -> Source:
    manifest = yaml.load(MANIFEST.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when there
    return Source(catalog=catalog, config=config, state=state or [], source_config=manifest, config_path=config_path)


def run(args: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if args is None else args)
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
