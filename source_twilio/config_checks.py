"""Plain-language config validation, run before the CDK builds any stream.

The CDK validates a config against the spec too, but its jsonschema message neither names the field
("'abc' does not match '^AC[0-9a-fA-F]{32}$'") nor keeps secrets out of it ("12345 is not of type 'string'"
for a numeric auth token). Here every problem names its field, says what is expected and never repeats the
value of a secret field.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, List, Mapping

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

START_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _field(error: ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        path.append(missing)
    return ".".join(path) or "(config)"


def _schema_at(spec: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    node: Mapping[str, Any] = spec
    for part in field.split("."):
        node = node.get("properties", {}).get(part, {})
    return node


def _describe(error: ValidationError, spec: Mapping[str, Any]) -> str:
    field = _field(error)
    prop = _schema_at(spec, field)
    secret = bool(prop.get("airbyte_secret"))
    shown = "" if secret else f" (got {error.instance!r})"
    validator = error.validator
    if validator == "required":
        return f"'{field}' is missing: {prop.get('title', field)} is required."
    if validator == "type":
        return f"'{field}' must be of type {error.validator_value}{shown}."
    if validator == "pattern":
        expected = prop.get("pattern_descriptor") or error.validator_value
        return f"'{field}' must have the form {expected}{shown}."
    if validator in ("minimum", "maximum"):
        low, high = prop.get("minimum"), prop.get("maximum")
        bounds = f"between {low} and {high}" if low is not None and high is not None else f"{validator} {error.validator_value}"
        return f"'{field}' must be {bounds}{shown}."
    if validator == "minLength":
        return f"'{field}' must not be empty."
    if validator == "enum":
        return f"'{field}' must be one of {error.validator_value}{shown}."
    return f"'{field}' is invalid{'' if secret else ': ' + error.message}."


def config_errors(config: Any, spec: Mapping[str, Any]) -> List[str]:
    """Every problem of `config` against the connection specification, one sentence each (empty if valid)."""
    if not isinstance(config, Mapping):
        return ["The config must be a JSON object."]
    errors: Iterable[ValidationError] = Draft7Validator(spec).iter_errors(config)
    problems = [_describe(error, spec) for error in sorted(errors, key=lambda e: list(e.absolute_path))]
    start_date = config.get("start_date")
    if isinstance(start_date, str) and not any("'start_date'" in p for p in problems):
        try:
            datetime.strptime(start_date, START_DATE_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            problems.append(f"'start_date' is not a real date and time ({start_date!r}); use YYYY-MM-DDTHH:MM:SSZ.")
    return problems
