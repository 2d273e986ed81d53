"""A real Airflow deployment on loopback, as users run it: the scheduler, the DAG processor, the
triggerer and the API server, each its own process with one shared environment and AIRFLOW_HOME,
the simple auth manager with a pre-seeded admin password. By default the scheduler runs tasks
with the LocalExecutor on a SQLite metadata database; given Celery workers, it hands them to the
CeleryExecutor instead (the caller supplies the PostgreSQL database and the Redis broker, see
`celery_services.py`), and each worker runs as if on a machine of its own.

No component serves logs over HTTP (`--skip-serve-logs`): Airflow's log servers listen on every
interface, and a test may use loopback only. The tests read the log files instead.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from jodo_sandbox import JodoSandbox
from tests.support.object_store import ObjectStore

COMPONENTS = {
    "api-server": ("api-server",),
    "scheduler": ("scheduler", "--skip-serve-logs"),
    "dag-processor": ("dag-processor",),
    "triggerer": ("triggerer", "--skip-serve-logs"),
}
HEALTHY_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
ADMIN_USER = "admin"
STARTUP_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 20.0
WAIT_SECONDS = 120.0
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
WORKER_TMP_SIZE = "256m"
# A worker's machine of its own, as far as a task can tell: its own mount and UTS namespaces,
# with its host name set (Airflow records it as `ti.hostname` through `socket.gethostname`)
# and a private tmpfs on its temp dir, which no other process sees, so that nothing passes
# from one task to another through a local disk. Needs root (as `make test` does).
WORKER_MACHINE = (
    "unshare",
    "--mount",
    "--uts",
    "--propagation",
    "private",
    "sh",
    "-c",
    f'hostname "$1" && mount -t tmpfs -o size={WORKER_TMP_SIZE},mode=1777 tmpfs "$TMPDIR" '
    '&& shift && exec "$@"',
    "worker-machine",
)


class DeploymentError(RuntimeError):
    """The deployment did not come up or did not answer; the message quotes the component logs."""


def free_port() -> int:
    """A port free on 127.0.0.1 now (the API server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class CeleryWorker:
    """One `airflow celery worker`: `name` is its host name (`ti.hostname` of the tasks it runs)
    and its Celery node name; it consumes `queues` (`default` is where tasks go without `queue=`)."""

    name: str
    queues: tuple[str, ...] = ("default",)
    concurrency: int = 2


class AirflowDeployment:
    """Airflow's four long-running components under `home`, serving `dags_folder` (and each of
    `more_dag_folders` as a DAG bundle of its own), and with `celery_workers` the CeleryExecutor
    and those workers, each with an AIRFLOW_HOME of its own under `home/workers/`.

    `environment` adds variables (e.g. `AIRFLOW_CONN_JODO_DEFAULT`, or the database and broker
    URLs of a Celery deployment) to the components' and the CLI's environment. Use it as a
    context manager: every process it started is stopped on exit, also when starting failed
    half-way.
    """

    def __init__(
        self,
        home: Path,
        dags_folder: Path,
        environment: Mapping[str, str],
        *,
        celery_workers: Sequence[CeleryWorker] = (),
        more_dag_folders: Sequence[Path] = (),
    ) -> None:
        self.home = home
        self.celery_workers = tuple(celery_workers)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.admin_password = secrets.token_hex(12)
        self.environment = {
            **os.environ,
            **environment,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor" if celery_workers else "LocalExecutor",
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
            # Airflow recommends setting it; 3.0 cannot sign a token without it: its unset issuer
            # is `[]`, not None (`airflow/api_fastapi/auth/tokens.py:243`, `_conf_list_factory`),
            # and PyJWT 2.10+ refuses a list `iss`, so every login answers HTTP 500.
            "AIRFLOW__API_AUTH__JWT_ISSUER": f"airflow-provider-jodo-tests-{self.port}",
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            # Quick turns: a test run waits for the scheduler and the triggerer, not for humans.
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        }
        if more_dag_folders:
            self.environment["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps(
                [
                    _local_bundle("dags-folder", dags_folder),
                    *(_local_bundle(f"{f.parent.name}-{f.name}", f) for f in more_dag_folders),
                ]
            )
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
        for component, arguments in COMPONENTS.items():
            self._processes[component] = launch(
                [AIRFLOW, *arguments], self.home / f"{component}.log", self.environment
            )
        for worker in self.celery_workers:
            self._processes[worker.name] = self._launch_worker(worker)
        self._wait_until_healthy()

    def worker_home(self, worker: CeleryWorker) -> Path:
        """The worker's own AIRFLOW_HOME: its task logs land in its `logs/`."""
        return self.home / "workers" / worker.name

    def _launch_worker(self, worker: CeleryWorker) -> subprocess.Popen[bytes]:
        home = self.worker_home(worker)
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        environment = {
            **self.environment,
            "AIRFLOW_HOME": str(home),
            "TMPDIR": str(home / "tmp"),  # the private tmpfs (WORKER_MACHINE)
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "socket.gethostname",
        }
        command = [
            *WORKER_MACHINE,
            worker.name,
            AIRFLOW,
            "celery",
            "worker",
            f"--celery-hostname={worker.name}",
            f"--queues={','.join(worker.queues)}",
            f"--concurrency={worker.concurrency}",
            "--skip-serve-logs",
        ]
        return launch(command, self.home / f"{worker.name}.log", environment)

    def stop(self) -> None:
        """SIGTERM every component's process group, SIGKILL what is left after a grace period."""
        stop_processes(self._processes.values())
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
        for component in [*COMPONENTS, *(worker.name for worker in self.celery_workers)]:
            path = self.home / f"{component}.log"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail_lines:]
                parts.append(f"--- {component} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def log_files(self) -> list[Path]:
        """Every log file of the deployment: each component's output, and the task and trigger
        logs under `logs/` of its AIRFLOW_HOME and of every worker's."""
        homes = [self.home, *(self.worker_home(worker) for worker in self.celery_workers)]
        task_logs = [path for home in homes for path in (home / "logs").rglob("*") if path.is_file()]
        return sorted(self.home.glob("*.log")) + task_logs

    # Use ------------------------------------------------------------------------------------

    def wait_for(self, what: str, probe: Callable[[], Any], timeout: float = WAIT_SECONDS) -> Any:
        """Poll `probe` until it returns something truthy and return that; fail the test naming
        `what`, with the components' logs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.25)
        pytest.fail(f"gave up waiting for {what}\n{self.logs()}")

    def wait_for_dags(self, dag_ids: Iterable[str]) -> None:
        """Wait until the DAG processor has parsed `dag_ids` (the API lists them)."""
        wanted = set(dag_ids)
        self.wait_for(
            f"the DAG processor to parse {sorted(wanted)}",
            lambda: {dag["dag_id"] for dag in self.api("GET", "dags")["dags"]} >= wanted,
        )

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        """Trigger a run of `dag_id` through the REST API, without a logical date; its run id."""
        run = self.api(
            "POST", f"dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": dict(conf or {})}
        )
        return run["dag_run_id"]

    def wait_for_run_end(self, dag_id: str, run_id: str) -> str:
        """Wait until the run is `success` or `failed`; that state."""
        return self.wait_for(
            f"run {run_id} of {dag_id} to end",
            lambda: (
                (state := self.api("GET", f"dags/{dag_id}/dagRuns/{run_id}")["state"])
                in ("success", "failed")
                and state
            ),
        )

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """task id (`task_id[map_index]` for a mapped task) -> the REST API's task instance
        (`state`, `hostname`, `try_number`, `start_date`, ...)."""
        answer = self.api("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {
            ti["task_id"] + (f"[{ti['map_index']}]" if ti["map_index"] >= 0 else ""): ti
            for ti in answer["task_instances"]
        }

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
    (a download from `gated_files_url` waits until `gate` is set); `other_secrets` are the
    deployment's own (e.g. its database password); `object_store` is the bucket its tasks
    read and write, if any."""

    airflow: AirflowDeployment
    sandbox: JodoSandbox
    gated_files_url: str
    gate: threading.Event
    other_secrets: tuple[str, ...] = ()
    object_store: ObjectStore | None = None

    @property
    def secrets(self) -> list[str]:
        """Every secret no log file may show: the sandbox's and the deployment's."""
        return [self.sandbox.seed.account_password, self.sandbox.seed.apikey, *self.other_secrets]

    def leaked_secrets(self) -> list[Path]:
        """The deployment's log files that show any of `secrets`."""
        return files_containing(self.airflow.log_files(), self.secrets)


def _local_bundle(name: str, folder: Path) -> dict[str, Any]:
    """A DAG bundle of the DAG files in `folder`, as `[dag_processor] dag_bundle_config_list` takes it."""
    classpath = "airflow.dag_processing.bundles.local.LocalDagBundle"
    return {"name": name, "classpath": classpath, "kwargs": {"path": str(folder)}}


def task_log_dir(home: Path, dag_id: str, run_id: str, task_id: str) -> Path:
    """Where Airflow writes a task's logs (and the triggerer its trigger's) under `home`."""
    return home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"


def files_containing(paths: Iterable[Path], secrets: Iterable[str]) -> list[Path]:
    """The files among `paths` in which any of `secrets` appears."""
    secrets = list(secrets)
    return [path for path in paths if any(s in path.read_text(errors="replace") for s in secrets)]


def launch(command: Sequence[str], log: Path, environment: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start `command` in a process group of its own (so that `stop_processes` ends its
    children too), its stdout and stderr appended to `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(
            list(command),
            env=dict(environment),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_processes(
    processes: Iterable[subprocess.Popen[bytes]],
    signum: int = signal.SIGTERM,
    timeout: float = STOP_TIMEOUT_SECONDS,
) -> None:
    """Send `signum` to each process group, wait up to `timeout` in all, then SIGKILL what is
    left of each group (stragglers such as task runners)."""
    processes = list(processes)
    for process in processes:
        _signal_group(process, signum)
    deadline = time.monotonic() + timeout
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        _signal_group(process, signal.SIGKILL)
        process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has already exited
        os.killpg(process.pid, signum)
