"""The sandbox's HTTP server: routes the vendors' paths to the two APIs and answers as the vendors do.

That is JSON as `text/html` for Jodo, JSONP for astercc.

HTTP/1.1 with keep-alive, so that a client session reuses one connection; every answer but a
`cut` fault's has an exact Content-Length. Each connection is served by its own thread;
`close()` ends open keep-alive connections too, so that stopping the sandbox leaves no thread
or socket behind.

The server counts the requests it is answering at once (`peak_requests_in_progress`), so that
tests can check a client's concurrency bound from the platform's side, and can hold every
answer back by a `latency`, as a platform across a network would.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jodo_sandbox.cji_api import CjiAnswer, CjiApi
from jodo_sandbox.faults import Fault, FaultPlan
from jodo_sandbox.job_page import JOB_PAGE_PREFIX, job_page_html
from jodo_sandbox.jsonp import is_valid_callback, jsonp_body
from jodo_sandbox.process_data_api import ProcessDataApi

logger = logging.getLogger(__name__)

PROCESS_DATA_PATH = "/CustomerWebServices/handleCustomerWS"
IMPORT_CJI_PATH = "/setevent/importCJI"
IMPORT_STATUS_PATH = "/setevent/importStatusCJI"
JODO_CONTENT_TYPE = "text/html;charset=UTF-8"
JSONP_CONTENT_TYPE = "text/javascript;charset=UTF-8"
FILES_PATH = "/files/"
_CSV_CONTENT_TYPE = "text/csv;charset=UTF-8"
_HTML_CONTENT_TYPE = "text/html;charset=UTF-8"
_TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8"
API_PATHS = frozenset({PROCESS_DATA_PATH, IMPORT_CJI_PATH, IMPORT_STATUS_PATH})
"""The paths that get injected faults."""
_PROXY_ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
)
PHP_NOTICE = (
    "<br />\n<b>Notice</b>:  Undefined index: dialtime_field in "
    "<b>/var/www/html/setevent/importCJI.php</b> on line <b>212</b><br />\n"
)
"""What PHP prints before the answer when `display_errors` is on (the `notice` fault)."""
IDLE_CONNECTION_TIMEOUT_SECONDS = 120
"""A keep-alive connection idle this long is closed by the server."""
MAX_BODY_BYTES = 64 * 1024 * 1024


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections and their threads.

    So `close()` can end them and wait for them. Listens on IPv4 or, for an address such as
    `::1`, IPv6.
    """

    def __init__(
        self,
        address: tuple[str, int],
        process_data_api: ProcessDataApi,
        cji_api: CjiApi,
        files_dir: Path | None = None,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        has_status_method: bool = True,
    ) -> None:
        """Bind `address` and route to the two APIs; `files_dir` is served at `/files/`."""
        self.process_data_api = process_data_api
        self.has_status_method = has_status_method
        self.cji_api = cji_api
        self.files_dir = files_dir
        self.faults = faults or FaultPlan()
        self.latency = latency
        self.requests_in_progress = 0
        self.peak_requests_in_progress = 0
        self._requests_lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        # The base class binds IPv4 only; an IPv6 address (host names have no colon) needs
        # its own family.
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, SandboxRequestHandler)

    def request_started(self) -> None:
        """Count a request being answered (from its body read to its answer sent)."""
        with self._requests_lock:
            self.requests_in_progress += 1
            self.peak_requests_in_progress = max(self.peak_requests_in_progress, self.requests_in_progress)

    def request_ended(self) -> None:
        """Count a request as answered."""
        with self._requests_lock:
            self.requests_in_progress -= 1

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in its own daemon thread, remembered so that `close()` can join it."""
        # ThreadingMixIn does not keep daemon threads, so it cannot join them on close; start
        # the same per-connection thread here and remember it.
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"jodo-sandbox-connection-{client_address[1]}",
            daemon=True,  # never keep the interpreter alive; close() joins them
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        """Forget the ended connection, then close it."""
        with self._connections_lock:
            self._connections.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a connection-level failure at debug level."""
        # Only connection-level failures get here (a client that went away mid-request, or a
        # connection ended by close()); request failures are answered with HTTP 500 and logged.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close(self) -> None:
        """Stop serving (after `shutdown()`).

        End keep-alive connections, close the listening socket and wait for the connection threads.
        """
        with self._connections_lock:
            connections = dict(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                # The connection thread closed it between the snapshot and here: nothing to end.
                logger.debug("connection already closed", exc_info=True)
        self.server_close()
        for thread in connections.values():
            thread.join()


class SandboxRequestHandler(BaseHTTPRequestHandler):
    """Route one request to the API for its path."""

    protocol_version = "HTTP/1.1"
    server_version = "JodoSandbox"
    timeout = IDLE_CONNECTION_TIMEOUT_SECONDS
    # Headers and body go out as separate writes; without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK would add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def do_GET(self) -> None:
        """Answer a GET request; its parameters are in the query string."""
        self._route(form={})

    def do_POST(self) -> None:
        """Answer a POST request whose url-encoded body adds form fields."""
        form = self._read_form()
        if form is not None:
            self._route(form)

    def _read_form(self) -> dict[str, str] | None:
        """Return the url-encoded form fields of a POST body; None after answering an unusable body."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._send_text(HTTPStatus.NOT_IMPLEMENTED, "chunked request bodies are not supported")
            self.close_connection = True
            return None
        length_header = self.headers.get("Content-Length", "0")
        if not length_header.isdigit() or int(length_header) > MAX_BODY_BYTES:
            status = (
                HTTPStatus.BAD_REQUEST if not length_header.isdigit() else HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            )
            self._send_text(status, f"Content-Length must be a number of bytes up to {MAX_BODY_BYTES}")
            self.close_connection = True
            return None
        body = self.rfile.read(int(length_header)).decode("utf-8", errors="replace")
        return _first_values(body)

    def _route(self, form: Mapping[str, str]) -> None:
        self.server.request_started()
        try:
            self._serve(form)
        finally:
            self.server.request_ended()

    def _serve(self, form: Mapping[str, str]) -> None:
        url = urlsplit(self.path)
        fault = self.server.faults.next_fault() if url.path in API_PATHS else None
        if fault is not None and fault.before_processing:
            self._fail_before_processing(fault)
            return
        params = {**_first_values(url.query), **form}  # a form field wins over the query
        try:
            status, content_type, body = self._answer(url.path, params)
        except Exception:
            logger.exception("sandbox failed to answer %s %s", self.command, url.path)
            status, content_type, body = (
                HTTPStatus.INTERNAL_SERVER_ERROR,
                _TEXT_CONTENT_TYPE,
                "sandbox error, see its log",
            )
        if self.server.latency:
            time.sleep(self.server.latency)
        if fault is Fault.SLOW:
            time.sleep(self.server.faults.slow_seconds)
        elif fault is Fault.TRUNCATED:
            payload = body.encode("utf-8")
            self._send_head(status, content_type, len(payload))
            self.wfile.write(payload[: len(payload) // 2])
            self.close_connection = True
            return
        elif fault is Fault.LOST:
            self._reset_connection()
            return
        elif fault is Fault.TRICKLE:
            self._trickle(status, content_type, body)
            return
        elif fault is Fault.CUT:
            self._send_cut(status, content_type, body)
            return
        elif fault is Fault.NOTICE:
            body = PHP_NOTICE + body
        self._send(status, content_type, body)

    def _fail_before_processing(self, fault: Fault) -> None:
        if fault is Fault.RESET:
            self._reset_connection()
        elif fault is Fault.THROTTLED:
            self.send_response(HTTPStatus.TOO_MANY_REQUESTS)
            self.send_header("Retry-After", f"{self.server.faults.retry_after:g}")
            self.send_header("Content-Type", _TEXT_CONTENT_TYPE)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            status = HTTPStatus.SERVICE_UNAVAILABLE if fault is Fault.SERVER_ERROR else HTTPStatus.OK
            self._send(status, _HTML_CONTENT_TYPE, _PROXY_ERROR_PAGE)

    def _trickle(self, status: HTTPStatus, content_type: str, body: str) -> None:
        """Send the whole answer a byte at a time, `trickle_seconds` apart.

        It goes on until it is sent, the client goes away or the server stops (a closed
        connection ends the loop).
        """
        payload = body.encode("utf-8")
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode("latin-1")
        self.close_connection = True
        for byte in head + payload:
            try:
                self.connection.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up: what a bounded client does
            time.sleep(self.server.faults.trickle_seconds)

    def _send_cut(self, status: HTTPStatus, content_type: str, body: str) -> None:
        """Send the head without Content-Length, then half the body, and close the connection.

        Without a length the body ends where the connection does, so the client reads half an
        answer as a whole one.
        """
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload[: len(payload) // 2])
        self.close_connection = True

    def _reset_connection(self) -> None:
        """End the connection with a TCP reset and no answer (SO_LINGER 0 makes close send RST)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _answer(self, path: str, params: Mapping[str, str]) -> tuple[HTTPStatus, str, str]:
        """(status, content type, body) for a request to `path`."""
        if path == PROCESS_DATA_PATH:
            answer = self.server.process_data_api.handle(params.get("data", ""))
            return HTTPStatus.OK, JODO_CONTENT_TYPE, json.dumps(answer, ensure_ascii=False)
        if path == IMPORT_CJI_PATH and self.command == "GET":
            return self._jsonp_answer(params, self.server.cji_api.import_cji)
        if path == IMPORT_STATUS_PATH and not self.server.has_status_method:
            return HTTPStatus.NOT_FOUND, _TEXT_CONTENT_TYPE, f"no sandbox endpoint at {path}"
        if path == IMPORT_STATUS_PATH and self.command == "GET":
            return self._jsonp_answer(params, self.server.cji_api.import_status)
        if path.startswith(FILES_PATH) and self.command == "GET" and self.server.files_dir is not None:
            return self._file_answer(path[len(FILES_PATH) :])
        if path.startswith(JOB_PAGE_PREFIX) and self.command == "GET":
            return self._job_page_answer(path[len(JOB_PAGE_PREFIX) :])
        if path in (IMPORT_CJI_PATH, IMPORT_STATUS_PATH):
            return (
                HTTPStatus.METHOD_NOT_ALLOWED,
                _TEXT_CONTENT_TYPE,
                "astercc methods are called with GET (JSONP)",
            )
        return HTTPStatus.NOT_FOUND, _TEXT_CONTENT_TYPE, f"no sandbox endpoint at {path}"

    def _file_answer(self, name: str) -> tuple[HTTPStatus, str, str]:
        """Return a CSV export from the files directory, so that http import jobs have something to fetch.

        That is on one machine. Plain file names only: no path leaves the directory.
        """
        assert self.server.files_dir is not None
        file = self.server.files_dir / name
        if not name or Path(name).name != name or not file.is_file():
            return HTTPStatus.NOT_FOUND, _TEXT_CONTENT_TYPE, f"no file {name!r}"
        return HTTPStatus.OK, _CSV_CONTENT_TYPE, file.read_text(encoding="utf-8")

    def _job_page_answer(self, job_id: str) -> tuple[HTTPStatus, str, str]:
        job = self.server.cji_api.job_page(job_id)
        if job is None:
            return HTTPStatus.NOT_FOUND, _TEXT_CONTENT_TYPE, f"no import job {job_id!r}"
        return HTTPStatus.OK, _HTML_CONTENT_TYPE, job_page_html(job)

    @staticmethod
    def _jsonp_answer(
        params: Mapping[str, str], method: Callable[[Mapping[str, str]], CjiAnswer]
    ) -> tuple[HTTPStatus, str, str]:
        callback = params.get("callback", "")
        if callback and not is_valid_callback(callback):
            return HTTPStatus.BAD_REQUEST, _TEXT_CONTENT_TYPE, "callback must be a JavaScript function name"
        return HTTPStatus.OK, JSONP_CONTENT_TYPE, jsonp_body(callback, method(params).as_object())

    def _send_text(self, status: HTTPStatus, text: str) -> None:
        self._send(status, _TEXT_CONTENT_TYPE, text)

    def _send(self, status: HTTPStatus, content_type: str, body: str) -> None:
        payload = body.encode("utf-8")
        self._send_head(status, content_type, len(payload))
        self.wfile.write(payload)

    def _send_head(self, status: HTTPStatus, content_type: str, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log the request at debug level, with its path but not its query string."""
        # The path only: astercc sends its password in the query string, and the request line
        # must not carry it into anyone's logs.
        logger.debug("%s %s %s -> %s", self.address_string(), self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        """Log a message of http.server's own at debug level."""
        # Errors http.server reports itself (bad request lines); debug level, because lines on
        # stderr would slow benchmarks and drown test output.
        logger.debug("%s - " + format, self.address_string(), *args)


def _first_values(query: str) -> dict[str, str]:
    """URL-encoded parameters, first value of each; empty values kept (astercc sends them)."""
    return {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}
