"""`source-twilio` and `python main.py`: manifest.yaml and components.py of this folder, run as Airbyte's
manifest-only runner (`source-declarative-manifest`) runs them, so that every host behaves the same."""

import sys
from pathlib import Path
from typing import Any, List, Optional

import yaml
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_twilio import components

MANIFEST = Path(__file__).with_name("manifest.yaml")
# The manifest names its classes as Airbyte's hosts register components.py: source_declarative_manifest.components.
sys.modules.setdefault("source_declarative_manifest.components", components)


def source(catalog: Any = None, config: Any = None, state: Any = None, config_path: Optional[str] = None) -> ConcurrentDeclarativeSource:
    manifest = yaml.load(MANIFEST.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when there
    return ConcurrentDeclarativeSource(catalog=catalog, config=config, state=state, source_config=manifest, config_path=config_path)


def run(args: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if args is None else args)
    parsed = AirbyteEntrypoint.parse_args(args)
    try:
        config = ConcurrentDeclarativeSource.read_config(parsed.config) if hasattr(parsed, "config") else None
        catalog = ConcurrentDeclarativeSource.read_catalog(parsed.catalog) if hasattr(parsed, "catalog") else None
        state = ConcurrentDeclarativeSource.read_state(parsed.state) if hasattr(parsed, "state") else []
        built = source(catalog, config, state, getattr(parsed, "config", None))
    except Exception as error:  # the words and the shape of Airbyte's runner for the same failure
        message = f"Error starting the sync. This could be due to an invalid configuration or catalog. Please contact Support for assistance. Error: {error}"
        AirbyteTracedException(message=message, internal_message=str(error), exception=error).emit_message()
        raise
    launch(built, args)
