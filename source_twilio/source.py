"""The connector: the manifest plus an entry point that turns bad input into clear Airbyte messages."""

from __future__ import annotations

import copy
import functools
import json
import logging
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Optional

import orjson
import yaml
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch, logger
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    Status,
    TraceType,
    Type,
)
from airbyte_cdk.sources.declarative.models.declarative_component_schema import Spec as SpecModel
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.utils.airbyte_secrets_utils import update_secrets

from source_twilio.config_checks import START_DATE_FORMAT, config_errors, secret_names

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")


class SourceTwilio(YamlDeclarativeSource):
    def __init__(self, catalog: Any = None, config: Optional[Mapping[str, Any]] = None, state: Any = None, **kwargs: Any):
        super().__init__(path_to_yaml=str(MANIFEST_PATH), catalog=catalog, config=config, state=state, **kwargs)

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """Checks the credentials with the first window of conferences, from yesterday if `start_date` is later.

        A start date in the future is valid (the syncs read nothing until it comes), but it leaves the check
        stream without a window to read, and the CDK would report "no stream slices were found".
        """
        now = datetime.now(timezone.utc)
        try:
            start = datetime.strptime(config.get("start_date", ""), START_DATE_FORMAT).replace(tzinfo=timezone.utc)
        except (TypeError, ValueError):
            start = None
        if start is not None and start > now:
            # the CDK builds the check stream from the config given to the constructor, not from `config`
            yesterday = {**config, "start_date": (now - timedelta(days=1)).strftime(START_DATE_FORMAT)}
            return SourceTwilio(None, yesterday, None).check(logger, yesterday)
        return super().check(logger, config)


@functools.lru_cache(maxsize=1)
def _spec() -> Mapping[str, Any]:
    """The manifest's `spec`, parsed once per process (the checks below read it several times per command)."""
    return yaml.safe_load(MANIFEST_PATH.read_text())["spec"]


def connection_specification() -> Mapping[str, Any]:
    return copy.deepcopy(_spec()["connection_specification"])


def _print(message: AirbyteMessage) -> None:
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)


def _config_error(message: str) -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.TRACE,
        trace=AirbyteTraceMessage(
            type=TraceType.ERROR,
            emitted_at=time.time() * 1000,
            error=AirbyteErrorTraceMessage(message=message, internal_message=message, failure_type=FailureType.config_error),
        ),
    )


class InputError(Exception):
    """A file given on the command line cannot be used; the message says which and why."""


def _read_json_file(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(f"The {what} file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"The {what} file {path} cannot be read: {error.__class__.__name__}.") from None
    except json.JSONDecodeError as error:
        raise InputError(f"The {what} file {path} is not valid JSON (line {error.lineno}, column {error.colno}).") from None


def normalized_config(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The config as the streams will see it: the spec's migrations (old top-level `auth_token`) and
    transformations (default URLs) applied to a copy, as the CDK applies them when it builds the source."""
    spec = ModelToComponentFactory().create_component(SpecModel, copy.deepcopy(_spec()), {})
    config = copy.deepcopy(dict(raw))
    spec.migrate_config(config)
    spec.transform_config(config)
    return config


def _hide_secrets(*configs: Any) -> None:
    names = secret_names(connection_specification())

    def found(node: Any) -> Iterator[str]:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in names and isinstance(value, str) and value:
                    yield value
                else:
                    yield from found(value)

    update_secrets([secret for config in configs for secret in found(config)])


def _checked_inputs(parsed: Any) -> tuple[Any, Any, Any]:
    raw = _read_json_file(parsed.config, "config")
    _hide_secrets(raw)
    try:
        config = normalized_config(raw) if isinstance(raw, Mapping) else raw
    except Exception:  # a config too malformed to migrate: report on it as it is
        config = raw
    _hide_secrets(config)
    problems = config_errors(config, connection_specification())
    if problems:
        raise InputError("Invalid config: " + " ".join(problems))
    catalog = state = None
    if parsed.command == "read":
        _read_json_file(parsed.catalog, "catalog")
        try:
            catalog = SourceTwilio.read_catalog(parsed.catalog)
        except Exception as error:  # the protocol models raise several types for a wrong shape
            raise InputError(
                f"The catalog file {parsed.catalog} is not a valid configured catalog: {str(error).splitlines()[0]}"
            ) from None
        if getattr(parsed, "state", None):
            raw_state = _read_json_file(parsed.state, "state")
            if not isinstance(raw_state, list):
                raise InputError(f"The state file {parsed.state} must hold a JSON list of state messages.")
            try:
                state = SourceTwilio.read_state(parsed.state)
            except Exception as error:
                raise InputError(
                    f"The state file {parsed.state} is not a valid list of state messages: {str(error).splitlines()[0]}"
                ) from None
    return raw, catalog, state


def run(args: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if args is None else args)
    init_uncaught_exception_handler(logger)
    parsed = AirbyteEntrypoint.parse_args(args)
    config = catalog = state = None
    if parsed.command in ("check", "discover", "read"):
        try:
            config, catalog, state = _checked_inputs(parsed)
        except InputError as error:
            if parsed.command == "check":
                _print(AirbyteMessage(type=Type.CONNECTION_STATUS, connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=str(error))))
                return
            _print(_config_error(str(error)))
            sys.exit(1)
    source = SourceTwilio(catalog, config, state, config_path=getattr(parsed, "config", None))
    launch(source, args)
