"""What a provider user gets from the index: the sdist and the wheel build and pass `twine check`,
the wheel carries `py.typed` and `LICENSE` and no tests and no sandbox, and installed beside this
environment's Airflow in a clean venv (uv), Airflow lists the provider at pyproject's version, its
hook imports (and the sandbox does not), and a type checker reads its types.

The sandbox's own distribution (sandbox/) builds and passes `twine check` too, its wheel carries
`py.typed` and `LICENSE` and the `jodo-sandbox` command, and installed with the provider's wheel
in a venv of its own, that command serves both APIs and a type checker reads its types.

The venv is made with `uv venv` and filled by `uv pip install` from uv's cache (about 3 s here
once the cache holds Airflow's wheels; the first run downloads them)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import urllib.request
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
SANDBOX_ROOT = ROOT / "sandbox"
SANDBOX_PROJECT = tomllib.loads((SANDBOX_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
SANDBOX_PACKAGE = "jodo_sandbox"


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run `command`, failing the test with its output when it fails."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def build(project: Path, out: Path) -> dict[str, Path]:
    """Build the sdist and the wheel of the project in `project` into `out`, as `python -m build` does."""
    run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, project)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """The provider's sdist and wheel, built from this tree."""
    return build(ROOT, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def sandbox_dists(tmp_path_factory) -> dict[str, Path]:
    """The sandbox's sdist and wheel, built from sandbox/."""
    return build(SANDBOX_ROOT, tmp_path_factory.mktemp("sandbox-dist"))


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


def new_venv(venv: Path, wheels: list[Path], env: dict[str, str], cwd: Path) -> Path:
    """Make a venv at `venv` holding the wheels and this environment's Airflow release, nothing
    else; return its Python."""
    uv = find_uv_bin()
    run(uv, "venv", "--quiet", "--python", sys.executable, venv, env=env, cwd=cwd)
    python = venv / "bin" / "python"
    airflow = f"apache-airflow=={version('apache-airflow')}"
    run(uv, "pip", "install", "--quiet", "--python", python, *wheels, airflow, env=env, cwd=cwd)
    return python


@pytest.fixture(scope="module")
def venv_python(dists, clean_env, outside, tmp_path_factory) -> Path:
    """A new venv holding the provider's wheel and this environment's Airflow release, nothing else."""
    return new_venv(tmp_path_factory.mktemp("venv"), [dists["wheel"]], clean_env, outside)


@pytest.fixture(scope="module")
def sandbox_venv_python(dists, sandbox_dists, clean_env, outside, tmp_path_factory) -> Path:
    """A new venv holding the provider's and the sandbox's wheels and this environment's Airflow
    release: the sandbox's dependency on the provider resolves to the provider's wheel."""
    wheels = [dists["wheel"], sandbox_dists["wheel"]]
    return new_venv(tmp_path_factory.mktemp("sandbox-venv"), wheels, clean_env, outside)


def test_twine_accepts_the_sdist_and_the_wheel(dists):
    result = run(sys.executable, "-m", "twine", "check", "--strict", dists["sdist"], dists["wheel"])
    assert result.stdout.count("PASSED") == 2


def test_the_wheel_ships_the_package_typed_with_its_license_and_no_tests_and_no_sandbox(dists):
    names = zipfile.ZipFile(dists["wheel"]).namelist()
    dist_info = f"{PACKAGE}-{PROJECT_VERSION}.dist-info"
    assert f"{PACKAGE}/py.typed" in names
    assert f"{dist_info}/licenses/LICENSE" in names
    assert not [name for name in names if name.startswith("tests/")]
    assert {name.split("/")[0] for name in names} == {PACKAGE, dist_info}
    assert not [name for name in names if "sandbox" in name.lower()]
    metadata = zipfile.ZipFile(dists["wheel"]).read(f"{dist_info}/METADATA").decode()
    assert "Classifier: Framework :: Apache Airflow :: Provider" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert "# airflow-provider-jodo" in metadata  # the README as the long description


def test_the_sdist_ships_the_license_the_changelog_and_the_readme_and_no_sandbox(dists):
    with tarfile.open(dists["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", f"{PACKAGE}/py.typed"} <= names
    assert not [name for name in names if name.startswith(("sandbox/", SANDBOX_PACKAGE))]


def test_airflow_in_the_clean_venv_lists_the_provider_at_its_version(venv_python, clean_env, outside):
    listing = run(venv_python.with_name("airflow"), "providers", "list", env=clean_env, cwd=outside).stdout
    (row,) = [line for line in listing.splitlines() if line.startswith("airflow-provider-jodo ")]
    assert row.split("|")[-1].strip() == PROJECT_VERSION


def test_the_hook_imports_from_the_installed_wheel_and_no_sandbox_is_installed(
    venv_python, clean_env, outside
):
    code = (
        f"import importlib.util, {PACKAGE}, {PACKAGE}.hooks.jodo; "
        f"print({PACKAGE}.__file__, {PACKAGE}.__version__, importlib.util.find_spec('{SANDBOX_PACKAGE}'))"
    )
    where, installed_version, sandbox = run(
        venv_python, "-c", code, env=clean_env, cwd=outside
    ).stdout.split()
    assert Path(where).is_relative_to(venv_python.parent.parent)
    assert installed_version == PROJECT_VERSION
    assert sandbox == "None"


def test_a_type_checker_reads_the_installed_wheels_types(venv_python, clean_env, tmp_path):
    dag_file = tmp_path / "dag.py"
    dag_file.write_text(
        f"from {PACKAGE}.operators.cji_records import JodoImportCJIRecordsOperator\n"
        'reveal_type(JodoImportCJIRecordsOperator(task_id="t", campaign_id=1, records=[]))\n'
    )
    # mypy need not read Airflow's thousands of modules to prove it reads ours (they cost 15 s):
    # the wheel's py.typed decides whether the import resolves, and the revealed type is ours.
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n\n[mypy-airflow.*]\nfollow_imports = skip\n")
    result = run(
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        config,
        "--python-executable",
        venv_python,
        "--cache-dir",
        tmp_path / "mypy-cache",
        dag_file,
        cwd=tmp_path,
        env=clean_env,
    )
    assert f'Revealed type is "{PACKAGE}.operators.cji_records.JodoImportCJIRecordsOperator"' in result.stdout


def test_twine_accepts_the_sandboxs_sdist_and_wheel(sandbox_dists):
    result = run(
        sys.executable, "-m", "twine", "check", "--strict", sandbox_dists["sdist"], sandbox_dists["wheel"]
    )
    assert result.stdout.count("PASSED") == 2


def test_the_sandboxs_wheel_ships_its_package_typed_with_its_license_and_its_command(sandbox_dists):
    wheel = zipfile.ZipFile(sandbox_dists["wheel"])
    names = wheel.namelist()
    dist_info = f"{SANDBOX_PACKAGE}-{SANDBOX_PROJECT['version']}.dist-info"
    assert {name.split("/")[0] for name in names} == {SANDBOX_PACKAGE, dist_info}
    assert {f"{SANDBOX_PACKAGE}/py.typed", f"{SANDBOX_PACKAGE}/__main__.py"} <= set(names)
    assert wheel.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    assert "jodo-sandbox = jodo_sandbox.__main__:main" in wheel.read(f"{dist_info}/entry_points.txt").decode()
    metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert f"Requires-Dist: airflow-provider-jodo>={PROJECT_VERSION}" in metadata


def test_the_installed_sandbox_command_serves_both_apis(sandbox_venv_python, clean_env, outside):
    """`jodo-sandbox` from the installed wheel starts, writes the connection, answers, and stops."""
    connection_file = outside / "sandbox-connection.json"
    command = [
        sandbox_venv_python.with_name("jodo-sandbox"),
        "--port",
        "0",
        "--connection-file",
        connection_file,
    ]
    environment = {**clean_env, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [str(part) for part in command], stdout=subprocess.PIPE, text=True, env=environment, cwd=outside
    )
    try:
        assert process.stdout is not None
        banner = []
        for line in process.stdout:
            if line.startswith("Press Ctrl+C"):
                break
            banner.append(line)
        assert connection_file.exists(), f"the sandbox did not start: {banner}"
        base_url = json.loads(connection_file.read_text())["host"]
        # Each API answers in its own form: Jodo's house-style JSON, astercc's JSONP. No proxy:
        # the sandbox is on loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(
            f"{base_url}/CustomerWebServices/handleCustomerWS?data=%7B%7D", timeout=10
        ) as answer:
            assert "statusdesc" in json.loads(answer.read())
        with opener.open(f"{base_url}/setevent/importCJI?callback=cb", timeout=10) as answer:
            assert answer.read().decode().startswith("cb(")
    finally:
        process.send_signal(signal.SIGINT)
        remaining, _ = process.communicate(timeout=30)
    assert f"Jodo sandbox listening on {base_url}" in "".join(banner)
    assert process.returncode == 0 and "stopped" in remaining


def test_the_sandbox_imports_from_its_wheel_and_a_type_checker_reads_its_types(
    sandbox_venv_python, clean_env, outside, tmp_path
):
    code = f"import {SANDBOX_PACKAGE}; print({SANDBOX_PACKAGE}.__file__)"
    where = run(sandbox_venv_python, "-c", code, env=clean_env, cwd=outside).stdout.strip()
    assert Path(where).is_relative_to(sandbox_venv_python.parent.parent)
    test_file = tmp_path / "test_with_sandbox.py"
    test_file.write_text(f"from {SANDBOX_PACKAGE} import JodoSandbox\nreveal_type(JodoSandbox())\n")
    result = run(
        sys.executable,
        "-m",
        "mypy",
        "--python-executable",
        sandbox_venv_python,
        "--cache-dir",
        tmp_path / "mypy-cache",
        test_file,
        cwd=tmp_path,
        env=clean_env,
    )
    # Without py.typed, mypy would refuse the import ("missing library stubs or py.typed marker").
    assert 'Revealed type is "jodo_sandbox.sandbox.JodoSandbox"' in result.stdout
