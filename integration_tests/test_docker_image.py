"""The built image, run for real: `docker run source-twilio:dev spec|check|read` against the fake on the host.

The image comes from scripts/docker-build (SOURCE_TWILIO_IMAGE names another one). Without a Docker daemon or
the image these tests skip, unless REQUIRE_DOCKER=1 (set by scripts/test after building it) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from typing import List

import pytest

from fake_twilio import Dataset
from fake_twilio.harness import (
    COMMAND,
    LOOPBACK_ONLY,
    Run,
    Workdir,
    catalog,
    comparable_state,
    run,
    sample_config,
    scan_for_secrets,
)

IMAGE = os.environ.get("SOURCE_TWILIO_IMAGE", "source-twilio:dev")
BOTH = ["conferences", "conference_participants"]


def _docker_ready() -> str:
    if shutil.which("docker") is None:
        return "no docker CLI"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker daemon answers"
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode != 0:
        return f"no image {IMAGE} (run scripts/docker-build)"
    return ""


@pytest.fixture(scope="module", autouse=True)
def _require_image() -> None:
    problem = _docker_ready()
    if problem:
        if os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail(f"REQUIRE_DOCKER=1 but {problem}")
        pytest.skip(problem)


def docker_run(command: str, config=None, catalog_=None, timeout: float = 300) -> Run:
    """`docker run --network host IMAGE command --config ... --catalog ...`: the container reaches 127.0.0.1."""
    work = Workdir()
    try:
        args: List[str] = ["docker", "run", "--rm", "--network", "host", "-v", f"{work.path}:/secrets:ro"]
        args += [f"--env={name}={value}" for name, value in LOOPBACK_ONLY.items()]
        args += [IMAGE, command]
        if config is not None:
            work.write("config.json", config)
            args += ["--config", "/secrets/config.json"]
        if catalog_ is not None:
            work.write("catalog.json", catalog_)
            args += ["--catalog", "/secrets/catalog.json"]
        os.chmod(work.path, 0o755)
        for path in work.path.iterdir():
            os.chmod(path, 0o644)
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    finally:
        work.cleanup()
    scan_for_secrets(config, result.stdout, result.stderr)
    return Run.parse(result.returncode, result.stdout, result.stderr)


# The build context, tests, the fake Twilio, tools, configs and wheels stay in the build stage: not at the root,
# not in the package, not beside it in site-packages.
FORBIDDEN = re.compile(
    r"^(src|secrets|integration_tests|unit_tests|build)(/|$)|fake_twilio|site-packages/(tools|benchmarks)/|source_twilio/.*(test|secret)|sample_config|invalid_config|wheelhouse|\.git/"
)


def _local(args: List[str]):
    result = subprocess.run([COMMAND, *args], capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


def _sorted(records: list) -> list:
    return sorted(records, key=lambda r: json.dumps(r, sort_keys=True))


def test_given_the_image_when_spec_then_the_same_spec_as_the_local_command():
    in_docker = docker_run("spec")
    local = Run.parse(*_local(["spec"]))

    assert in_docker.returncode == 0
    assert in_docker.of_type("SPEC") == local.of_type("SPEC") != []


def test_given_the_fake_when_check_in_docker_then_succeeded_and_failed_for_a_wrong_token(start_fake):
    fake = start_fake(Dataset(conferences=10))

    good = docker_run("check", sample_config(fake.base_url))
    bad = docker_run("check", sample_config(fake.base_url, auth_token="wrong-token-in-docker"))

    assert good.connection_status == {"status": "SUCCEEDED"}
    assert bad.connection_status["status"] == "FAILED" and "20003" in bad.connection_status["message"]
    assert "wrong-token-in-docker" not in bad.stdout + bad.stderr


def test_given_the_fake_when_read_in_docker_then_the_same_records_as_the_local_command(start_fake):
    fake = start_fake(Dataset(conferences=120, seed=14))
    config, configured = sample_config(fake.base_url), catalog(BOTH)

    in_docker = docker_run("read", config, configured)
    local = run("read", config, configured)

    assert in_docker.returncode == 0, in_docker.stderr[-2000:]
    for stream in BOTH:
        assert len(in_docker.records(stream)) > 0
        assert _sorted(in_docker.records(stream)) == _sorted(local.records(stream))
    assert comparable_state(in_docker.final_state()) == comparable_state(local.final_state())


def test_given_the_image_when_inspected_then_non_root_with_labels_and_without_tests_or_secrets():
    inspect = json.loads(subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, text=True, check=True).stdout)[0]
    config = inspect["Config"]

    assert config["User"] not in ("", "root", "0")
    assert config["Labels"]["io.airbyte.name"] == "source-twilio"
    assert config["Labels"]["io.airbyte.version"]
    assert "AIRBYTE_ENTRYPOINT=source-twilio" in config["Env"]
    assert config["Entrypoint"] == ["source-twilio"]

    container = subprocess.run(["docker", "create", IMAGE], capture_output=True, text=True, check=True).stdout.strip()
    try:
        export = subprocess.Popen(["docker", "export", container], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=export.stdout, mode="r|") as filesystem:
            names = [member.name for member in filesystem]
        export.wait()
    finally:
        subprocess.run(["docker", "rm", container], capture_output=True)
    found = [name for name in names if FORBIDDEN.search(name)]
    assert any(name.endswith("source_twilio/manifest.yaml") for name in names)
    assert found == []


def _in_image(*args: str, mounts: List[str] = (), path: str = "") -> subprocess.CompletedProcess:
    volumes = [option for mount in mounts for option in ("-v", mount)] + ([f"--env=PYTHONPATH={path}"] if path else [])
    return subprocess.run(
        ["docker", "run", "--rm", *volumes, "--env=PYTHONDONTWRITEBYTECODE=1", "--entrypoint", "/opt/source-twilio/bin/python", IMAGE, *args],
        capture_output=True, text=True, timeout=120,
    )


def test_given_the_image_when_pip_check_runs_on_its_venv_then_no_broken_requirement():
    """The image ships no pip: this test's own pip, mounted read-only, checks the venv the image runs."""
    import pip

    pip_dir = os.path.dirname(pip.__file__)
    check = _in_image("-m", "pip", "check", "--disable-pip-version-check", mounts=[f"{pip_dir}:/pip-check/pip:ro"], path="/pip-check")
    recorded = _in_image("-c", "print(open('/opt/source-twilio/pip-check.txt').read(), end='')")
    without_pip = _in_image("-c", "import pip")

    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == "No broken requirements found."
    assert recorded.stdout.strip() == "No broken requirements found."  # what the build stage's own pip said
    assert without_pip.returncode != 0 and "No module named 'pip'" in without_pip.stderr


def test_given_the_image_then_its_venv_holds_no_tests_nor_unused_bytecode_and_stays_under_220_mb():
    probe = _in_image("-c", """
import os
root = "/opt/source-twilio"
size = tests = pyc = 0
for folder, dirs, files in os.walk(root):
    tests += os.path.basename(folder) == "tests"
    for name in files:
        path = os.path.join(folder, name)
        if not os.path.islink(path):
            size += os.path.getsize(path)
        pyc += name.endswith(".pyc")
import pandas, numpy  # the CDK's requirements that the connector never loads are there, whole enough to import
print(size, tests, pyc)
""")
    size, tests, pyc = map(int, probe.stdout.split())

    assert probe.returncode == 0, probe.stderr[-2000:]
    assert tests == 0
    assert 300 < pyc < 2000  # the bytecode of what a command imports (about 770 files), not of every module
    assert size < 220 * 1024 * 1024


def _images(*filters: str) -> List[str]:
    args = [option for name in filters for option in ("--filter", name)]
    return subprocess.run(["docker", "images", "--all", "--quiet", *args], capture_output=True, text=True, check=True).stdout.split()


def test_given_docker_build_ran_then_neither_its_build_stage_nor_a_replaced_image_is_left():
    assert _images("label=io.source-twilio.stage=build") == []
    assert _images("dangling=true", "label=io.airbyte.name=source-twilio") == []
    assert _images("label=io.airbyte.name=source-twilio") != []  # the filter finds the connector's images
