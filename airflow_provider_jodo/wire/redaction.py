"""Keeping secrets out of text that may be printed.

importCJI sends the password (and a file server's password) in the query string, so any URL,
exception or debug log line can carry it. `Redactor` replaces sensitive query values and every
known secret value (plain and MD5) with `***` before text leaves the hook, as well as the password part of `scheme://user:password@host`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "***"
SENSITIVE_PARAMETERS = ("password", "source_pwd", "apikey")
_SENSITIVE_NAMES = "|".join(SENSITIVE_PARAMETERS)
_SENSITIVE_QUERY_VALUE = re.compile(
    rf"(?P<name>(?<![\w])(?:{_SENSITIVE_NAMES})=)(?P<value>[^&#\s'\"]*)", re.IGNORECASE
)
_URL_USERINFO_PASSWORD = re.compile(r"(?P<name>://[^/:@\s]*:)(?P<value>[^/@\s]+)(?=@)")
_SENSITIVE_JSON_VALUE = re.compile(
    rf"(?P<name>[\"']?(?:{_SENSITIVE_NAMES})[\"']?\s*:\s*)(?P<value>\"[^\"]*\"|'[^']*')",
    re.IGNORECASE,
)


class Redactor:
    """Replaces secrets in text. Holds the secret values themselves, so keep it private."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Register more secret values (empty values are ignored)."""
        self._secrets.update(s for s in secrets if s)

    def redact(self, text: str) -> str:
        """`text` with sensitive query/JSON values and every known secret replaced by `***`."""
        text = _SENSITIVE_QUERY_VALUE.sub(lambda m: m.group("name") + REDACTED, text)
        text = _URL_USERINFO_PASSWORD.sub(lambda m: m.group("name") + REDACTED, text)
        text = _SENSITIVE_JSON_VALUE.sub(lambda m: m.group("name") + f'"{REDACTED}"', text)
        # Longest first, so that a secret containing another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


class QueryStringRedactingFilter(logging.Filter):
    """Redacts sensitive query values in log records of HTTP libraries (urllib3 logs every
    request line, query string included, at DEBUG level)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = Redactor().redact(str(record.msg))
        return True


def install_url_log_redaction(logger_names: Iterable[str] = ("urllib3.connectionpool",)) -> None:
    """Attach `QueryStringRedactingFilter` once to each named logger (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringRedactingFilter) for f in logger.filters):
            logger.addFilter(QueryStringRedactingFilter())
