# Root conftest: the CDK's acceptance-suite plugin must be registered here, at the rootdir (registering
# it in a test module fails); it adds --connector-image and the scenario parametrization.
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, Iterator

import pytest

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

USER_SECRETS = Path(__file__).resolve().parent / "secrets"


def _snapshot(folder: Path) -> Dict[str, str]:
    """Every file under `folder` with a hash of its content (empty when the folder does not exist)."""
    if not folder.exists():
        return {}
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="session", autouse=True)
def _user_secrets_untouched() -> Iterator[None]:
    """secrets/ is where a user keeps a real config (README): a test run must leave it as it found it. A change makes
    the session's teardown fail, whatever test made it."""
    before = _snapshot(USER_SECRETS)
    existed = USER_SECRETS.exists()
    yield
    assert USER_SECRETS.exists() == existed and _snapshot(USER_SECRETS) == before, "the tests changed secrets/, a user's real config"


# The modules that take longest, longest first (seconds of one module alone on the 2-core machine, after the speed work
# of issue 14): pytest-xdist (scripts/test: `--dist loadfile --no-loadscope-reorder`) hands modules to the workers in
# collection order, and a long module handed out last would keep one worker busy while the other has nothing left.
# The other modules keep their order after these. Only the order changes: every test still runs, alone in its module.
LONGEST_FIRST = (
    "integration_tests/test_reliability.py",  # ~50 s, mostly waiting on the faults' retries
    "integration_tests/test_hosts.py",
    "integration_tests/test_bad_input.py",
    "integration_tests/test_features.py",
    "integration_tests/test_interruptions.py",
    "integration_tests/test_mistakes.py",
    "integration_tests/test_security.py",
    "integration_tests/test_end_to_end.py",
    "unit_tests/test_spec.py",
    "integration_tests/test_acceptance.py",
)


def pytest_collection_modifyitems(items: list) -> None:
    rank = {module: position for position, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
