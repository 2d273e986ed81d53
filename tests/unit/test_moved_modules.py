"""Modules that moved into folders (0.2.0) keep their old import paths, with a warning."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from airflow_provider_jodo.compat.moved_modules import MOVED_MODULES, new_module_name
from airflow_provider_jodo.vendor import job_verdict
from airflow_provider_jodo.vendor.wire import form


@pytest.fixture(autouse=True)
def forget_old_paths():
    """An alias is imported (and warns) once per interpreter; each test starts afresh."""
    for name in [name for name in sys.modules if new_module_name(name)]:
        del sys.modules[name]


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_every_old_path_imports_and_names_the_new_one(old):
    old_name = f"airflow_provider_jodo.{old}"
    with pytest.warns(DeprecationWarning, match=rf"{old_name} moved to {new_module_name(old_name)}"):
        importlib.import_module(old_name)


def test_an_old_path_gives_the_very_objects_of_the_new_module():
    with pytest.warns(DeprecationWarning):
        from airflow_provider_jodo.job_verdict import JobVerdict, judge_job
    assert judge_job is job_verdict.judge_job and JobVerdict is job_verdict.JobVerdict


def test_a_moved_folder_keeps_its_submodules():
    with pytest.warns(DeprecationWarning):
        from airflow_provider_jodo.wire.form import form_field
    assert form_field is form.form_field


def test_paths_that_did_not_move_are_left_to_python():
    assert new_module_name("airflow_provider_jodo.enums") is None
    assert new_module_name("airflow_provider_jodo.codesign") is None
    assert new_module_name("requests.codes") is None
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("airflow_provider_jodo.no_such_module")


def test_a_fresh_interpreter_imports_an_old_path_through_the_package_alone():
    """No test fixture installs the finder: importing the package does."""
    code = (
        "import warnings; warnings.simplefilter('error');\n"
        "try:\n    import airflow_provider_jodo.codes\n"
        "except DeprecationWarning as w:\n    print(w)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert (
        out.strip()
        == "airflow_provider_jodo.codes moved to airflow_provider_jodo.vendor.codes; import it from there"
    )
