"""Airbyte's acceptance suite (the CDK's standard tests), driven by acceptance-test-config.yml, against a
fake Twilio on 127.0.0.1.

In-process:            pytest integration_tests/test_acceptance.py -m "not image_tests"
Against the image:     pytest integration_tests/test_acceptance.py -m image_tests --connector-image source-twilio:dev
The image tests run their containers on the host network (see `_host_network_docker`), so that the
connector in the container reaches the fake on 127.0.0.1 like the one outside.

The suite runs from a temporary copy of the connector's acceptance files (`CONNECTOR_ROOT`): the configs with the
fake's URL go to its `secrets/`, never to the project's, where a user keeps a real config.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml
from airbyte_cdk.test.standard_tests import DeclarativeSourceTestSuite

from fake_twilio import Dataset, FakeTwilio
from fake_twilio.harness import LOOPBACK_ONLY, run

ROOT = Path(__file__).resolve().parent.parent
# Made at import, because the suite reads acceptance-test-config.yml while pytest collects the tests.
CONNECTOR_ROOT = Path(tempfile.mkdtemp(prefix="source-twilio-acceptance-")) / "source-twilio"
shutil.copytree(ROOT / "integration_tests", CONNECTOR_ROOT / "integration_tests", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
for name in ("acceptance-test-config.yml", "metadata.yaml"):  # the image tests read the image's name from metadata.yaml
    shutil.copy(ROOT / name, CONNECTOR_ROOT)
atexit.register(shutil.rmtree, CONNECTOR_ROOT.parent, True)
SECRETS = CONNECTOR_ROOT / "secrets"


@pytest.fixture(scope="module", autouse=True)
def fake_twilio_configs() -> Iterator[FakeTwilio]:
    """Starts the fake Twilio for the module and writes the configs acceptance-test-config.yml names.

    The suite runs the connector in this process: proxies pointing at a closed port keep any request to a
    host other than 127.0.0.1 from leaving the machine."""
    saved = {name: os.environ.get(name) for name in LOOPBACK_ONLY}
    os.environ.update(LOOPBACK_ONLY)
    with FakeTwilio(Dataset(conferences=60, seed=21)) as fake:
        SECRETS.mkdir(exist_ok=True)
        for source, target in (
            ("sample_config.json", "config.json"),
            ("sample_config.json", "spec_config.json"),
            ("invalid_config.json", "invalid_config.json"),
        ):
            config = json.loads((CONNECTOR_ROOT / "integration_tests" / source).read_text())
            (SECRETS / target).write_text(json.dumps({**config, "base_url": fake.base_url, "insights_base_url": fake.base_url}))
        yield fake
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module", autouse=True)
def _components_module_restored() -> Iterator[None]:
    """The suite compiles components.py and registers it in sys.modules as `source_declarative_manifest.components` (and
    `components`), where source_twilio registered its own: put back what was there, for the tests that run after this
    module in the same process (pytest-xdist puts unit and end-to-end modules on the same workers)."""
    names = ("source_declarative_manifest.components", "components")
    saved = {name: sys.modules.get(name) for name in names}
    yield
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


@pytest.fixture(scope="module", autouse=True)
def _host_network_docker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Puts a `docker` first on PATH that adds `--network host` to `docker run`."""
    real = shutil.which("docker")
    if real is None:
        yield
        return
    shim_dir = tmp_path_factory.mktemp("docker-shim")
    shim = shim_dir / "docker"
    loopback_only = " ".join(f"--env={name}={value}" for name, value in LOOPBACK_ONLY.items())
    shim.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = run ]; then shift; exec "{real}" run --network host {loopback_only} "$@"; fi\n'
        f'exec "{real}" "$@"\n'
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    previous = os.environ["PATH"]
    os.environ["PATH"] = f"{shim_dir}{os.pathsep}{previous}"
    yield
    os.environ["PATH"] = previous


class TestSourceTwilioAcceptance(DeclarativeSourceTestSuite):
    """The manifest and components live in the `source_twilio` package, not at the connector root."""

    connector_name = "source-twilio"
    manifest_yaml_path = ROOT / "source_twilio" / "manifest.yaml"
    components_py_path = ROOT / "source_twilio" / "components.py"

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return CONNECTOR_ROOT

    def test_docker_image_spec_backward_compatibility(self) -> None:  # type: ignore[override]
        pytest.skip("source-twilio is not in Airbyte's public registry, and tests reach no host outside 127.0.0.0/8.")


# The `incremental` section of acceptance-test-config.yml: the CDK's DeclarativeSourceTestSuite does not collect it, so
# its future-state case runs here, in-process and against the image as the suite's other tests do. A read with every
# cursor in the far future must emit no record, a state for each stream, and no cursor moved back.
INCREMENTAL = [
    entry
    for entry in ((yaml.safe_load((ROOT / "acceptance-test-config.yml").read_text())["acceptance_tests"].get("incremental") or {}).get("tests") or [])
    if (entry.get("future_state") or {}).get("future_state_path")
]


def _future_state_inputs(entry: Dict[str, Any]) -> Tuple[dict, dict, list]:
    config = json.loads((CONNECTOR_ROOT / entry["config_path"]).read_text())
    configured = json.loads((CONNECTOR_ROOT / entry["configured_catalog_path"]).read_text())
    configured["streams"] = [s for s in configured["streams"] if s["sync_mode"] == "incremental"]
    return config, configured, json.loads((CONNECTOR_ROOT / entry["future_state"]["future_state_path"]).read_text())


def _assert_nothing_read_and_no_cursor_back(messages: List[Dict[str, Any]], configured: dict, state: list) -> None:
    assert [m for m in messages if m["type"] == "RECORD"] == []
    final = {m["state"]["stream"]["stream_descriptor"]["name"]: m["state"]["stream"]["stream_state"] for m in messages if m["type"] == "STATE"}
    assert set(final) == {s["stream"]["name"] for s in configured["streams"]}
    for given in state:
        name = given["stream"]["stream_descriptor"]["name"]
        for key, value in given["stream"]["stream_state"].items():
            emitted = [final[name].get(key), (final[name].get("state") or {}).get(key)]
            emitted += [entry["cursor"].get(key) for entry in final[name].get("states", [])]
            assert [e for e in emitted if e] and all(e >= value for e in emitted if e), (name, key, emitted)


@pytest.mark.parametrize("entry", INCREMENTAL, ids=lambda entry: Path(entry["future_state"]["future_state_path"]).stem)
def test_given_a_future_state_when_read_in_process_then_no_record_and_no_cursor_back(entry):
    config, configured, state = _future_state_inputs(entry)

    result = run("read", config, configured, state)

    assert result.returncode == 0, result.stderr[-2000:]
    _assert_nothing_read_and_no_cursor_back(result.messages, configured, state)


@pytest.mark.image_tests
@pytest.mark.parametrize("entry", INCREMENTAL, ids=lambda entry: Path(entry["future_state"]["future_state_path"]).stem)
def test_given_a_future_state_when_read_in_the_image_then_no_record_and_no_cursor_back(entry, connector_image_override):
    if not connector_image_override:
        pytest.skip("no --connector-image")
    config, configured, state = _future_state_inputs(entry)
    with tempfile.TemporaryDirectory() as work:
        for name, content in (("config.json", config), ("catalog.json", configured), ("state.json", state)):
            (Path(work) / name).write_text(json.dumps(content))
            os.chmod(Path(work) / name, 0o644)  # readable by the image's user, uid 10001
        os.chmod(work, 0o755)
        result = subprocess.run(  # `docker` is the module's shim: it adds the host network and the loopback-only proxies
            ["docker", "run", "--rm", "-v", f"{work}:/secrets:ro", connector_image_override, "read",
             "--config", "/secrets/config.json", "--catalog", "/secrets/catalog.json", "--state", "/secrets/state.json"],
            capture_output=True, text=True, timeout=300,
        )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    _assert_nothing_read_and_no_cursor_back([json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")], configured, state)
