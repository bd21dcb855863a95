"""Every property of every stream schema has a JSON-schema `type`, nested ones included: an untyped property lands in
a warehouse (PyAirbyte's DuckDB, Airbyte's destinations) as a string column holding JSON text."""

import copy
from typing import Iterator, List, Tuple

import yaml

from source_twilio.source import MANIFEST

JSON_TYPES = {"null", "boolean", "integer", "number", "string", "object", "array"}


def _schemas() -> dict:
    return yaml.safe_load(MANIFEST.read_text())["schemas"]


def _properties(node: dict, path: str) -> Iterator[Tuple[str, dict]]:
    """Each property schema under node, at any depth: object properties, array items, additionalProperties, *Of."""
    for name, child in node.get("properties", {}).items():
        yield f"{path}.{name}", child
        yield from _properties(child, f"{path}.{name}")
    items = node.get("items")
    for index, child in enumerate(items if isinstance(items, list) else [items] if isinstance(items, dict) else []):
        yield f"{path}[{index}]", child
        yield from _properties(child, f"{path}[{index}]")
    if isinstance(node.get("additionalProperties"), dict):
        yield f"{path}.*", node["additionalProperties"]
        yield from _properties(node["additionalProperties"], f"{path}.*")
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, child in enumerate(node.get(keyword, [])):
            yield f"{path}.{keyword}[{index}]", child
            yield from _properties(child, f"{path}.{keyword}[{index}]")


def untyped(schemas: dict) -> List[str]:
    """The paths of the properties without a type, or with a type JSON schema does not have."""
    found = []
    for stream, schema in schemas.items():
        for path, prop in _properties(schema, stream):
            kinds = prop.get("type")
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not kinds or not set(kinds) <= JSON_TYPES or kinds == ["null"]:
                found.append(path)
    return found


def test_given_the_manifest_schemas_then_every_property_has_a_type_at_every_depth():
    schemas = _schemas()
    walked = [path for stream, schema in schemas.items() for path, _ in _properties(schema, stream)]

    assert untyped(schemas) == []
    assert set(schemas) == {"conferences", "conference_participants", "conference_summaries", "conference_participant_summaries"}
    assert "conference_summaries.tags[0]" in walked and "conference_participant_summaries.coached_participants[0]" in walked
    assert len(walked) == 79  # 77 properties and the items of the two arrays


def test_given_a_type_removed_at_the_top_or_inside_items_or_made_null_only_then_each_is_reported():
    schemas = _schemas()
    broken = copy.deepcopy(schemas)
    del broken["conference_summaries"]["properties"]["tag_info"]["type"]
    del broken["conference_summaries"]["properties"]["tags"]["items"]["type"]
    broken["conferences"]["properties"]["sid"]["type"] = ["null"]
    broken["conference_participants"]["properties"]["muted"]["type"] = "bool"
    broken["conference_participant_summaries"]["properties"]["metrics"]["properties"] = {"jitter": {"description": "no type"}}

    assert untyped(broken) == [
        "conferences.sid",
        "conference_participants.muted",
        "conference_summaries.tags[0]",
        "conference_summaries.tag_info",
        "conference_participant_summaries.metrics.jitter",
    ]
