"""The files around the manifest stay in step with it: metadata.yaml, the Dockerfile, integration_tests/."""

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
    get_declarative_component_schema,
    validate_manifest,
)
from airbyte_cdk.test.entrypoint_wrapper import discover
from jsonschema import ValidationError

from source_twilio import SourceTwilio
from source_twilio.source import connection_specification
from unit_tests.builders import ConfigBuilder

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "integration_tests"


def _version() -> str:
    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


@pytest.fixture(scope="module")
def catalog():
    output = discover(SourceTwilio(None, ConfigBuilder().build(), None), ConfigBuilder().build())
    return {stream.name: stream for stream in output.catalog.catalog.streams}


class TestMetadata:
    def test_given_metadata_when_compared_then_version_and_image_match_the_package_and_dockerfile(self):
        data = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
        dockerfile = (ROOT / "Dockerfile").read_text()
        acceptance = yaml.safe_load((ROOT / "acceptance-test-config.yml").read_text())

        assert data["dockerImageTag"] == _version()
        assert f"ARG VERSION={_version()}" in dockerfile
        assert f'io.airbyte.name="{data["dockerRepository"]}"' in dockerfile
        assert acceptance["connector_image"] == f'{data["dockerRepository"]}:dev'
        assert data["connectorType"] == "source" and data["connectorSubtype"] == "api"
        assert {"language:python", "cdk:low-code"} <= set(data["tags"])
        assert "api.twilio.com" in data["allowedHosts"]["hosts"]
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", data["definitionId"])

    def test_given_the_dockerfile_when_read_then_its_default_base_is_the_metadata_base_image(self):
        base = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]["connectorBuildOptions"]["baseImage"]

        assert re.search(r"^ARG BASE_IMAGE=(\S+)$", (ROOT / "Dockerfile").read_text(), re.M).group(1) in base


class TestManifest:
    def test_given_the_resolved_manifest_when_validated_then_it_matches_the_cdk_component_schema(self):
        manifest = SourceTwilio(None, ConfigBuilder().build(), None).resolved_manifest

        validate_manifest(manifest, get_declarative_component_schema())

    def test_given_a_broken_manifest_when_validated_then_the_schema_check_fails(self):
        manifest = copy.deepcopy(SourceTwilio(None, ConfigBuilder().build(), None).resolved_manifest)
        manifest["streams"][0]["streams"][0]["retriever"]["paginator"]["page_size_option"]["inject_into"] = "nowhere"

        with pytest.raises(ValidationError):
            validate_manifest(manifest, get_declarative_component_schema())


class TestIntegrationFiles:
    def test_given_the_configured_catalog_when_compared_then_streams_keys_and_cursors_match_discover(self, catalog):
        configured = json.loads((INTEGRATION / "configured_catalog.json").read_text())["streams"]

        assert {entry["stream"]["name"] for entry in configured} == set(catalog)
        for entry in configured:
            discovered = catalog[entry["stream"]["name"]]
            assert entry["primary_key"] == discovered.source_defined_primary_key
            assert entry["stream"]["supported_sync_modes"] == [mode.value for mode in discovered.supported_sync_modes]
            if entry["sync_mode"] == "incremental":
                assert entry["cursor_field"] == discovered.default_cursor_field

    @pytest.mark.parametrize("name", ["sample_state.json", "abnormal_state.json"])
    def test_given_a_state_file_when_compared_then_its_keys_are_the_cursor_fields(self, catalog, name):
        for message in json.loads((INTEGRATION / name).read_text()):
            stream = message["stream"]["stream_descriptor"]["name"]
            assert list(message["stream"]["stream_state"]) == catalog[stream].default_cursor_field

    def test_given_the_invalid_config_when_compared_then_same_keys_as_the_sample_and_valid_per_spec(self):
        sample = json.loads((INTEGRATION / "sample_config.json").read_text())
        invalid = json.loads((INTEGRATION / "invalid_config.json").read_text())

        assert invalid.keys() == sample.keys() and invalid["credentials"].keys() == sample["credentials"].keys()
        assert invalid["credentials"]["auth_token"] != sample["credentials"]["auth_token"]
        assert invalid["account_sid"] != sample["account_sid"]
        assert set(sample) <= set(connection_specification()["properties"])


def test_given_the_package_when_its_imports_are_listed_then_each_third_party_one_is_a_declared_dependency():
    import ast
    import sys
    from importlib.metadata import packages_distributions

    block = re.search(r"^dependencies = \[(.*?)^\]", (ROOT / "pyproject.toml").read_text(), re.M | re.S).group(1)
    declared = {name.lower().replace("_", "-") for name in re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block, re.M)}
    imported = set()
    for path in (ROOT / "source_twilio").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"source_twilio", "__future__"}
    distributions = packages_distributions()

    undeclared = {m for m in third_party if not {d.lower().replace("_", "-") for d in distributions.get(m, [m])} & declared}
    assert third_party >= {"airbyte_cdk", "requests", "ijson", "orjson", "yaml", "jsonschema"}
    assert undeclared == set()
