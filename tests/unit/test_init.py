"""The package's minimum-Airflow guard (`airflow_provider_jodo/__init__.py`): its floor is
pyproject's, it reads the Airflow that imports, and it refuses an older one naming both versions."""

from pathlib import Path

import airflow
import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

import airflow_provider_jodo
from airflow_provider_jodo import MIN_AIRFLOW_VERSION, check_airflow_version, installed_airflow_version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_guard_floor_is_pyprojects_airflow_floor():
    (airflow_requirement,) = [
        requirement
        for requirement in map(Requirement, PROJECT["dependencies"])
        if requirement.name == "apache-airflow"
    ]
    (floor,) = [spec.version for spec in airflow_requirement.specifier if spec.operator == ">="]
    assert Version(floor) == Version(MIN_AIRFLOW_VERSION)


def test_the_guard_reads_the_airflow_that_imports():
    assert installed_airflow_version() == airflow.__version__


def test_an_older_airflow_is_refused_naming_the_provider_both_versions():
    older = f"{Version(MIN_AIRFLOW_VERSION).major - 1}.11.0"
    with pytest.raises(RuntimeError) as refused:
        check_airflow_version(older)
    message = str(refused.value)
    assert f"airflow-provider-jodo:{airflow_provider_jodo.__version__}" in message
    assert f"Apache Airflow {MIN_AIRFLOW_VERSION}+" in message
    assert f"Apache Airflow {older} is installed" in message


@pytest.mark.parametrize("supported", [MIN_AIRFLOW_VERSION, f"{MIN_AIRFLOW_VERSION}.0rc1", "3.3.2", None])
def test_a_supported_airflow_a_pre_release_of_the_floor_or_none_passes(supported):
    check_airflow_version(supported)
