"""Fetching an import job's CSV file over HTTP(S) or FTP, as the platform does when the job runs.

Not when it is created: a file that is missing then fails the job, not the call.
"""

from __future__ import annotations

import base64
import ftplib
import http.client
import io
import urllib.error
import urllib.request
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from airflow_provider_jodo.enums import CJISource

FETCH_TIMEOUT_SECONDS = 60.0
"""How long the file server may stay silent (connecting or between reads) before the job fails
with 89. Generous, as for a slow export server: the system test holds a download open until
it has seen the sensor deferred, which a busy 2-core CI machine may take well over 10 s to do."""


class FileFetchError(Exception):
    """The file could not be fetched; the message says why (never with the password)."""


def fetch_file(
    source: CJISource, url: str, user: str, password: str, timeout: float = FETCH_TIMEOUT_SECONDS
) -> bytes:
    """Return the file's bytes; raise FileFetchError for any network or server failure.

    `user`/`password` are HTTP basic credentials or the FTP login; empty means none (anonymous
    FTP).
    """
    if source is CJISource.FTP:
        return _fetch_ftp(url, user, password, timeout)
    return _fetch_http(url, user, password, timeout)


def _fetch_http(url: str, user: str, password: str, timeout: float) -> bytes:
    shown = _without_userinfo(url)
    try:
        parts = urlsplit(url)
        if parts.username is not None:  # credentials in the URL act as basic auth, as in browsers
            user, password = unquote(parts.username), unquote(parts.password or "")
        netloc = parts.hostname or ""
        if parts.port is not None:
            netloc = f"{netloc}:{parts.port}"
        request = urllib.request.Request(
            urlunsplit((parts.scheme, netloc, quote(parts.path, safe="/%"), parts.query, ""))
        )
        if user:
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise FileFetchError(f"GET {shown} answered HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError, UnicodeError) as error:
        raise FileFetchError(f"GET {shown} failed: {type(error).__name__}: {error}") from error


def _fetch_ftp(url: str, user: str, password: str, timeout: float) -> bytes:
    parts = urlsplit(url)
    # RFC 1738: the path after the first slash is relative to the login directory.
    path = unquote(parts.path[1:])
    buffer = io.BytesIO()
    try:
        port = parts.port
    except ValueError as error:
        raise FileFetchError(f"FTP {_without_userinfo(url)}: {error}") from error
    try:
        with ftplib.FTP(timeout=timeout) as ftp:
            ftp.connect(parts.hostname or "", port or ftplib.FTP_PORT)
            ftp.login(user, password)  # ftplib logs in as anonymous when user is empty
            ftp.retrbinary(f"RETR {path}", buffer.write)
    except ftplib.all_errors as error:
        raise FileFetchError(f"FTP {parts.hostname}:{port or ftplib.FTP_PORT} {path}: {error}") from error
    return buffer.getvalue()


def _without_userinfo(url: str) -> str:
    """Return the URL as it may be shown in a job error: never with a user or password."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
