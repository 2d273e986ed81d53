"""File servers that the sandbox's import jobs fetch CSV files from, shared by the sandbox and
integration tests: HTTP (optionally with basic auth, for `source_user`/`source_pwd`) and FTP
(pyftpdlib). The sandbox itself serves unauthenticated files at /files/ (`files_dir`)."""

from __future__ import annotations

import base64
import functools
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


class _QuietFileHandler(SimpleHTTPRequestHandler):
    credentials: tuple[str, str] | None = None
    gate: threading.Event | None = None

    def do_GET(self) -> None:
        if self.gate is not None:
            self.gate.wait(timeout=60)
        if self.credentials is not None:
            expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="files"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: test output stays readable."""


@contextmanager
def http_file_server(
    directory: Path, credentials: tuple[str, str] | None = None, gate: threading.Event | None = None
) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (ephemeral port); yields the base URL. With `gate`, every
    request waits until the gate is set: an import job stays running until the test says."""
    handler = type("Handler", (_QuietFileHandler,), {"credentials": credentials, "gate": gate})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    with serving(server) as base_url:
        yield base_url


@contextmanager
def ftp_file_server(directory: Path, user: str, password: str, *, writable: bool = False) -> Iterator[str]:
    """Serve `directory` over FTP on 127.0.0.1 to `user` (and anonymous readers); yields
    `ftp://127.0.0.1:PORT`. `writable` lets `user` upload (the staging operator's tests)."""
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, str(directory), perm="elradfmw" if writable else "elr")
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


@contextmanager
def serving(server: socketserver.BaseServer, scheme: str = "http") -> Iterator[str]:
    """Serve on a thread until the block ends; give the server's base URL (its port is the one
    the system chose). Every test server on loopback is run this way."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
