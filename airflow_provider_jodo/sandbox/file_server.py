"""A small HTTP file server for CSV exports, so that importCJI `source=http` jobs have a file
to fetch on one machine (the demo, the example DAGs and the tests use it beside the sandbox).
Optional basic auth exercises `source_user`/`source_pwd`."""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietFileHandler(SimpleHTTPRequestHandler):
    credentials: tuple[str, str] | None = None

    def do_GET(self) -> None:
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
def http_file_server(directory: Path, credentials: tuple[str, str] | None = None) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (ephemeral port); yields the base URL."""
    handler = type("Handler", (_QuietFileHandler,), {"credentials": credentials})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
