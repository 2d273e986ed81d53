"""The FTP server that the sandbox's ftp import jobs fetch CSV files from (pyftpdlib, a test
dependency); the HTTP one ships with the sandbox (`airflow_provider_jodo.sandbox.file_server`)."""

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
    """Serve `directory` over FTP to one user on 127.0.0.1; yields `ftp://127.0.0.1:PORT`."""
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, str(directory), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "passive_ports": None})
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"ftp://127.0.0.1:{server.address[1]}"
    finally:
        server.close_all()
        thread.join(timeout=5)
