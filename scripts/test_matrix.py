"""The older Airflow minors of `make test`: under each one, the tests of what Airflow can change.

For each minor below the newest (which `make test` runs in `.venv`: the whole suite, the system
tests included), create or reuse a uv venv in `.matrix/af<minor>` with that Airflow and the
provider's test extras, pinned by `constraints/airflow-<minor>.txt`, then run
`AIRFLOW_DEPENDENT_TESTS` in one pytest call, the minors side by side, and print a table:
Airflow version | tests passed | failed | minutes. The oldest minor also runs the browser test of
the connection form, whose fields each minor builds its own way.

What runs where, and why (the test tree mirrors the package, so a folder is a component):

- On every minor: the Airflow components (the operators' construction, templating and
  serialisation in `tests/unit/`; the sensor and the trigger against the sandbox; every operator
  in `dag.test()` runs), the compat layer, the hook's connection loading and the connection test,
  the minimum-Airflow guard, the macros, object storage and OpenLineage, and the provider under
  Airflow itself (`tests/integration/under_airflow/`: `dag.test()` runs, the example DAGs,
  registration, the secret scan of the metadata database). These call Airflow's code, which each
  minor changes.
- Once, on the newest: the protocol and its wire format, the loading machinery, the operators'
  own logic under a task context of our own, the hook's transport, platform calls, file
  submission and soak, the fuzz properties. They are our code over HTTP, identical on every
  minor; Airflow only lends them the connection and `BaseOperator`, which the tests above use on
  every minor.
- `tests/sandbox` runs once, on the newest: the sandbox imports no Airflow (an import-linter
  contract keeps it so), so another Airflow cannot change what it does.
- The older minors run against the `documented` sandbox profile only
  (`JODO_TEST_SANDBOX_PROFILES`): the two profiles differ in the platform, not in Airflow, and
  the newest runs both.
- The other system tests (a deployment, Celery, packaging) run once, on the newest.

`python scripts/test_matrix.py --constraints` writes the constraints files instead, the newest
release's included (uv's resolver; `make constraints`). Pass minors ("3.0 3.2") to run or write
only those. Exits non-zero when any
minor has a failure. `uv` is taken from `$UV`, else from PATH, else beside this Python.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / ".matrix"
CONSTRAINTS = ROOT / "constraints"

AIRFLOW_RELEASES = {"3.0": "3.0.6", "3.1": "3.1.8", "3.2": "3.2.2"}
"""The latest patch of each older minor the floor admits (PyPI, checked 2026-11-30)."""

NEWEST_RELEASE = ("3.3", "3.3.2")
"""The release `.venv` runs (`make test`, the whole suite), pinned in its constraints file too, so
that a new Airflow enters only when this line changes."""

EXTRA_REQUIREMENTS = {
    "3.0": ["fastapi==0.117.1", "cadwyn<8", "svcs<26", "universal-pathlib<0.3", "wtforms"],
    "3.1": ["cadwyn<8", "svcs<26"],
    "3.2": ["fastapi==0.136.3", "cadwyn==7.0.0", "svcs<26"],
}
"""What an older minor needs beside the provider and its metadata does not pin (compiled into
its constraints file; not compared with Airflow's published constraints, which this machine
cannot download). The in-process execution API of `dag.test()` (Airflow 3.2.2 checked) fails
every task with fastapi 0.165 / cadwyn 9 ("TITerminalStatePayload needs a discriminator") and
with svcs 26 ("'State' object has no attribute 'svcs_registry'"); the versions pinned are those
Airflow 3.3.2 runs with here (3.1 pins fastapi itself; 3.0 takes what 3.1.8 resolves to, as
its fastapi 0.165 refuses `openapi_prefix`). Airflow 3.0.6 requires universal-pathlib>=0.2.2 yet
cannot build an ObjectStoragePath with 0.3 (3.1 caps it at <0.3), and its UI shows a hook's extra
fields only with wtforms installed (the FAB provider brings it)."""

AIRFLOW_DEPENDENT_TESTS = [
    # Unit tests: the compat layer (where each minor keeps its names), the operators' and the
    # trigger's construction, the hook's connection loading (from Airflow's `Connection`), the
    # minimum-Airflow guard and the macros (rendered by Airflow's templating).
    "tests/unit/compat",
    "tests/unit/operators",
    "tests/unit/triggers",
    "tests/unit/hooks/test_connection.py",
    "tests/unit/test_init.py",
    "tests/unit/test_macros.py",
    # Integration tests: the components under Airflow itself (`dag.test()` runs of every operator,
    # the sensor and the trigger, the example DAGs, registration, the secret scan of the metadata
    # database), the sensor and the trigger against the sandbox, what the operators read and write
    # through Airflow's object storage, their OpenLineage events (Airflow's listener), and the
    # connection test (`airflow connections test`).
    "tests/integration/under_airflow",
    "tests/integration/loading/test_storage.py",
    "tests/integration/operators/test_lineage.py",
    "tests/integration/sensors",
    "tests/integration/triggers",
    "tests/integration/hooks/test_connection.py",
]
"""What an Airflow minor can change, by folder: a test added to one of these runs on every minor.

Not here, because no Airflow minor changes them: the protocol and its wire format
(`tests/unit/protocol`), the loading machinery (`tests/unit/loading`), the operators' own logic
run with a task context of our own (`tests/integration/operators`: batching, checks, reports,
exactly-once file jobs; Airflow lends only `BaseOperator`, whose use every minor proves in the
unit tests and the `dag.test()` runs above), the hook's transport,
platform calls, file submission and soak (`tests/integration/hooks` but the connection test: the
same code over HTTP on every minor, where Airflow only lends the connection, which every test
above loads on every minor as well), the fuzz properties and the sandbox's own tests. The newest
runs them, the integration tests with both sandbox profiles."""

OLDEST_ONLY_TESTS = ["tests/system/test_connection_form.py"]
"""The connection form is built from `conn-fields` on 3.2+ and from the hook's classmethods
before: the oldest minor proves the second way (its browser test, marked `connection_form`, a
system test), the newest (`make test`) the first."""

PYTEST_ENVIRONMENT = {"JODO_TEST_SANDBOX_PROFILES": "documented"}


def uv() -> str:
    """Return the uv executable."""
    found = os.environ.get("UV") or shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        sys.exit("uv not found: pip install uv (or set UV=/path/to/uv)")
    return found


def constraints_file(minor: str) -> Path:
    """Return where the versions of the minor's venv are pinned."""
    return CONSTRAINTS / f"airflow-{minor}.txt"


def requirements_of(minor: str, release: str) -> list[str]:
    """Return what the minor's venv asks for beside the provider: its Airflow and extra pins."""
    return [f"apache-airflow=={release}", *EXTRA_REQUIREMENTS.get(minor, [])]


def compile_constraints(minor: str, release: str) -> None:
    """Resolve the provider's extras with the minor's Airflow into its constraints file.

    uv keeps the versions the file already pins where they still fit, so that a rerun changes
    only what the inputs changed. The pins go through a file of a fixed name under `.matrix/`,
    which the output names as its source.
    """
    pins = requirements_of(minor, release)
    MATRIX.mkdir(exist_ok=True)
    requirements = MATRIX / f"airflow-{minor}.in"
    requirements.write_text("\n".join(pins) + "\n")
    path = constraints_file(minor)
    subprocess.run(
        [
            uv(), "pip", "compile", "pyproject.toml", str(requirements.relative_to(ROOT)),
            "--all-extras", "--python-version", "3.11", "--quiet", "--no-header",
            "--output-file", str(path),
        ],
        cwd=ROOT,
        check=True,
    )  # fmt: skip
    header = f"# Airflow {release} and the provider's extras, by uv: make constraints\n"
    body = path.read_text()
    path.write_text(body if body.startswith(header) else header + body)


def venv_for(minor: str) -> Path:
    """Create the minor's venv with its Airflow and the test extras, unless it is up to date."""
    venv = MATRIX / f"af{minor.replace('.', '')}"
    stamp = venv / ".installed"
    constraints = constraints_file(minor)
    inputs = "\n".join(
        [
            str(EXTRA_REQUIREMENTS.get(minor)),
            constraints.read_text(),
            (ROOT / "pyproject.toml").read_text(),
            (ROOT / "sandbox" / "pyproject.toml").read_text(),
        ]
    )
    if stamp.exists() and stamp.read_text() == inputs:
        return venv
    subprocess.run([uv(), "venv", "--quiet", "--clear", "--python", sys.executable, str(venv)], check=True)
    requirements = [
        "-e",
        f"{ROOT}[test]",
        "-e",
        str(ROOT / "sandbox"),  # the tests' platform: its own distribution
        *requirements_of(minor, AIRFLOW_RELEASES[minor]),
        "-c",
        str(constraints),
    ]
    subprocess.run([uv(), "pip", "install", "--quiet", "--python", str(venv), *requirements], check=True)
    stamp.write_text(inputs)
    return venv


def run_minor(minor: str, oldest: str) -> tuple[str, int, int, float]:
    """Create or reuse the minor's venv and run its one pytest call there, logged in
    `.matrix/af<minor>.log`; return its table row: (release, passed, failed, minutes), errors
    counted as failed.

    One pytest process, no xdist workers: the minors run side by side (`main`), so that three
    processes share the two cores where one minor's two workers left them a quarter idle (the
    waits on a job, a subprocess, a deployment), and each minor migrates one metadata database
    and builds one in-process execution API instead of two."""
    started = time.monotonic()
    venv = venv_for(minor)
    paths, marker = AIRFLOW_DEPENDENT_TESTS, "not system"
    if minor == oldest:
        paths, marker = paths + OLDEST_ONLY_TESTS, "not system or connection_form"
    command = [
        str(venv / "bin" / "python"),
        "-m",
        "pytest",
        *paths,
        "-m",
        marker,
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    print(f"[{minor}] $ {' '.join(command)}", flush=True)
    environment = {**os.environ, **PYTEST_ENVIRONMENT}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=environment)
    log = venv.with_name(f"{venv.name}.log")
    log.write_text(result.stdout + result.stderr)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    report = [line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    if result.returncode != 0:
        report.append(f"(the whole output: {log.relative_to(ROOT)})")
    print("\n".join(f"[{minor}] {line}" for line in [*report, summary]), flush=True)
    counts = {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|error)", summary)}
    failed = counts.get("failed", 0) + counts.get("error", 0)
    # pytest itself failed, or ran nothing (5: a renamed folder, a marker that selects nothing):
    # the suite counts as one failure, so that a minor never passes on no tests.
    if (result.returncode not in (0, 1) or not counts.get("passed")) and not failed:
        failed = 1
    return AIRFLOW_RELEASES[minor], counts.get("passed", 0), failed, (time.monotonic() - started) / 60


def main(arguments: list[str]) -> int:
    """Run the matrix and print its table, or write the constraints files (`--constraints`)."""
    releases = {**AIRFLOW_RELEASES, NEWEST_RELEASE[0]: NEWEST_RELEASE[1]}
    constraints_only = arguments[:1] == ["--constraints"]
    minors = arguments[1:] if constraints_only else arguments
    known = releases if constraints_only else AIRFLOW_RELEASES
    if unknown := [minor for minor in minors if minor not in known]:
        sys.exit(f"unknown Airflow minor {', '.join(unknown)}: choose from {', '.join(known)}")
    if constraints_only:
        for minor in minors or releases:
            compile_constraints(minor, releases[minor])
        return 0
    minors = minors or list(AIRFLOW_RELEASES)
    oldest = min(AIRFLOW_RELEASES, key=lambda minor: tuple(map(int, minor.split("."))))
    with ThreadPoolExecutor(max_workers=len(minors)) as pool:
        rows = list(pool.map(run_minor, minors, [oldest] * len(minors)))
    print("\nAirflow version | tests passed | failed | minutes")
    for release, passed, failed, minutes in rows:
        print(f"{release:<15} | {passed:>12} | {failed:>6} | {minutes:7.1f}")
    return 1 if any(row[2] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
