"""Integration fixtures: a fresh sandbox per test on an ephemeral port for each sandbox profile,
hooks wired to it (`tests/support/sandbox_fixtures.py`), `dag.test()`'s metadata database, an S3
double, and a check that no secret of the sandbox ever reaches a log line."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from jodo_sandbox import SandboxProfile
from tests.support.airflow_runs import airflow_db  # noqa: F401  (fixtures)
from tests.support.object_store import moto_endpoint, object_store  # noqa: F401  (fixtures)
from tests.support.sandbox_fixtures import connect, connect_to, files, sandbox, scripted  # noqa: F401  (fixtures)

SANDBOX_PROFILES = tuple(
    SandboxProfile(name)
    for name in os.environ.get("JODO_TEST_SANDBOX_PROFILES", "full,documented").split(",")
)
"""Every test on the `sandbox` fixture runs against both: our sandbox with its extensions, and
one that answers only what the vendors document (plus the decided status lookup).
`JODO_TEST_SANDBOX_PROFILES` narrows that default (the older Airflow minors of `make test` run
`documented` only: the profiles differ in the platform, not in Airflow); a test marked
`@pytest.mark.sandbox_profiles(...)` still runs against the profiles it names."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `sandbox_profile` over `SANDBOX_PROFILES`, or over the profiles named by
    `@pytest.mark.sandbox_profiles(...)` (a test of one of our extensions, or of its absence)."""
    if "sandbox_profile" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("sandbox_profiles")
        profiles = [SandboxProfile(name) for name in marker.args] if marker else SANDBOX_PROFILES
        metafunc.parametrize("sandbox_profile", profiles, ids=[profile.value for profile in profiles])


@pytest.fixture(autouse=True)
def no_secret_in_logs(request, caplog) -> Iterator[None]:
    """Capture every log record at DEBUG (urllib3's request lines included) and fail the test
    if any secret of its sandbox or object store appears in one."""
    caplog.set_level(logging.DEBUG)
    yield
    # caplog.text holds only the current phase's records (teardown): read the test's own too.
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    text = "\n".join([*(logging.Formatter().format(record) for record in records), caplog.text])
    secrets = [*getattr(request.node, "sandbox_secrets", ()), *getattr(request.node, "store_secrets", ())]
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret value(s) appeared in the captured logs"
