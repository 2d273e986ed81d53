"""The services a CeleryExecutor deployment stands on, started on loopback for one test module:
PostgreSQL as Airflow's metadata database (and the Celery result backend), Redis as the Celery
broker. Both come from Debian's packages (`make test` installs `postgresql` and `redis-server`
when missing), run from a temp directory on a free port with a random password, and stop when
their context ends, also on failure.

PostgreSQL refuses to run as root: its `initdb` and server run as the `postgres` user that
Debian's package creates (through `setpriv`, which execs instead of forking, so that the
process we start is the server itself).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.airflow_deployment import DeploymentError, free_port, launch, stop_processes

POSTGRES_USER = "postgres"
"""The system user that runs the server (Debian's package creates it)."""
DATABASE_USER = "airflow"
STARTUP_TIMEOUT_SECONDS = 60.0
REDIS_SERVER = "/usr/bin/redis-server"


@dataclass(frozen=True)
class CeleryServices:
    """Where the running database and broker listen, and their passwords (secrets: no log
    may show them)."""

    postgres_port: int
    postgres_password: str
    redis_port: int
    redis_password: str

    @property
    def secrets(self) -> list[str]:
        return [self.postgres_password, self.redis_password]

    def airflow_environment(self) -> dict[str, str]:
        """The settings that point Airflow's components and workers at these services."""
        database = f"{DATABASE_USER}:{self.postgres_password}@127.0.0.1:{self.postgres_port}/postgres"
        return {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{database}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{database}",
        }


@contextmanager
def celery_services(log_dir: Path) -> Iterator[CeleryServices]:
    """PostgreSQL and Redis on 127.0.0.1, their output in `log_dir` (`postgres.log`,
    `redis.log`)."""
    postgres_password, redis_password = secrets.token_hex(16), secrets.token_hex(16)
    with (
        postgres_server(log_dir / "postgres.log", postgres_password) as postgres_port,
        redis_server(log_dir / "redis.log", redis_password) as redis_port,
    ):
        yield CeleryServices(postgres_port, postgres_password, redis_port, redis_password)


def postgres_binaries() -> Path:
    """The `bin/` of Debian's newest PostgreSQL server (`/usr/lib/postgresql/<version>/bin`)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda path: int(path.parts[-3]))
    if not found:
        raise DeploymentError("no /usr/lib/postgresql/*/bin/postgres: install Debian's postgresql")
    return found[-1].parent


@contextmanager
def postgres_server(log: Path, password: str) -> Iterator[int]:
    """A fresh cluster whose superuser is `airflow` with `password` (scram-sha-256 on TCP
    only, no Unix socket), serving on a free port; yields the port."""
    binaries = postgres_binaries()
    account = pwd.getpwnam(POSTGRES_USER)
    as_postgres = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups", "--"]
    # The server user must reach its data directory: not under pytest's root-only temp dirs.
    directory = Path(tempfile.mkdtemp(prefix="jodo-postgres-"))
    try:
        shutil.chown(directory, account.pw_uid, account.pw_gid)
        password_file = directory / "password"
        password_file.write_text(password)
        shutil.chown(password_file, account.pw_uid, account.pw_gid)
        initdb = subprocess.run(
            [
                *as_postgres,
                str(binaries / "initdb"),
                f"--pgdata={directory / 'data'}",
                f"--username={DATABASE_USER}",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
        )
        password_file.unlink()
        if initdb.returncode != 0:
            raise DeploymentError(
                f"initdb exited with {initdb.returncode}:\n{initdb.stdout}\n{initdb.stderr}"
            )
        port = free_port()
        postgres = [
            *as_postgres,
            str(binaries / "postgres"),
            "-D",
            str(directory / "data"),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "fsync=off",  # a throwaway database: durability only costs time
        ]
        # SIGINT: PostgreSQL's fast shutdown, which disconnects the clients still connected.
        with _serving(postgres, log, "PostgreSQL", lambda: _postgres_answers(port, password), signal.SIGINT):
            yield port
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def redis_server(log: Path, password: str) -> Iterator[int]:
    """Redis in memory only (no snapshot, no append-only file), with `password`, on a free
    port; yields the port."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="jodo-redis-") as directory:
        redis = [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            directory,
            "--requirepass",
            password,
        ]
        with _serving(redis, log, "Redis", lambda: _redis_answers(port, password)):
            yield port


@contextmanager
def _serving(
    command: list[str], log: Path, name: str, answers: Callable[[], bool], stop_signal: int = signal.SIGTERM
) -> Iterator[None]:
    """Run the server `command` (output to `log`) until the context ends; enter it once
    `answers()` says the server takes clients."""
    server = launch(command, log, os.environ)
    try:
        _wait_until_accepting(server, log, name, answers)
        yield
    finally:
        stop_processes([server], stop_signal)


def _wait_until_accepting(
    server: subprocess.Popen[bytes], log: Path, name: str, answers: Callable[[], bool]
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise DeploymentError(
                f"{name} exited with {server.returncode}:\n{log.read_text(errors='replace')}"
            )
        if answers():
            return
        time.sleep(0.2)
    raise DeploymentError(f"{name} not answering after {STARTUP_TIMEOUT_SECONDS:.0f} s")


def _postgres_answers(port: int, password: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(
            host="127.0.0.1", port=port, user=DATABASE_USER, password=password, dbname="postgres"
        ).close()
    except psycopg2.OperationalError:
        return False
    return True


def _redis_answers(port: int, password: str) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, password=password).ping())
    except redis.ConnectionError:
        return False
