"""Hostile platforms on 127.0.0.1, for the hook's bounds.

`oversized_platform` answers every call with an answer far larger than any real one, for the
hook's answer cap: it streams a JSONP body of a given size (announced in Content-Length or
not) and counts how many bytes it got out before the client hung up. `raw_platform` answers
every call with the same bytes, whatever they are (a redirect, a status line that is not
HTTP, hostile headers), and records what each request sent. `scripted_platform` answers every
call with one scripted body, for answers no sandbox gives: PHP notices before the JSONP,
another callback, a status about another job, fuzzed bytes."""

from __future__ import annotations

import contextlib
import json
import socketserver
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.file_servers import serving

CHUNK = 64 * 1024


@dataclass
class OversizedPlatform:
    base_url: str
    bytes_sent: list[int] = field(default_factory=list)
    """Per request, the bytes of body written before the client went away (or all of them)."""


@contextmanager
def oversized_platform(body_bytes: int, *, announce_length: bool) -> Iterator[OversizedPlatform]:
    """A server on 127.0.0.1 whose every GET/POST is answered `airflowJodo({code:1,message:"xxx…"})`,
    `body_bytes` long in all."""
    prefix, suffix = b'airflowJodo({code:1,message:"', b'"})'
    filler = body_bytes - len(prefix) - len(suffix)
    platform = OversizedPlatform(base_url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # without Content-Length the body ends at the close

        def _answer(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            if announce_length:
                self.send_header("Content-Length", str(body_bytes))
            self.end_headers()
            sent = 0
            try:
                self.wfile.write(prefix)
                sent += len(prefix)
                while sent < len(prefix) + filler:
                    piece = min(CHUNK, len(prefix) + filler - sent)
                    self.wfile.write(b"x" * piece)
                    sent += piece
                self.wfile.write(suffix)
                sent += len(suffix)
            except OSError:
                pass  # the client hung up: what a capped client does
            platform.bytes_sent.append(sent)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            """Silent."""

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as platform.base_url:
        yield platform


@dataclass
class RawPlatform:
    base_url: str
    received: list[bytes] = field(default_factory=list)
    """Per request, what it sent: the request line, the headers and the body."""


@contextmanager
def raw_platform(answer: bytes) -> Iterator[RawPlatform]:
    """A server on 127.0.0.1 that answers every request with `answer`, byte for byte, then
    closes the connection."""
    platform = RawPlatform(base_url="")

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline(65537)
                if not line:
                    return
                head += line
            length = next(
                (
                    int(line[15:])
                    for line in head.lower().split(b"\r\n")
                    if line.startswith(b"content-length:")
                ),
                0,
            )
            platform.received.append(head + self.rfile.read(length))
            with contextlib.suppress(OSError):  # the client hung up (a capped client may)
                self.wfile.write(answer)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with serving(server) as platform.base_url:
        yield platform


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

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as platform.base_url:
        yield platform
