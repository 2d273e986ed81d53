"""Send the hook's HTTP calls: sessions, bounded attempts, retries, and failures in words.

One `requests.Session` per calling thread (kept-alive connections; operators call the hook from
several threads when `max_in_flight` > 1, and requests does not promise that a Session is
thread-safe). The transport knows nothing of the vendors' answers: it returns the body and
status of the last answer, or raises `JodoConnectionError` in words that point at the fix, with
every secret the redactor knows removed.

**Retries.** Only failures that say nothing about the request itself are retried, as the
connection's `RetryPolicy` says: the platform could not be reached or did not answer in time
(connection errors, timeouts, a lost or cut answer), asked us to slow down (429) or failed on
its side (5xx). A vendor answer, "failed" or an authentication refusal included, is never
retried: sending it again cannot change it. Some transient failures may come after the platform
acted on the request (a timeout, a lost answer, a 500): `TransientFailure.maybe_processed` says
so, and a call that must not be repeated blindly (submitting an import job) checks first whether
the earlier attempt took (`before_resend`).

**Each attempt bounded in time and size.** requests' `timeout` bounds each socket read, not the
exchange: a platform that trickles its answer one byte a second never trips it. So every attempt
gets a deadline, kept by one watchdog thread per hook that shuts down the attempt's socket when
the deadline passes. That wakes a read blocked anywhere (status line, headers, body, even inside
TLS), and the attempt fails as "no complete answer in time". The socket is known because the
hook's sessions use connection classes that hand theirs to the attempt running on their thread.
The answer is streamed in chunks and counted: past the caller's cap, reading stops and the
connection is dropped, so a huge answer costs at most the cap in memory (plus one chunk).

**Redirects are not followed**: a 307/308 would send the request (credentials and lead data) to
wherever the `Location` points, and a 301/302/303 would turn it into a GET whose answer is not the
platform's. A 3xx is a `JodoResponseError` that names the host it points to. The sessions never
even look at one: even with `allow_redirects=False`, requests reads and decodes a redirect's
whole body, outside any cap or deadline, to prepare the next request it will not send.
"""

from __future__ import annotations

import http.client
import ipaddress
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, overload
from urllib.parse import urljoin, urlsplit

import pendulum
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from airflow_provider_jodo.enums import UNPROCESSED_HTTP_STATUSES
from airflow_provider_jodo.exceptions import JodoConnectionError, JodoResponseError
from airflow_provider_jodo.hooks.connection import JodoConnectionSettings, RetryPolicy
from airflow_provider_jodo.protocol.wire.answers import quote_body
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits
from airflow_provider_jodo.protocol.wire.redaction import Redactor

logger = logging.getLogger(__name__)

LAST_LOOK_SECONDS = 0.5
"""A call with a caller's deadline (a wait for a job) gets at least this long, so that the look
a wait takes at its end can still be answered; it ends that much past the deadline at most."""
_CERTIFICATE_REJECTED = "CERTIFICATE_VERIFY_FAILED"
"""OpenSSL's reason for a certificate (chain or host name) that verification rejected."""
_RAISED_BEFORE_SENDING = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)
"""What requests raises before it sends anything."""
_QUOTE_LIMIT = 200
"""The most characters of a redirect's origin that a message quotes."""
THROTTLED = 429
_RETRY_AFTER_DIGITS = 9
"""The longest Retry-After in seconds read (about 31 years); a longer one reads as absent."""
READ_CHUNK_BYTES = 64 * 1024
_LENGTH_DIGITS = 18
"""The longest Content-Length read (under 10**18 bytes); a longer one is as good as absent."""
IDLE_WATCHDOG_SECONDS = 5.0
"""A watchdog with no attempt to watch for this long ends its thread (the next attempt starts
another), so that a hook nobody closes leaves no thread behind for long."""
_current = threading.local()
"""The attempt running on each thread, for its connections to attach their sockets to."""


# When a failure is worth another attempt -----------------------------------------------------


@dataclass(frozen=True)
class TransientFailure:
    """A failure worth another attempt. `retry_after` is the platform's own wait (seconds)."""

    description: str
    maybe_processed: bool
    retry_after: float | None = None


def failure_of_exception(error: requests.RequestException) -> TransientFailure | None:
    """Tell which transient failure a `requests` exception stands for.

    None for a failure another attempt cannot fix (e.g. a TLS or URL error).

    :param error: what requests raised.
    """
    if isinstance(error, requests.exceptions.SSLError):
        return None
    if isinstance(error, requests.ConnectTimeout):
        return TransientFailure("connect timeout", maybe_processed=False)
    if isinstance(error, requests.Timeout):
        return TransientFailure("no answer in time", maybe_processed=True)
    if isinstance(error, requests.ConnectionError):
        refused = "NewConnectionError" in repr(error) or "Connection refused" in str(error)
        return TransientFailure(
            "connection refused" if refused else "connection lost", maybe_processed=not refused
        )
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return TransientFailure("answer cut short", maybe_processed=True)
    return None


def failure_of_status(status: int, headers: Any) -> TransientFailure | None:
    """Tell which transient failure an HTTP status stands for (429 and 5xx), or None.

    :param status: the answer's HTTP status.
    :param headers: the answer's headers (for Retry-After).
    """
    if status != THROTTLED and not 500 <= status <= 599:
        return None
    return TransientFailure(
        f"HTTP {status}",
        maybe_processed=status not in UNPROCESSED_HTTP_STATUSES,
        retry_after=_retry_after_seconds(headers.get("Retry-After")),
    )


def _retry_after_seconds(value: str | None) -> float | None:
    """Read Retry-After as seconds; None if absent or unreadable.

    RFC 9110 allows a number of seconds (ASCII digits: `str.isdigit` also takes `²`, which
    `float` refuses) or an HTTP date. A number too long for any retry budget, or a date beyond
    what datetime holds, is unreadable too: the hook's own backoff applies.

    :param value: the header's value.
    """
    if not value:
        return None
    text = value.strip()
    if is_ascii_digits(text):
        return float(text) if len(text) <= _RETRY_AFTER_DIGITS else None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (pendulum.instance(moment) - pendulum.now("UTC")).total_seconds())


# The calls ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TookEffect:
    """A call acted on although its answer was lost, as a `before_resend` check found it.

    Returning one from the check ends the call without sending it again; the call returns it
    in place of an answer.

    :param result: what the call created on the platform (a file job's id).
    """

    result: str


ResendCheck = Callable[[TransientFailure], "TookEffect | None"]
"""Asked before a call that may have been acted on is sent again or given up: `TookEffect` if it
took, None to go on. It may raise to give up at once."""


class Transport:
    """Send HTTP calls to one platform, each bounded, retried on transient failures only.

    :param settings: the connection's settings (timeout, answer size cap, TLS verification).
    :param retry_policy: when to try a call again.
    :param redactor: the secrets to remove from every message built here.
    :param log: where retries are announced (the hook's log, so the task log shows them).
    """

    def __init__(
        self, settings: JodoConnectionSettings, retry_policy: RetryPolicy, redactor: Redactor, log: Any
    ) -> None:
        """Keep what the calls need; nothing is opened before the first call.

        A hook builds its transport once: a connection whose credentials would travel
        unencrypted is announced here, once per hook rather than once per call.
        """
        self._settings = settings
        self._retry_policy = retry_policy
        self._redactor = redactor
        self._log = log
        self._thread_sessions = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._environments: dict[str, dict[str, Any]] = {}
        self._watchdog = AttemptWatchdog()
        _warn_of_plain_http(settings, log)

    @property
    def session(self) -> requests.Session:
        """Give the calling thread its own session, so that its calls reuse one connection."""
        session = getattr(self._thread_sessions, "session", None)
        if session is None:
            session = watched_session()
            # The environment (proxies, CA bundle) is resolved once per URL in `_environment`;
            # left to requests, it scans all of os.environ on every call (~0.2 ms, a fifth of
            # an importCJI call to a local platform).
            session.trust_env = False
            session.verify = self._settings.verify_tls  # `_environment` may name a CA bundle
            session.headers["User-Agent"] = "airflow-provider-jodo"
            self._thread_sessions.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Release the pooled connections of every thread's session and stop the watchdog.

        The transport may be used again afterwards: it opens new sessions as threads call.
        """
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
            self._thread_sessions = threading.local()
        for session in sessions:
            session.close()
        self._watchdog.close()

    @overload
    def send(
        self, method: str, url: str, what: str, *, before_resend: None = None, **options: Any
    ) -> tuple[str, int]: ...

    @overload
    def send(
        self, method: str, url: str, what: str, *, before_resend: ResendCheck, **options: Any
    ) -> tuple[str, int] | TookEffect: ...

    def send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        before_resend: ResendCheck | None = None,
        answer_limit: int | None = None,
        deadline: float | None = None,
        **request_arguments: Any,
    ) -> tuple[str, int] | TookEffect:
        """Make one HTTP call, retried on transient failures; return its (body, HTTP status).

        The call is bounded whatever the platform does: each attempt, the complete answer
        included, ends within the connection's `timeout`, and the whole call within
        `retry_max_seconds` or by `deadline`, whichever comes first. When retries run out, a
        429/5xx answer is returned as is (the caller's parsing names its status).

        :param method: the HTTP method.
        :param url: where to send it.
        :param what: the call, as messages name it.
        :param before_resend: asked after a failure that means the call may have been acted on
            (its answer lost, cut or late), before it is sent again or given up, by a call that
            must not be repeated blindly; its `TookEffect` ends the call and is returned.
        :param answer_limit: the largest answer read, in bytes (default: the connection's
            `max_answer_bytes`); a larger one is refused without being read whole.
        :param deadline: a Unix time, for a caller that waits for a job until then.
        :param request_arguments: passed to `requests` (`params`, `data`, `headers`).
        :raises JodoConnectionError: no answer, after the retries the policy allows; its
            `maybe_processed` is False only if no attempt may have reached the platform.
        :raises JodoResponseError: the answer is larger than `answer_limit`, is not valid HTTP,
            or is a redirect.
        """
        limit = answer_limit or self._settings.max_answer_bytes
        started = time.monotonic()
        call_ends = started + self._retry_policy.max_seconds
        if deadline is not None:  # a waiter's last look, at its deadline, still gets a moment
            call_ends = min(call_ends, started + max(deadline - time.time(), LAST_LOOK_SECONDS))
        maybe_processed = False
        for retry in itertools.count(1):
            attempt_ends = min(time.monotonic() + self._settings.timeout, call_ends)
            answer, error, failure = self._try(method, url, what, attempt_ends, limit, request_arguments)
            maybe_processed = maybe_processed or _maybe_processed(error, failure)
            check = _resend_check(before_resend, failure)
            wait = self._wait(what, retry, started, call_ends, failure, checks_first=check is not None)
            if wait is not None:
                time.sleep(wait)
            if check is not None and failure is not None:
                took_effect = check(failure)
                if took_effect is not None:
                    return took_effect
                if wait is not None:
                    self._log.warning(
                        "%s: the platform did not act on it; sending it again (retry %d of %d)",
                        what,
                        retry,
                        self._retry_policy.max_retries,
                    )
            if wait is None:
                if answer is None:
                    raise self._unreachable(error, what, retry, maybe_processed) from None
                return _decode(answer.body, answer.encoding), answer.status
        raise AssertionError("unreachable: itertools.count never ends")

    def _try(
        self, method: str, url: str, what: str, ends: float, limit: int, request_arguments: dict[str, Any]
    ) -> tuple[_Answer | None, Exception | None, TransientFailure | None]:
        """Make one attempt; return its answer or error, and the transient failure it is, if any.

        :param method: the HTTP method.
        :param url: where to send it.
        :param what: the call, as messages name it.
        :param ends: when the attempt must be over (monotonic seconds).
        :param limit: the largest answer read, in bytes.
        :param request_arguments: passed to `requests`.
        :raises JodoResponseError: the answer is larger than `limit`, is not valid HTTP, or is
            a redirect: no retry can change any of them.
        """
        try:
            answer = self._attempt(method, url, ends, limit, request_arguments)
        except _AttemptOverdue as overdue:
            return None, overdue, overdue.failure
        except requests.RequestException as error:
            refused_by_http_client = _not_http(error)
            if refused_by_http_client is not None:
                raise self._not_valid_http(what, refused_by_http_client) from None
            return None, error, failure_of_exception(error)
        except AnswerTooLargeError as too_large:
            raise self._too_large(what, too_large) from None
        if _is_redirect(answer.status):
            raise self._redirected(what, url, answer.status, answer.headers.get("Location"))
        return answer, None, failure_of_status(answer.status, answer.headers)

    def _wait(
        self,
        what: str,
        retry: int,
        started: float,
        call_ends: float,
        failure: TransientFailure | None,
        *,
        checks_first: bool,
    ) -> float | None:
        """Say how long to wait before retry number `retry`, and log it; None ends the call.

        The log line says what really follows: a retry, or, for a call that may have been acted
        on and must not be repeated blindly, a check whether it was, which may end the call
        without any resend (the error then says it was not sent again).

        :param what: the call, as messages name it.
        :param retry: the retry's number, from 1.
        :param started: when the call started (monotonic seconds).
        :param call_ends: when the whole call must be over (monotonic seconds).
        :param failure: what went wrong with the last attempt; None when nothing did.
        :param checks_first: the call's `before_resend` check runs after the wait, before any resend.
        """
        if failure is None:
            return None
        now = time.monotonic()
        policy = self._retry_policy
        wait = policy.wait_before_retry(retry, now - started, failure.retry_after)
        if wait is None or now + wait >= call_ends:
            return None  # no retries left, or no attempt could start before the call's deadline
        if checks_first:
            self._log.warning(
                "%s: %s; checking in %.1f s whether the platform acted on it, before any resend",
                what,
                failure.description,
                wait,
            )
        else:
            self._log.warning(
                "%s: %s; retry %d of %d in %.1f s", what, failure.description, retry, policy.max_retries, wait
            )
        return wait

    def _attempt(
        self, method: str, url: str, ends: float, limit: int, request_arguments: dict[str, Any]
    ) -> _Answer:
        """Send one request and read its complete answer by `ends`.

        The watchdog shuts the socket at `ends`, wherever the exchange is: requests' own
        timeout bounds each socket read, not the exchange.

        :param method: the HTTP method.
        :param url: where to send it.
        :param ends: when the attempt must be over (monotonic seconds).
        :param limit: the largest answer read, in bytes.
        :param request_arguments: passed to `requests`.
        :raises _AttemptOverdue: the deadline passed first (or had passed already).
        :raises AnswerTooLargeError: the answer is beyond `limit` bytes.

        A redirect's body is not read at all (its answer has an empty body): nothing of it is
        used, and it may be a compression bomb.
        """
        allowed = ends - time.monotonic()
        if allowed <= 0:
            raise _AttemptOverdue(0.0)
        with self._watchdog.attempt(ends) as attempt:
            try:
                response = self.session.request(
                    method,
                    url,
                    stream=True,
                    timeout=allowed,
                    allow_redirects=False,
                    **self._environment(url),
                    **request_arguments,
                )
                try:
                    body = b"" if _is_redirect(response.status_code) else read_bounded(response, limit)
                finally:
                    response.close()
            except Exception:
                if attempt.expired:  # what broke was our watchdog ending the attempt
                    raise _AttemptOverdue(allowed) from None
                raise
        return _Answer(response.status_code, response.headers, body, response.encoding)

    def _too_large(self, what: str, too_large: AnswerTooLargeError) -> JodoResponseError:
        """Build the error for an answer refused for its size, naming the setting to raise.

        :param what: the call, as messages name it.
        :param too_large: how large the answer was said or found to be.
        """
        size = f"{too_large.size:,} bytes" if too_large.announced else f"more than {too_large.limit:,} bytes"
        return JodoResponseError(
            f"{what}: the platform's answer is too large ({size}; the limit is {too_large.limit:,} bytes, "
            "the connection's max_answer_bytes): not read"
        )

    def _not_valid_http(self, what: str, refused: http.client.HTTPException) -> JodoResponseError:
        """Build the error for an answer that is not HTTP (a bad status line, too many headers).

        The request was sent: the platform, or whatever listens there, may have acted on it.

        :param what: the call, as messages name it.
        :param refused: what Python's HTTP client refused in the answer.
        """
        detail = quote_body(str(refused), self._redactor.redact)
        return JodoResponseError(
            f"{what}: the answer from {self._settings.base_url} is not valid HTTP "
            f"({type(refused).__name__}: {detail}); check that the connection's host and port are "
            "the platform's web address"
        )

    def _redirected(self, what: str, url: str, status: int, location: str | None) -> JodoResponseError:
        """Build the error for a redirect, which is not followed, naming the host it points to.

        Only the scheme, host and port of its `Location` are named: the path and query may
        carry what the request carried (a 301 that keeps the query keeps the astercc password).

        :param what: the call, as messages name it.
        :param url: the URL called, against which a relative `Location` is resolved.
        :param status: the answer's HTTP status (3xx).
        :param location: the answer's `Location` header, if any.
        """
        origin = _origin(url, location) if location and location.strip() else None
        if origin is None:
            where = "without a usable Location"
            fix = "set the connection's host to the platform's final URL"
        else:
            where = f"to host {urlsplit(origin).netloc}"
            fix = f"if {origin} is where the platform now answers, set it as the connection's host"
        return JodoResponseError(
            f"{what}: the platform answered HTTP {status}, a redirect {where}. Redirects are not "
            "followed, because they would send the request, credentials included, to another "
            f"address: {fix}",
            http_status=status,
        )

    def _unreachable(
        self, error: Any, what: str, attempts: int, maybe_processed: bool
    ) -> JodoConnectionError:
        """Build the error for a call that got no answer, in words that point at the fix.

        :param error: the last attempt's error.
        :param what: the call, as messages name it.
        :param attempts: how many attempts were made.
        :param maybe_processed: whether any attempt may have been acted on.
        """
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if isinstance(error, _AttemptOverdue):
            return JodoConnectionError(
                f"{what}: no complete answer from {self._settings.base_url}{tries}: {error}",
                maybe_processed=maybe_processed,
            )
        detail = self._redactor.redact(str(error))[:400]
        reason = _unreachable_reason(error, self._settings.timeout)
        return JodoConnectionError(
            f"{what}: cannot reach {self._settings.base_url}{tries}: {reason} "
            f"({type(error).__name__}: {detail})",
            maybe_processed=maybe_processed,
        )

    def _environment(self, url: str) -> dict[str, Any]:
        """Resolve `proxies` and `verify` for `url` as requests takes them from the environment.

        HTTP(S)_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE, with the connection's
        `verify_ssl`; resolved once per URL (the hook calls at most three), because requests
        would scan all of os.environ on every call.

        :param url: the URL about to be called.
        :raises JodoConnectionError: the CA bundle variable names no file for an https URL
            (requests would raise a bare OSError on every call).
        """
        environment = self._environments.get(url)
        if environment is None:
            with requests.Session() as probe:
                merged = probe.merge_environment_settings(url, {}, None, self._settings.verify_tls, None)
            verify = merged["verify"]
            # A path can only come from the environment (the connection gives True or False),
            # from the first of the two variables that is set, as requests reads them.
            if isinstance(verify, str) and urlsplit(url).scheme == "https" and not os.path.exists(verify):
                variable = "REQUESTS_CA_BUNDLE" if os.environ.get("REQUESTS_CA_BUNDLE") else "CURL_CA_BUNDLE"
                raise JodoConnectionError(
                    f"cannot reach {self._settings.base_url}: {variable}={verify!r} names no CA bundle "
                    "file; point it at the PEM file of the CAs to trust, or unset it",
                    maybe_processed=False,
                )
            environment = {"proxies": merged["proxies"], "verify": verify}
            self._environments[url] = environment
        return environment


class _AttemptOverdue(Exception):
    """An attempt's deadline passed before its answer was complete."""

    def __init__(self, allowed_seconds: float) -> None:
        """Describe the failure once, for the retry log and the final error alike.

        :param allowed_seconds: how long the attempt had; 0 when it could not start.
        """
        description = f"no complete answer within {allowed_seconds:.1f} s"
        super().__init__(description)
        self.failure = TransientFailure(description, maybe_processed=allowed_seconds > 0)


@dataclass(frozen=True)
class _Answer:
    """A complete answer, read within its deadline and size limit."""

    status: int
    headers: Any
    body: bytes
    encoding: str | None


def _maybe_processed(error: Exception | None, failure: TransientFailure | None) -> bool:
    """Tell whether an attempt may have been acted on: unknown (True) unless it surely was not.

    A transient failure knows (a refused connection, a connect timeout, 429 and 503 were not).
    Of the other errors, only those requests raises before sending (a bad URL) and a rejected
    certificate (TLS verification precedes the request) prove that nothing reached the
    platform. An attempt that was answered was processed.

    :param error: the attempt's error; None when it was answered.
    :param failure: the transient failure the attempt is, if any.
    """
    if failure is not None:
        return failure.maybe_processed
    if isinstance(error, requests.exceptions.SSLError):
        return _CERTIFICATE_REJECTED not in str(error)
    return not isinstance(error, _RAISED_BEFORE_SENDING)


def _not_http(error: requests.RequestException) -> http.client.HTTPException | None:
    """Return what Python's HTTP client refused in the answer, when that is why `error` was raised.

    A status line that is not HTTP's, more than 100 headers or a header line over 64 KiB;
    None for anything else, a connection closed before any answer above all (that is a lost
    connection, which may be retried).

    :param error: what requests raised.
    """
    if not isinstance(error, requests.ConnectionError) or not error.args:
        return None
    for cause in getattr(error.args[0], "args", ()):  # urllib3's ProtocolError(text, cause)
        if isinstance(cause, http.client.HTTPException) and not isinstance(
            cause, (http.client.RemoteDisconnected, http.client.IncompleteRead)
        ):
            return cause
    return None


def _is_redirect(status: int) -> bool:
    """Tell whether an HTTP status is a redirect (3xx), which the hook does not follow."""
    return 300 <= status <= 399


def _origin(url: str, location: str = "") -> str | None:
    """Return `scheme://host[:port]` of `location` resolved against `url` (of `url` without one).

    No login, path or query: they may carry secrets. Cut to a printable length, because a
    `Location` header is the platform's (or an attacker's) to choose. None if there is no
    scheme or host.

    :param url: a URL called.
    :param location: a redirect's `Location` header.
    """
    try:
        target = urlsplit(urljoin(url, location.strip()))
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    host = target.netloc.rpartition("@")[2]
    if not target.scheme or not host:
        return None
    return f"{target.scheme}://{host}"[:_QUOTE_LIMIT]


def _warn_of_plain_http(settings: JodoConnectionSettings, log: Any) -> None:
    """Warn when the platform's API calls would carry the credentials over plain HTTP to another machine.

    The API key travels in ImportProcessData's body, the astercc password in importCJI's
    query string: over `http://` anyone on the network path reads them. Loopback is spared
    (a local platform, or a tunnel that encrypts).

    :param settings: the connection's settings.
    :param log: the hook's log.
    """
    api_paths = (settings.process_data_path, settings.import_cji_path, settings.import_status_path)
    in_clear = sorted(
        {
            origin
            for origin in (_origin(settings.url(path)) or "" for path in api_paths)
            if origin.startswith("http://") and not _is_loopback(urlsplit(origin).hostname)
        }
    )
    if in_clear:
        log.warning(
            "Connection %r calls the platform over plain HTTP (%s): the API key and the astercc "
            "password travel unencrypted, readable by anyone on the network path. Use an https:// "
            "URL as the connection's host",
            settings.conn_id,
            ", ".join(in_clear),
        )


def _is_loopback(host: str | None) -> bool:
    """Tell whether a URL's host name is this machine (`localhost`, 127.0.0.0/8, ::1)."""
    if host is None:
        return False
    if host.rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resend_check(before_resend: ResendCheck | None, failure: TransientFailure | None) -> ResendCheck | None:
    """Give the call's check if it must run before a resend: the failed attempt may have taken effect.

    :param before_resend: the call's check, if it has one.
    :param failure: what went wrong with the last attempt; None when nothing did.
    """
    if before_resend is None or failure is None or not failure.maybe_processed:
        return None
    return before_resend


def _unreachable_reason(error: requests.RequestException, timeout: float) -> str:
    """Say what went wrong, in words that point at the fix.

    A TLS failure is a verification failure only when OpenSSL says the certificate was
    rejected (which needs verification on); anything else, a plain-HTTP port behind an
    https:// URL above all, is a handshake failure, which `verify_ssl=false` cannot cure.

    :param error: the last attempt's error.
    :param timeout: the connection's timeout, in seconds.
    """
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(error, requests.exceptions.SSLError):
        if _CERTIFICATE_REJECTED in str(error):
            return (
                "TLS verification failed: the platform's certificate is not trusted (a private CA "
                "goes in REQUESTS_CA_BUNDLE; verify_ssl=false only for a self-signed test platform)"
            )
        return (
            "TLS handshake failed: the platform does not speak TLS at this port (an http:// "
            "platform?), or no TLS version or cipher is acceptable to both sides"
        )
    if isinstance(error, requests.ConnectionError):
        return "connection failed: wrong host or port, or the platform is down"
    return "the request failed"


def _decode(body: bytes, encoding: str | None) -> str:
    """Decode a body as UTF-8, which vendors use in practice even when they omit the charset.

    :param body: the answer's bytes.
    :param encoding: the charset the answer names, if any, for a body that is not UTF-8.
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode(encoding or "latin-1", errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("latin-1")


# Each attempt bounded in time and size -------------------------------------------------------


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
