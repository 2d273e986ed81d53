"""A real Airflow deployment on loopback, as users run it: the scheduler (LocalExecutor), the
DAG processor, the triggerer and the API server, each its own process with one shared
environment and AIRFLOW_HOME (SQLite metadata database), the simple auth manager with a
pre-seeded admin password.

`dag.test()` runs triggers inline and never serialises a DAG through the DAG processor; only a
deployment shows that the provider loads in every component, that the triggerer rebuilds the
trigger from `serialize()`, and that the UI builds the connection form from the provider info.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from airflow_provider_jodo.sandbox import JodoSandbox

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
HEALTHY_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
ADMIN_USER = "admin"
STARTUP_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 20.0
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


class DeploymentError(RuntimeError):
    """The deployment did not come up or did not answer; the message quotes the component logs."""


def free_port() -> int:
    """A port free on 127.0.0.1 now (the API server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AirflowDeployment:
    """Airflow's four long-running components under `home`, serving `dags_folder`.

    `environment` adds variables (e.g. `AIRFLOW_CONN_JODO_DEFAULT`) to the components' and the
    CLI's environment. Use it as a context manager: every process it started is stopped on
    exit, also when starting failed half-way.
    """

    def __init__(self, home: Path, dags_folder: Path, environment: Mapping[str, str]) -> None:
        self.home = home
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.admin_password = secrets.token_hex(12)
        self.environment = {
            **os.environ,
            **environment,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # Only the runs a test triggers: no scheduled run of the example DAGs interferes.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            # Quick turns: a test run waits for the scheduler and the triggerer, not for humans.
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        }
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._token: str | None = None

    # Lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> AirflowDeployment:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Migrate the database, start the four components and wait until all are healthy."""
        self.home.mkdir(parents=True, exist_ok=True)
        passwords = self.home / "simple_auth_manager_passwords.json.generated"
        passwords.write_text(json.dumps({ADMIN_USER: self.admin_password}))
        self.cli("db", "migrate")
        for component in COMPONENTS:
            log = (self.home / f"{component}.log").open("wb")
            self._processes[component] = subprocess.Popen(
                [AIRFLOW, component],
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends its children too
            )
            log.close()
        self._wait_until_healthy()

    def stop(self) -> None:
        """SIGTERM every component's process group, SIGKILL what is left after a grace period."""
        for process in self._processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in self._processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)  # stragglers of the group (task runners, workers)
            process.wait()
        self._processes.clear()

    def restart(self, component: str, environment: Mapping[str, str]) -> None:
        """Restart `component` with `environment` over the deployment's, and wait until all are healthy
        (e.g. a scheduler with `AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=True`, which creates the runs
        that assets trigger)."""
        process = self._processes[component]
        _signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        _signal_group(process, signal.SIGKILL)
        process.wait()
        log = (self.home / f"{component}.log").open("ab")
        self._processes[component] = subprocess.Popen(
            [AIRFLOW, component],
            env={**self.environment, **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        health: Any = None
        while time.monotonic() < deadline:
            for component, process in self._processes.items():
                if process.poll() is not None:
                    raise DeploymentError(f"{component} exited with {process.returncode}\n{self.logs()}")
            try:
                health = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).json()
                if all(health[name]["status"] == "healthy" for name in HEALTHY_COMPONENTS):
                    return
            except (requests.RequestException, ValueError, KeyError, TypeError):
                pass
            time.sleep(1)
        raise DeploymentError(f"not healthy after {STARTUP_TIMEOUT_SECONDS:.0f} s: {health}\n{self.logs()}")

    def logs(self, tail_lines: int = 40) -> str:
        """The last lines of every component's output, for failure messages."""
        parts = []
        for component in COMPONENTS:
            path = self.home / f"{component}.log"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail_lines:]
                parts.append(f"--- {component} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    # Use ------------------------------------------------------------------------------------

    def cli(self, *arguments: str, timeout: float = 120.0) -> str:
        """Run `airflow ARGUMENTS` in the deployment's environment; its stdout, or a
        DeploymentError with the output when it fails."""
        result = subprocess.run(
            [AIRFLOW, *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise DeploymentError(
                f"airflow {' '.join(arguments)} exited with {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the REST API (`/api/v2/...`) as the admin; the decoded JSON answer."""
        if self._token is None:
            answer = requests.post(
                f"{self.base_url}/auth/token",
                json={"username": ADMIN_USER, "password": self.admin_password},
                timeout=30,
            )
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        response = requests.request(
            method,
            f"{self.base_url}/api/v2/{path.lstrip('/')}",
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=30,
            **kwargs,
        )
        if not response.ok:
            raise DeploymentError(f"{method} {path}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()


@dataclass(frozen=True)
class SystemUnderTest:
    """A running deployment, the sandbox it talks to, and a gated copy of the example data
    (a download from `gated_files_url` waits until `gate` is set)."""

    airflow: AirflowDeployment
    sandbox: JodoSandbox
    gated_files_url: str
    gate: threading.Event


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has already exited
        os.killpg(process.pid, signum)
