"""Send the hook's HTTP calls: sessions, bounded attempts, retries, and failures in words.

One `requests.Session` per calling thread (kept-alive connections; operators call the hook from
several threads when `max_in_flight` > 1, and requests does not promise that a Session is
thread-safe). Each attempt is bounded in time and size (`bounded_exchange`); transient failures
are retried as the retry policy says. The transport knows nothing of the vendors' answers: it
returns the body and status of the last answer, or raises `JodoConnectionError` in words that
point at the fix, with every secret the redactor knows removed.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload
from urllib.parse import urlsplit

import requests

from airflow_provider_jodo.exceptions import JodoConnectionError, JodoResponseError
from airflow_provider_jodo.hooks.bounded_exchange import (
    AnswerTooLargeError,
    AttemptWatchdog,
    read_bounded,
    watched_session,
)
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.retry_policy import (
    RetryPolicy,
    TransientFailure,
    failure_of_exception,
    failure_of_status,
)
from airflow_provider_jodo.vendor.wire.redaction import Redactor

LAST_LOOK_SECONDS = 0.5
"""A call with a caller's deadline (a wait for a job) gets at least this long, so that the look
a wait takes at its end can still be answered; it ends that much past the deadline at most."""
_CERTIFICATE_REJECTED = "CERTIFICATE_VERIFY_FAILED"
"""OpenSSL's reason for a certificate (chain or host name) that verification rejected."""


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
        """Keep what the calls need; nothing is opened before the first call."""
        self._settings = settings
        self._retry_policy = retry_policy
        self._redactor = redactor
        self._log = log
        self._thread_sessions = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._environments: dict[str, dict[str, Any]] = {}
        self._watchdog = AttemptWatchdog()

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
        :raises JodoConnectionError: no answer, after the retries the policy allows.
        :raises JodoResponseError: the answer is larger than `answer_limit`.
        """
        limit = answer_limit or self._settings.max_answer_bytes
        started = time.monotonic()
        call_ends = started + self._retry_policy.max_seconds
        if deadline is not None:  # a waiter's last look, at its deadline, still gets a moment
            call_ends = min(call_ends, started + max(deadline - time.time(), LAST_LOOK_SECONDS))
        for retry in itertools.count(1):
            attempt_ends = min(time.monotonic() + self._settings.timeout, call_ends)
            answer, error, failure = self._try(method, url, what, attempt_ends, limit, request_arguments)
            wait = self._wait(what, retry, started, call_ends, failure)
            if wait is not None:
                time.sleep(wait)
            took_effect = _ask(before_resend, failure)
            if took_effect is not None:
                return took_effect
            if wait is None:
                if answer is None:
                    raise self._unreachable(error, what, attempts=retry) from None
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
        :raises JodoResponseError: the answer is larger than `limit`: no retry can shrink it.
        """
        try:
            answer = self._attempt(method, url, ends, limit, request_arguments)
        except _AttemptOverdue as overdue:
            return None, overdue, overdue.failure
        except requests.RequestException as error:
            return None, error, failure_of_exception(error)
        except AnswerTooLargeError as too_large:
            raise self._too_large(what, too_large) from None
        return answer, None, failure_of_status(answer.status, answer.headers)

    def _wait(
        self, what: str, retry: int, started: float, call_ends: float, failure: TransientFailure | None
    ) -> float | None:
        """Say how long to wait before retry number `retry`, and log it; None ends the call.

        :param what: the call, as messages name it.
        :param retry: the retry's number, from 1.
        :param started: when the call started (monotonic seconds).
        :param call_ends: when the whole call must be over (monotonic seconds).
        :param failure: what went wrong with the last attempt; None when nothing did.
        """
        if failure is None:
            return None
        now = time.monotonic()
        policy = self._retry_policy
        wait = policy.wait_before_retry(retry, now - started, failure)
        if wait is None or now + wait >= call_ends:
            return None  # no retries left, or no attempt could start before the call's deadline
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
        """
        allowed = ends - time.monotonic()
        if allowed <= 0:
            raise _AttemptOverdue(0.0)
        with self._watchdog.attempt(ends) as attempt:
            try:
                response = self.session.request(
                    method, url, stream=True, timeout=allowed, **self._environment(url), **request_arguments
                )
                try:
                    body = read_bounded(response, limit)
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

    def _unreachable(self, error: Any, what: str, attempts: int) -> JodoConnectionError:
        """Build the error for a call that got no answer, in words that point at the fix.

        :param error: the last attempt's error.
        :param what: the call, as messages name it.
        :param attempts: how many attempts were made.
        """
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if isinstance(error, _AttemptOverdue):
            return JodoConnectionError(
                f"{what}: no complete answer from {self._settings.base_url}{tries}: {error}"
            )
        detail = self._redactor.redact(str(error))[:400]
        reason = _unreachable_reason(error, self._settings.timeout)
        return JodoConnectionError(
            f"{what}: cannot reach {self._settings.base_url}{tries}: {reason} "
            f"({type(error).__name__}: {detail})"
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
                    "file; point it at the PEM file of the CAs to trust, or unset it"
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


def _ask(before_resend: ResendCheck | None, failure: TransientFailure | None) -> TookEffect | None:
    """Ask the call's check whether a failed attempt took effect, when it may have.

    :param before_resend: the call's check, if it has one.
    :param failure: what went wrong with the last attempt; None when nothing did.
    """
    if before_resend is None or failure is None or not failure.maybe_processed:
        return None
    return before_resend(failure)


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
        return body.decode(encoding or "latin-1", errors="replace")
