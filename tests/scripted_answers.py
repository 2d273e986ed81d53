"""A platform that answers every call with one scripted body, for answers no sandbox gives: PHP
notices before the JSONP, another callback, a status about another job, fuzzed bytes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ScriptedPlatform:
    base_url: str
    body: str = ""
    """What every GET and POST is answered with (status 200); set it between calls."""
    requests: list[str] = field(default_factory=list)
    """The path and query of every request, in order."""

    def connection(self) -> dict[str, object]:
        """A `jodo` connection to this platform, as `AIRFLOW_CONN_*` takes it (no retries)."""
        extra = {"max_retries": 0, "timeout": 5, "apikey": "scripted-apikey", "servicekey": "VoiceProcess"}
        return {
            "conn_type": "jodo",
            "host": self.base_url,
            "login": "account",
            "password": "scripted-password",
            "schema": "team",
            "extra": extra,
        }

    def connection_json(self) -> str:
        return json.dumps(self.connection())


@contextmanager
def scripted_platform(body: str = "") -> Iterator[ScriptedPlatform]:
    """A server on 127.0.0.1 answering every call with `platform.body`."""
    platform = ScriptedPlatform(base_url="", body=body)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            platform.requests.append(self.path)
            answer = platform.body.encode("utf-8", "surrogatepass")
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            """Silent."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    platform.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
