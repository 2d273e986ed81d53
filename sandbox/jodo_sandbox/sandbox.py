"""`JodoSandbox`: a local fake of the Jodo and astercc platforms, for tests, demos and benchmarks.

It serves both vendors' endpoints on one port and runs import jobs in the background, with its
state in SQLite (`sandbox.store` lets tests look at it).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from airflow_provider_jodo.enums import PasswordType, UserType, coerce
from jodo_sandbox.cji_api import CjiApi
from jodo_sandbox.clock import PlatformClock
from jodo_sandbox.faults import FaultPlan
from jodo_sandbox.jobs import ImportJobScheduler
from jodo_sandbox.process_data_api import DEFAULT_MAX_RECORDS_PER_REQUEST, ProcessDataApi
from jodo_sandbox.profile import SandboxProfile
from jodo_sandbox.seed import SandboxSeed
from jodo_sandbox.server import SandboxHTTPServer
from jodo_sandbox.store import SandboxStore

CONNECTION_TYPE = "jodo"
_SERVE_POLL_SECONDS = 0.02  # how fast stop() is noticed by the server loop


class JodoSandbox:
    """Both vendor APIs on `base_url`, backed by `store`, seeded with `seed`.

    Use it as a context manager (or call `start()` and `stop()`); it runs once. `port=0`
    picks a free port. `timezone` is the platform's: every wall-clock time it reads (`exetime`)
    or writes (answers, `updatedat`, job times) is in that zone. `job_poll_interval` is how
    often due import jobs are looked for (the real platform: about once a minute). `latency`
    holds every answer back by that many seconds, as a platform across a network would
    (benchmarks use it to show what concurrent calls buy; tests need none). `profile` says
    how much beyond the vendors' documentation it answers (`SandboxProfile`, default `full`).

    Attributes: `seed` (logins and keys), `store` (state and the inspection API), `clock`
    (the platform's time zone), `faults` (the `FaultPlan` of injected faults: rates and a
    script, changeable while running) and `max_records_per_request`. A hook's connection must use the
    same time zone as the sandbox (`connection_dict()` does), or exetime is read hours off.
    """

    def __init__(
        self,
        db_path: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_records_per_request: int = DEFAULT_MAX_RECORDS_PER_REQUEST,
        job_poll_interval: float = 0.2,
        timezone: str = "UTC",
        seed: SandboxSeed | None = None,
        files_dir: str | Path | None = None,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        profile: SandboxProfile | str = SandboxProfile.FULL,
    ) -> None:
        """Build and seed the store and the APIs; nothing serves until `start()`."""
        if not latency >= 0:
            raise ValueError(f"latency must be a number of seconds >= 0, got {latency!r}")
        self.latency = latency
        self.profile = SandboxProfile(profile)
        self.seed = seed or SandboxSeed()
        self.faults = faults or FaultPlan()
        self.clock = PlatformClock(timezone)
        self.max_records_per_request = max_records_per_request
        self._address = (host, port)
        self.files_dir = None if files_dir is None else Path(files_dir)
        self.store = SandboxStore(db_path, self.clock)
        try:
            self.store.seed(self.seed)
            self._process_data_api = ProcessDataApi(
                self.store, self.clock, max_records_per_request, self.profile
            )
            self._cji_api = CjiApi(self.store, self.clock, self.profile)
            self._scheduler = ImportJobScheduler(self.store, job_poll_interval)
        except BaseException:
            self.store.close()
            raise
        self._server: SandboxHTTPServer | None = None
        self._serve_thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """`http://HOST:PORT` of the running sandbox (`http://[::1]:PORT` on IPv6)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() or use it in a with block")
        host, port = self._server.socket.getsockname()[:2]  # server_address, with the host as str
        if self._server.address_family == socket.AF_INET6:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    @property
    def peak_concurrent_requests(self) -> int:
        """The most requests the sandbox has been answering at the same time since it started.

        This is what a client's concurrency looked like from the platform's side.
        """
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() or use it in a with block")
        return self._server.peak_requests_in_progress

    def file_url(self, name: str) -> str:
        """Return the URL at which the sandbox serves `name` from its `files_dir`.

        Those are CSV exports for `source=http` imports.
        """
        return f"{self.base_url}/files/{name}"

    def start(self) -> JodoSandbox:
        """Bind the port and start serving and running jobs in background threads."""
        if self._serve_thread is not None:
            raise RuntimeError("a JodoSandbox runs once; create a new one")
        try:
            self._server = SandboxHTTPServer(
                self._address,
                self._process_data_api,
                self._cji_api,
                self.files_dir,
                self.faults,
                self.latency,
                self.profile.has_status_method,
            )
        except OSError:
            self.store.close()  # the port is taken: nothing else was started
            raise
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SERVE_POLL_SECONDS},
            name="jodo-sandbox-http",
            daemon=True,
        )
        self._serve_thread.start()
        self._scheduler.start()
        return self

    def stop(self) -> None:
        """Stop serving (open connections included) and running jobs, then close the store.

        A job in progress is finished first.
        """
        if self._server is None or self._serve_thread is None:
            return
        self._scheduler.stop()
        self._server.shutdown()
        self._server.close()
        self._serve_thread.join()
        self.store.close()
        self._server = None

    def __enter__(self) -> JodoSandbox:
        """Start the sandbox and return it."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the sandbox, whether or not the block raised."""
        self.stop()

    def connection_dict(self, usertype: UserType | str = UserType.ACCOUNT) -> dict[str, Any]:
        """Return the Airflow connection for this sandbox, as the JSON form of `AIRFLOW_CONN_<ID>` takes it.

        `usertype` chooses the astercc login: the account or the enabled agent.
        """
        user_type = coerce(UserType, usertype, "usertype")
        if user_type is UserType.AGENT:
            login, password = self.seed.agent_number, self.seed.agent_password
        else:
            login, password = self.seed.account_user, self.seed.account_password
        return {
            "conn_type": CONNECTION_TYPE,
            "host": self.base_url,
            "login": login,
            "password": password,
            "schema": self.seed.orgidentity,
            "extra": {
                "apikey": self.seed.apikey,
                "servicekey": self.seed.servicekey,
                "usertype": user_type.value,
                "pwdtype": PasswordType.PLAINTEXT.value,
                "timezone": self.clock.timezone,
            },
        }
