"""Every enumeration of the package prints as its wire value, wherever a user reads it: `str()`,
an f-string, a %-formatted log line (`str(job.state)` is `'succeeded'`, not `'JobState.SUCCEEDED'`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from enum import Enum

import pytest

import airflow_provider_jodo
from airflow_provider_jodo.enums import JobState, Media


def package_enums() -> list[type[Enum]]:
    """Every Enum class defined in a module of the package, found by walking it (so a new one is covered)."""
    found = []
    for module_info in pkgutil.walk_packages(airflow_provider_jodo.__path__, "airflow_provider_jodo."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Enum) and value.__module__ == module.__name__:
                found.append(value)
    return sorted(set(found), key=lambda enum_type: f"{enum_type.__module__}.{enum_type.__qualname__}")


ENUMS = package_enums()


def test_the_walk_finds_the_enumerations_users_meet():
    assert {JobState, Media} <= set(ENUMS)
    assert len(ENUMS) >= 15


@pytest.mark.parametrize("enum_type", ENUMS, ids=lambda enum_type: enum_type.__qualname__)
def test_every_member_prints_as_its_value(enum_type):
    for member in enum_type:
        printed = str(member.value)
        assert str(member) == printed
        assert f"{member}" == printed
        assert "%s" % member == printed  # noqa: UP031  (how log lines format it)


def test_a_job_state_reads_as_the_word_the_platform_uses():
    assert str(JobState.SUCCEEDED) == "succeeded"
    assert f"import job 7 {JobState.FAILED}" == "import job 7 failed"
