"""One HTTP exchange bounded in total time and in answer size, with `requests`.

requests' `timeout` bounds each socket read, not the exchange: a platform that trickles its
answer one byte a second never trips it. So every attempt gets a deadline, kept by one watchdog
thread per hook that shuts down the attempt's socket when the deadline passes. That wakes a
read blocked anywhere (status line, headers, body, even inside TLS), and the attempt fails as
"no complete answer in time". The socket is known because the hook's sessions use connection
classes that hand theirs to the attempt running on their thread.

The answer is streamed in chunks and counted: past the caller's cap, reading stops and the
connection is dropped, so a huge answer costs at most the cap in memory (plus one chunk).

The sessions follow no redirect and never look at one: requests reads and decodes a
redirect's whole body, outside any cap or deadline, even with `allow_redirects=False` (to
prepare the next request it will not send), and parses its `Location`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits

logger = logging.getLogger(__name__)

READ_CHUNK_BYTES = 64 * 1024
_LENGTH_DIGITS = 18
"""The longest Content-Length read (under 10**18 bytes); a longer one is as good as absent."""
IDLE_WATCHDOG_SECONDS = 5.0
"""A watchdog with no attempt to watch for this long ends its thread (the next attempt starts
another), so that a hook nobody closes leaves no thread behind for long."""
_current = threading.local()


class AnswerTooLargeError(Exception):
    """The answer is larger than the caller's cap (`size` bytes, or at least that many)."""

    def __init__(self, size: int, limit: int, *, announced: bool) -> None:
        """Keep the sizes, so that the hook's message says how large and which limit.

        :param size: the answer's size in bytes, or how much was read before giving up.
        :param limit: the caller's cap, in bytes.
        :param announced: whether `size` is the announced Content-Length.
        """
        super().__init__(size, limit)
        self.size = size
        self.limit = limit
        self.announced = announced


class Attempt:
    """One attempt at an exchange: its deadline (monotonic seconds) and the sockets it uses."""

    def __init__(self, deadline: float) -> None:
        """Start with no sockets; they attach as the attempt's connections are used.

        :param deadline: when the attempt must be over (monotonic seconds).
        """
        self.deadline = deadline
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def attach(self, sock: socket.socket | None) -> None:
        """Watch `sock` for this attempt; one attached after the deadline is shut at once."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def expire(self) -> None:
        """Wake every read of this attempt by shutting its sockets: the deadline passed."""
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


class AttemptWatchdog:
    """Ends attempts that outlive their deadline.

    One daemon thread, started with the first attempt and stopped by `close()` or after
    `IDLE_WATCHDOG_SECONDS` without attempts, so that a hook leaves no thread behind.

    Each thread runs at most one attempt at a time, so the live attempts are few (the hook's
    threads) and a scan finds the next deadline. The thread is woken only when a new attempt
    ends before the one it sleeps towards, not for every call.
    """

    def __init__(self) -> None:
        """Watch nothing yet: the thread starts with the first attempt."""
        self._condition = threading.Condition()
        self._live: set[Attempt] = set()
        self._thread: threading.Thread | None = None
        self._sleeping_until = float("inf")
        self._closed = False

    @contextmanager
    def attempt(self, deadline: float) -> Iterator[Attempt]:
        """Run an attempt ending at `deadline` on the calling thread.

        The connections the thread uses meanwhile attach their sockets to it, so that the
        watchdog can shut them at the deadline.

        :param deadline: when the attempt must be over (monotonic seconds).
        """
        attempt = Attempt(deadline)
        with self._condition:
            self._closed = False  # a closed hook may still be used: it restarts its watchdog
            self._live.add(attempt)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="jodo-answer-deadlines", daemon=True)
                self._thread.start()
            elif deadline < self._sleeping_until:
                self._condition.notify()
        _current.attempt = attempt
        try:
            yield attempt
        finally:
            _current.attempt = None
            with self._condition:
                self._live.discard(attempt)

    def close(self) -> None:
        """Stop the watchdog thread and wait for it."""
        with self._condition:
            self._closed = True
            thread, self._thread = self._thread, None
            self._condition.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _watch(self) -> None:
        with self._condition:
            while not self._closed:
                now = time.monotonic()
                for attempt in [attempt for attempt in self._live if attempt.deadline <= now]:
                    self._live.discard(attempt)
                    attempt.expire()
                self._sleeping_until = min((attempt.deadline for attempt in self._live), default=float("inf"))
                if self._live:
                    self._condition.wait(self._sleeping_until - now)
                elif not self._condition.wait(IDLE_WATCHDOG_SECONDS) and not self._live:
                    break  # idle: the next attempt starts a new thread
            if self._thread is threading.current_thread():
                self._thread = None
            self._sleeping_until = float("inf")


def current_attempt() -> Attempt | None:
    """Give the attempt running on this thread, if any."""
    return getattr(_current, "attempt", None)


def read_bounded(response: requests.Response, limit: int) -> bytes:
    """Read the whole body of a streamed `response`, at most `limit` bytes after decoding.

    A compressed answer is counted as it unpacks, so that a small zip bomb cannot fill memory.

    :param response: the streamed answer.
    :param limit: the largest body read, in bytes.
    :raises AnswerTooLargeError: announced (Content-Length) or read beyond `limit`; the
        connection is dropped rather than drained.
    """
    announced = response.headers.get("Content-Length", "")
    # ASCII digits only ('²'.isdigit() is True, int('²') raises), and few enough for int():
    # any other value leaves the count below to enforce the limit.
    readable = is_ascii_digits(announced) and len(announced) <= _LENGTH_DIGITS
    if readable and int(announced) > limit and not response.headers.get("Content-Encoding"):
        response.close()
        raise AnswerTooLargeError(int(announced), limit, announced=True)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            response.close()
            raise AnswerTooLargeError(size, limit, announced=False)
        chunks.append(chunk)
    return b"".join(chunks)


def watched_session() -> requests.Session:
    """Make a session whose connections attach their sockets to the calling thread's attempt.

    It treats no answer as a redirect (`_NoRedirectSession`).
    """
    session = _NoRedirectSession()
    adapter = _WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _NoRedirectSession(requests.Session):
    """A session that sees no redirect, so that it neither follows one nor reads its body."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        """Return no target, whatever the answer: requests then leaves its body unread."""
        return None


def _shut(sock: Any) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by its owner: nothing left to wake
        logger.debug("socket already closed at its deadline", exc_info=True)


class _WatchedConnectionMixin:
    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _attach(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a kept-alive connection: no connect() this time
            _attach(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


def _attach(sock: Any) -> None:
    attempt = current_attempt()
    if attempt is not None:
        attempt.attach(sock)


class _WatchedHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter with pools of watched connections (direct and through a proxy)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager
