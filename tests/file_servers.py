"""File servers that the sandbox's import jobs fetch CSV files from, shared by the sandbox and
integration tests: HTTP ships with the sandbox; FTP is pyftpdlib (a test dependency)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from airflow_provider_jodo.sandbox.file_server import http_file_server

__all__ = ["ftp_file_server", "http_file_server"]


@contextmanager
def ftp_file_server(directory: Path, user: str, password: str) -> Iterator[str]:
    """Serve `directory` over FTP on 127.0.0.1 to `user` (and anonymous readers); yields
    `ftp://127.0.0.1:PORT`."""
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, str(directory), perm="elr")
    authorizer.add_anonymous(str(directory))
    # No 3-second penalty after a failed login: the wrong-password tests would wait for it.
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "auth_failed_timeout": 0})
    server = FTPServer(("127.0.0.1", 0), handler)
    stopping = threading.Event()

    def serve() -> None:
        # pyftpdlib's loop is not thread-safe: poll it here and close it on this same thread.
        while not stopping.is_set():
            server.serve_forever(timeout=0.02, blocking=False, handle_exit=False)
        server.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"ftp://127.0.0.1:{server.address[1]}"
    finally:
        stopping.set()
        thread.join()
