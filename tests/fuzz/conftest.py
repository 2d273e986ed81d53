"""Hypothesis settings for the property-based tests: derandomized, so that CI and a developer
see the same examples (a failure reproduces with the same seed everywhere), no deadline (the
sandbox round trips vary with the machine), and example counts that keep the whole fuzz run
around a minute. `HYPOTHESIS_PROFILE=fuzz-deep` runs ten times as many examples locally."""

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
settings.register_profile("fuzz", max_examples=100, **_COMMON)
settings.register_profile("fuzz-deep", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))

# The sandbox and hooks on it, as the integration tests have them (one sandbox per test function:
# the examples of one property share it and keep their records apart by key).
import pytest  # noqa: E402

from jodo_sandbox import SandboxProfile  # noqa: E402
from tests.support.sandbox_fixtures import connect, connect_to, sandbox  # noqa: E402, F401  (fixtures)


@pytest.fixture
def sandbox_profile() -> SandboxProfile:
    """The properties hold the platform to our full protocol (per-record outcomes); the
    integration suite covers the documented profile."""
    return SandboxProfile.FULL
