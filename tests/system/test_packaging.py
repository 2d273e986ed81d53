"""What a provider user gets from the index: the sdist and the wheel build and pass `twine check`,
the wheel carries `py.typed` and `LICENSE` and no tests, and installed beside this environment's
Airflow in a clean venv (uv), Airflow lists the provider at pyproject's version, its hook
imports, and a type checker reads its types.

The venv is made with `uv venv` and filled by `uv pip install` from uv's cache (about 3 s here
once the cache holds Airflow's wheels; the first run downloads them)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
import tomllib
from uv import find_uv_bin

pytestmark = [pytest.mark.system, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
PROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PACKAGE = "airflow_provider_jodo"


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run `command`, failing the test with its output when it fails."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel, built from this tree as `python -m build` builds them."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, ROOT)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """The working directory of commands in the clean venv: not the source tree, which `python -c`
    would put first on the path."""
    return tmp_path_factory.mktemp("outside")


@pytest.fixture(scope="module")
def clean_env(tmp_path_factory) -> dict[str, str]:
    """Environment variables for commands in the clean venv: no source tree on the path and
    a fresh AIRFLOW_HOME, so that only the installed wheel can answer."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "PYTHONPATH" and not name.startswith(("AIRFLOW_", "AIRFLOW__", "VIRTUAL_ENV"))
    }
    env["AIRFLOW_HOME"] = str(tmp_path_factory.mktemp("airflow-home"))
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    return env


@pytest.fixture(scope="module")
def venv_python(dists, clean_env, outside, tmp_path_factory) -> Path:
    """A new venv holding the wheel and this environment's Airflow release, nothing else."""
    venv = tmp_path_factory.mktemp("venv")
    uv = find_uv_bin()
    run(uv, "venv", "--quiet", "--python", sys.executable, venv, env=clean_env, cwd=outside)
    python = venv / "bin" / "python"
    airflow = f"apache-airflow=={version('apache-airflow')}"
    run(
        uv,
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        dists["wheel"],
        airflow,
        env=clean_env,
        cwd=outside,
    )
    return python


def test_twine_accepts_the_sdist_and_the_wheel(dists):
    result = run(sys.executable, "-m", "twine", "check", "--strict", dists["sdist"], dists["wheel"])
    assert result.stdout.count("PASSED") == 2


def test_the_wheel_ships_the_package_typed_with_its_license_and_no_tests(dists):
    names = zipfile.ZipFile(dists["wheel"]).namelist()
    dist_info = f"{PACKAGE}-{PROJECT_VERSION}.dist-info"
    assert f"{PACKAGE}/py.typed" in names
    assert f"{dist_info}/licenses/LICENSE" in names
    assert not [name for name in names if name.startswith("tests/")]
    assert {name.split("/")[0] for name in names} == {PACKAGE, dist_info}
    metadata = zipfile.ZipFile(dists["wheel"]).read(f"{dist_info}/METADATA").decode()
    assert "Classifier: Framework :: Apache Airflow :: Provider" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert "# airflow-provider-jodo" in metadata  # the README as the long description


def test_the_sdist_ships_the_license_the_changelog_and_the_readme(dists):
    with tarfile.open(dists["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", f"{PACKAGE}/py.typed"} <= names


def test_airflow_in_the_clean_venv_lists_the_provider_at_its_version(venv_python, clean_env, outside):
    listing = run(venv_python.with_name("airflow"), "providers", "list", env=clean_env, cwd=outside).stdout
    (row,) = [line for line in listing.splitlines() if line.startswith("airflow-provider-jodo ")]
    assert row.split("|")[-1].strip() == PROJECT_VERSION


def test_the_hook_imports_from_the_installed_wheel(venv_python, clean_env, outside):
    code = f"import {PACKAGE}, {PACKAGE}.hooks.jodo; print({PACKAGE}.__file__, {PACKAGE}.__version__)"
    where, installed_version = run(venv_python, "-c", code, env=clean_env, cwd=outside).stdout.split()
    assert Path(where).is_relative_to(venv_python.parent.parent)
    assert installed_version == PROJECT_VERSION


def test_a_type_checker_reads_the_installed_wheels_types(venv_python, clean_env, tmp_path):
    dag_file = tmp_path / "dag.py"
    dag_file.write_text(
        f"from {PACKAGE}.operators.cji_records import JodoImportCJIRecordsOperator\n"
        'reveal_type(JodoImportCJIRecordsOperator(task_id="t", campaign_id=1, records=[]))\n'
    )
    result = run(
        sys.executable,
        "-m",
        "mypy",
        "--python-executable",
        venv_python,
        "--cache-dir",
        tmp_path / "mypy-cache",
        dag_file,
        cwd=tmp_path,
        env=clean_env,
    )
    assert f'Revealed type is "{PACKAGE}.operators.cji_records.JodoImportCJIRecordsOperator"' in result.stdout
