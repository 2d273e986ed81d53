"""Keeping secrets out of text that may be printed.

importCJI sends the password (and a file server's password) in the query string, so any URL,
exception or debug log line can carry it. `Redactor` replaces sensitive query values, the
password part of `scheme://user:password@host` and every known secret value (plain and MD5)
with `***` before text leaves the hook; a secret too short to be told from the text around it
only where it stands as a whole token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "***"
SHORT_SECRET_LENGTH = 5
"""Secrets shorter than this (Airflow's log masker skips them) are redacted only where they
stand as a whole token: as a substring, a password "1" would be found in every number and
address of a message."""
_TOKEN_EDGE = r"(?<![\w.:-]){}(?!\w|[.:-]\w)"
"""Where a short secret stands alone: not inside a run of letters, digits and the joiners of
numbers and addresses (`127.0.0.1`, `[::1]`, `a-b`). A joiner after it counts only when a
character follows that continues the token, so a sentence's closing period still ends it."""
SENSITIVE_PARAMETERS = ("password", "source_pwd", "apikey", "context")
"""Query values never printed: secrets, and importCJI's `context`, which holds a lead's fields
(personal data) for `source=data`."""
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
    """Replace secrets in text. It holds the secret values themselves, so keep it private."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Start with these secret values (see `add`)."""
        self._secrets: set[str] = set()
        self._short_secrets: dict[str, re.Pattern[str]] = {}  # secret -> where it stands alone
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Register more secret values (empty values are ignored)."""
        for secret in secrets:
            if len(secret) >= SHORT_SECRET_LENGTH:
                self._secrets.add(secret)
            elif secret:
                self._short_secrets[secret] = re.compile(_TOKEN_EDGE.format(re.escape(secret)))

    def redact(self, text: str) -> str:
        """Return `text` with sensitive query/JSON values and every known secret replaced by `***`.

        A secret shorter than `SHORT_SECRET_LENGTH` is replaced only where it stands as a whole
        token.
        """
        # Known secrets first (longest first, so that one containing another goes whole): the
        # patterns below rewrite text, after which a literal secret could no longer be found.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        for secret in sorted(self._short_secrets, key=len, reverse=True):
            text = self._short_secrets[secret].sub(REDACTED, text)
        text = _SENSITIVE_QUERY_VALUE.sub(lambda m: m.group("name") + REDACTED, text)
        text = _URL_USERINFO_PASSWORD.sub(lambda m: m.group("name") + REDACTED, text)
        text = _ENCODED_USERINFO_PASSWORD.sub(lambda m: m.group("name") + REDACTED, text)
        text = _SENSITIVE_JSON_VALUE.sub(lambda m: m.group("name") + f'"{REDACTED}"', text)
        return text


class QueryStringRedactingFilter(logging.Filter):
    """Redact sensitive query values in log records of HTTP libraries.

    urllib3 logs every request line, query string included, at DEBUG level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's formatted message in place; always keep the record."""
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
