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
# The password runs to the last "@" before the host; a password may itself contain "@".
_URL_USERINFO_PASSWORD = re.compile(r"(?P<name>://[^/:@\s]*:)(?P<value>[^/\s]+)(?=@[^@/\s]*(?:[/?#]|$))")
# The same inside a percent-encoded URL (importCJI's `context` query value).
_ENCODED_USERINFO_PASSWORD = re.compile(
    r"(?P<name>%3A%2F%2F(?:(?!%2F|%3A|&)[^\s])*%3A)(?P<value>(?:(?!%2F|&)[^\s])+?)(?=%40)", re.IGNORECASE
)
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
        # Known secrets first (longest first, so that one containing another goes whole): the
        # patterns below rewrite text, after which a literal secret could no longer be found.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        text = _SENSITIVE_QUERY_VALUE.sub(lambda m: m.group("name") + REDACTED, text)
        text = _URL_USERINFO_PASSWORD.sub(lambda m: m.group("name") + REDACTED, text)
        text = _ENCODED_USERINFO_PASSWORD.sub(lambda m: m.group("name") + REDACTED, text)
        text = _SENSITIVE_JSON_VALUE.sub(lambda m: m.group("name") + f'"{REDACTED}"', text)
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
