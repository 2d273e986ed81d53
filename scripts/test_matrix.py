"""`make test-matrix`: the unit, sandbox and integration tests under each older Airflow minor.

For each minor below the newest (which `make test` covers in `.venv`), create or reuse a uv venv
in `.matrix/af<minor>` with that Airflow and the provider's test extras, then run
`tests/unit`, `tests/sandbox` and `tests/integration` (`-m "not system"`), each in its own
pytest call, and print a table: Airflow version | tests passed | failed | minutes.

`uv` is taken from `$UV`, else from PATH, else beside this Python. Pass minors ("3.0 3.2") to
run only those. Exits non-zero when any minor has a failure.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / ".matrix"

AIRFLOW_RELEASES = {"3.0": "3.0.6", "3.1": "3.1.8", "3.2": "3.2.2"}
"""The latest patch of each older minor the floor admits (PyPI, checked 2026-11-30)."""

EXTRA_REQUIREMENTS = {
    "3.0": ["fastapi==0.117.1", "cadwyn<8", "svcs<26", "universal-pathlib<0.3", "wtforms"],
    "3.1": ["cadwyn<8", "svcs<26"],
    "3.2": ["fastapi==0.136.3", "cadwyn==7.0.0", "svcs<26"],
}
"""What an older minor needs beside the provider, which its own constraints file pins and its
metadata does not. The in-process execution API of `dag.test()` (Airflow 3.2.2 checked) fails
every task with fastapi 0.165 / cadwyn 9 ("TITerminalStatePayload needs a discriminator") and
with svcs 26 ("'State' object has no attribute 'svcs_registry'"); the versions pinned are those
Airflow 3.3.2 runs with here (3.1 pins fastapi itself; 3.0 takes what 3.1.8 resolves to, as
its fastapi 0.165 refuses `openapi_prefix`). Airflow 3.0.6 requires universal-pathlib>=0.2.2 yet
cannot build an ObjectStoragePath with 0.3 (3.1 caps it at <0.3), and its UI shows a hook's extra
fields only with wtforms installed (the FAB provider brings it)."""

SUITES = ["tests/unit", "tests/sandbox", "tests/integration"]


def uv() -> str:
    """Return the uv executable."""
    found = os.environ.get("UV") or shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        sys.exit("uv not found: pip install uv (or set UV=/path/to/uv)")
    return found


def venv_for(minor: str) -> Path:
    """Create the minor's venv with its Airflow and the test extras, unless it is up to date."""
    venv = MATRIX / f"af{minor.replace('.', '')}"
    stamp = venv / ".installed"
    release = AIRFLOW_RELEASES[minor]
    inputs = f"{release} {EXTRA_REQUIREMENTS.get(minor, [])}\n{(ROOT / 'pyproject.toml').read_text()}"
    if stamp.exists() and stamp.read_text() == inputs:
        return venv
    subprocess.run([uv(), "venv", "--quiet", "--clear", "--python", "3.11", str(venv)], check=True)
    requirements = [f"apache-airflow=={release}", "-e", f"{ROOT}[test]", *EXTRA_REQUIREMENTS.get(minor, [])]
    subprocess.run([uv(), "pip", "install", "--quiet", "--python", str(venv), *requirements], check=True)
    stamp.write_text(inputs)
    return venv


def run_suite(venv: Path, suite: str) -> tuple[int, int]:
    """Run one test folder in the venv; return (passed, failed), errors counted as failed."""
    command = [
        str(venv / "bin" / "python"),
        "-m",
        "pytest",
        suite,
        "-m",
        "not system",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    print(f"$ {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    log = venv.with_name(f"{venv.name}-{Path(suite).name}.log")
    log.write_text(result.stdout + result.stderr)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode not in (0, 5):  # 5: nothing collected
        print("\n".join(line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))))
        print(f"(the whole output: {log.relative_to(ROOT)})")
    print(summary, flush=True)
    counts = {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|error)", summary)}
    failed = counts.get("failed", 0) + counts.get("error", 0)
    if result.returncode not in (0, 1, 5) and not failed:  # pytest itself failed: count the suite
        failed = 1
    return counts.get("passed", 0), failed


def main() -> int:
    """Run the matrix and print its table."""
    minors = sys.argv[1:] or list(AIRFLOW_RELEASES)
    rows = []
    for minor in minors:
        started = time.monotonic()
        venv = venv_for(minor)
        passed = failed = 0
        for suite in SUITES:
            suite_passed, suite_failed = run_suite(venv, suite)
            passed += suite_passed
            failed += suite_failed
        rows.append((AIRFLOW_RELEASES[minor], passed, failed, (time.monotonic() - started) / 60))
    print("\nAirflow version | tests passed | failed | minutes")
    for release, passed, failed, minutes in rows:
        print(f"{release:<15} | {passed:>12} | {failed:>6} | {minutes:7.1f}")
    return 1 if any(row[2] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
