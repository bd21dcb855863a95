"""The files around the manifest stay in step with it: metadata.yaml, the Dockerfile, integration_tests/."""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
    get_declarative_component_schema,
    validate_manifest,
)
from airbyte_cdk.test.entrypoint_wrapper import discover
from jsonschema import ValidationError

from source_twilio import components
from source_twilio.source import MANIFEST, source
from unit_tests.builders.config import ConfigBuilder

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "integration_tests"


def _version() -> str:
    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def _spec_properties() -> dict:
    return yaml.safe_load(MANIFEST.read_text())["spec"]["connection_specification"]["properties"]


def _custom_class_names(node) -> list:
    if isinstance(node, dict):
        own = [node["class_name"]] if "class_name" in node else []
        return own + [name for value in node.values() for name in _custom_class_names(value)]
    if isinstance(node, list):
        return [name for value in node for name in _custom_class_names(value)]
    return []


@pytest.fixture(scope="module")
def catalog():
    output = discover(source(None, ConfigBuilder().build(), None), ConfigBuilder().build())
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
        manifest = source(None, ConfigBuilder().build(), None).resolved_manifest

        validate_manifest(manifest, get_declarative_component_schema())

    def test_given_a_broken_manifest_when_validated_then_the_schema_check_fails(self):
        manifest = copy.deepcopy(source(None, ConfigBuilder().build(), None).resolved_manifest)
        manifest["streams"][0]["retriever"]["paginator"]["page_size_option"]["inject_into"] = "nowhere"

        with pytest.raises(ValidationError):
            validate_manifest(manifest, get_declarative_component_schema())

    def test_given_the_manifest_when_its_custom_classes_are_listed_then_each_is_in_components_py_under_the_runners_name(self):
        # Airbyte's runner and the Connector Builder load components.py as `source_declarative_manifest.components`.
        names = set(_custom_class_names(yaml.safe_load(MANIFEST.read_text())))

        assert {name.rsplit(".", 1)[1] for name in names} == {
            "TwilioErrorHandler", "CappedExponentialBackoff", "TwilioNextPage", "TwilioAccounts", "NormalizeTwilioDates",
            "StatusCursors", "ConfigRule", "TwilioBasicAuth", "InWindow", "TwilioRecords",
        }
        for name in names:
            module, _, attribute = name.rpartition(".")
            assert module == "source_declarative_manifest.components", name
            assert isinstance(getattr(components, attribute), type), name

    def test_given_a_source_when_built_then_components_is_registered_under_the_runners_module_name(self):
        probe = ("import sys; from source_twilio.source import source; source(); "
                 "print(sys.modules['source_declarative_manifest.components'].__file__)")

        printed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout

        assert printed.strip() == components.__file__

    def test_given_the_custom_components_when_read_then_each_says_in_a_docstring_what_twilio_does(self):
        for name in _custom_class_names(yaml.safe_load(MANIFEST.read_text())):
            doc = getattr(components, name.rsplit(".", 1)[1]).__doc__ or ""
            assert len(doc.split()) >= 10, name


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
            state = message["stream"]["stream_state"]
            # a single cursor (as 0.1.0 wrote it for one account), or one per partition as the CDK writes it now
            cursors = [entry["cursor"] for entry in state["states"]] + ([state["state"]] if "state" in state else []) if "states" in state else [state]
            assert cursors and all(list(cursor) == catalog[stream].default_cursor_field for cursor in cursors), name

    def test_given_the_invalid_config_when_compared_then_same_keys_as_the_sample_and_valid_per_spec(self):
        sample = json.loads((INTEGRATION / "sample_config.json").read_text())
        invalid = json.loads((INTEGRATION / "invalid_config.json").read_text())

        assert invalid.keys() == sample.keys() and invalid["credentials"].keys() == sample["credentials"].keys()
        assert invalid["credentials"]["auth_token"] != sample["credentials"]["auth_token"]
        assert invalid["account_sid"] != sample["account_sid"]
        assert set(sample) <= set(_spec_properties())


def _third_party_imports(path: Path) -> set:
    import ast
    import sys

    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    return imported - set(sys.stdlib_module_names) - {"__future__"}


def _requirement_names(requirements) -> set:
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower().replace("_", "-") for r in requirements or []}


def test_given_components_py_when_its_imports_are_listed_then_only_airbyte_cdk_its_dependencies_and_the_stdlib():
    from importlib.metadata import requires

    # components.py is injected into Airbyte's runner and the Connector Builder, where only airbyte_cdk is installed.
    assert _third_party_imports(ROOT / "source_twilio" / "components.py") == {"airbyte_cdk", "requests"}
    assert "requests" in _requirement_names(requires("airbyte-cdk"))


def test_given_the_entry_point_when_its_imports_are_listed_then_airbyte_cdk_yaml_and_the_package():
    assert _third_party_imports(ROOT / "source_twilio" / "source.py") == {"airbyte_cdk", "yaml", "source_twilio"}
    assert _third_party_imports(ROOT / "source_twilio" / "__init__.py") <= {"source_twilio"}


def test_given_the_package_when_its_imports_are_listed_then_each_third_party_one_is_a_declared_dependency():
    from importlib.metadata import packages_distributions

    block = re.search(r"^dependencies = \[(.*?)^\]", (ROOT / "pyproject.toml").read_text(), re.M | re.S).group(1)
    declared = {name.lower().replace("_", "-") for name in re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block, re.M)}
    third_party = set().union(*(_third_party_imports(path) for path in (ROOT / "source_twilio").glob("*.py"))) - {"source_twilio"}
    distributions = packages_distributions()

    undeclared = {m for m in third_party if not {d.lower().replace("_", "-") for d in distributions.get(m, [m])} & declared}
    assert third_party == {"airbyte_cdk", "requests", "yaml"}
    assert undeclared == set()
