"""Fetching an import job's CSV file over HTTP(S) or FTP, as the platform does when the job
runs (not when it is created): a file that is missing then fails the job, not the call."""

from __future__ import annotations

import base64
import ftplib
import io
import urllib.error
import urllib.request
from urllib.parse import unquote, urlsplit

from airflow_provider_jodo.enums import CJISource

FETCH_TIMEOUT_SECONDS = 10.0
URL_SCHEMES: dict[CJISource, tuple[str, ...]] = {CJISource.HTTP: ("http", "https"), CJISource.FTP: ("ftp",)}
"""The URL schemes each file source accepts."""


class FileFetchError(Exception):
    """The file could not be fetched; the message says why (never with the password)."""


def fetch_file(
    source: CJISource, url: str, user: str, password: str, timeout: float = FETCH_TIMEOUT_SECONDS
) -> bytes:
    """The file's bytes. `user`/`password` are HTTP basic credentials or the FTP login; empty
    means none (anonymous FTP). Raises FileFetchError for any network or server failure."""
    if source is CJISource.FTP:
        return _fetch_ftp(url, user, password, timeout)
    return _fetch_http(url, user, password, timeout)


def _fetch_http(url: str, user: str, password: str, timeout: float) -> bytes:
    request = urllib.request.Request(url)
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise FileFetchError(f"GET {url} answered HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise FileFetchError(f"GET {url} failed: {error}") from error


def _fetch_ftp(url: str, user: str, password: str, timeout: float) -> bytes:
    parts = urlsplit(url)
    # RFC 1738: the path after the first slash is relative to the login directory.
    path = unquote(parts.path[1:])
    buffer = io.BytesIO()
    try:
        with ftplib.FTP(timeout=timeout) as ftp:
            ftp.connect(parts.hostname or "", parts.port or ftplib.FTP_PORT)
            ftp.login(user, password)  # ftplib logs in as anonymous when user is empty
            ftp.retrbinary(f"RETR {path}", buffer.write)
    except ftplib.all_errors as error:
        raise FileFetchError(
            f"FTP {parts.hostname}:{parts.port or ftplib.FTP_PORT} {path}: {error}"
        ) from error
    return buffer.getvalue()
