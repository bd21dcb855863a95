"""Plain-language config validation, run before the CDK builds any stream.

The CDK validates a config against the spec too, but its jsonschema message neither names the field
("'abc' does not match '^AC[0-9a-fA-F]{32}$'") nor keeps secrets out of it ("12345 is not of type 'string'"
for a numeric auth token). Here every problem names its field, says what is expected and never repeats the
value of a secret field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator, List, Mapping, Set

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

START_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _walk(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name, prop in schema.get("properties", {}).items():
        yield name, prop
        yield from _walk(prop)
    for branch in schema.get("oneOf", []):
        yield from _walk(branch)


def secret_names(spec: Mapping[str, Any]) -> Set[str]:
    """Names of the `airbyte_secret` fields, wherever they are in the spec (`credentials.oneOf`...)."""
    return {name for name, prop in _walk(spec) if prop.get("airbyte_secret")}


def _property(spec: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return next((prop for found, prop in _walk(spec) if found == name), {})


def _describe(error: ValidationError, spec: Mapping[str, Any], prefix: List[str]) -> List[str]:
    path = prefix + [str(p) for p in error.absolute_path]
    if error.validator == "required":
        path.append(error.message.split("'")[1])
    field = ".".join(path) or "(config)"
    prop = _property(spec, path[-1]) if path else {}
    shown = "" if path and path[-1] in secret_names(spec) else f" (got {error.instance!r})"
    validator = error.validator
    if validator == "oneOf":
        return _describe_choice(error, spec, path)
    if validator == "required":
        return [f"'{field}' is missing: {prop.get('title', path[-1])} is required."]
    if validator == "type":
        return [f"'{field}' must be of type {error.validator_value}{shown}."]
    if validator == "pattern":
        return [f"'{field}' must have the form {prop.get('pattern_descriptor') or error.validator_value}{shown}."]
    if validator in ("minimum", "maximum"):
        low, high = prop.get("minimum"), prop.get("maximum")
        bounds = f"between {low} and {high}" if low is not None and high is not None else f"{validator} {error.validator_value}"
        return [f"'{field}' must be {bounds}{shown}."]
    if validator == "minLength":
        return [f"'{field}' must not be empty."]
    if validator in ("enum", "const"):
        allowed = error.validator_value if validator == "enum" else [error.validator_value]
        return [f"'{field}' must be one of {', '.join(map(str, allowed))}{shown}."]
    if validator == "uniqueItems":
        return [f"'{field}' lists a value twice{shown}."]
    return [f"'{field}' is invalid{'' if not shown else ': ' + error.message}."]


def _describe_choice(error: ValidationError, spec: Mapping[str, Any], path: List[str]) -> List[str]:
    """`credentials` is one of several shapes, told apart by `auth_type`: explain the chosen one's problems."""
    branches = error.validator_value
    kinds = [branch.get("properties", {}).get("auth_type", {}).get("const") for branch in branches]
    chosen = error.instance.get("auth_type") if isinstance(error.instance, Mapping) else None
    field = ".".join(path)
    if chosen not in kinds:
        return [f"'{field}.auth_type' must be one of {', '.join(k for k in kinds if k)}."]
    index = kinds.index(chosen)
    problems = [p for sub in error.context or [] if sub.relative_schema_path and sub.relative_schema_path[0] == index for p in _describe(sub, spec, [])]
    return problems or [f"'{field}' is invalid for auth_type {chosen}."]


def config_errors(config: Any, spec: Mapping[str, Any]) -> List[str]:
    """Every problem of `config` against the connection specification, one sentence each (empty if valid)."""
    if not isinstance(config, Mapping):
        return ["The config must be a JSON object."]
    errors = sorted(Draft7Validator(spec).iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    problems = [problem for error in errors for problem in _describe(error, spec, [])]
    start_date = config.get("start_date")
    if isinstance(start_date, str) and not any("'start_date'" in p for p in problems):
        try:
            datetime.strptime(start_date, START_DATE_FORMAT)
        except ValueError:
            problems.append(f"'start_date' is not a real date and time ({start_date!r}); use YYYY-MM-DDTHH:MM:SSZ.")
    return problems
