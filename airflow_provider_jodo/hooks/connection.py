"""How a `jodo` Airflow connection maps onto the two platforms' settings, its retries included.

Standard fields: `host` is the base URL (scheme included; a bare host name means https),
`port` is optional, `login`/`password` are the astercc user and password, `schema` is the
astercc organisation identity. Everything else lives in the extra (its fields and defaults:
`connection_form.EXTRA_DEFAULTS`). A setting is only required by the calls that use it: a DAG
that only pushes ImportProcessData needs no astercc user. The hook's `test_connection` checks a
connection against the platform.

The retry policy is one of the settings (three of its four numbers are the connection's), so it
is defined here, below the transport that follows it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import pendulum

from airflow_provider_jodo.compat.airflow import BaseHook
from airflow_provider_jodo.enums import PasswordType, UserType, coerce
from airflow_provider_jodo.exceptions import ConnectionSettingError

# The defaults live apart, free of Airflow imports: `get_provider_info` reads them while Airflow
# discovers providers, before this module's exceptions can be imported.
from airflow_provider_jodo.hooks.connection_form import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_BACKOFF_SECONDS,
    DEFAULT_RETRY_MAX_SECONDS,
    EXTRA_DEFAULTS,
    JOB_ID_PLACEHOLDER,
)
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and by total time.

    :param max_retries: attempts after the first (0 disables retries).
    :param backoff: seconds before the first retry; doubled for each further one.
    :param max_backoff: the longest single wait (a Retry-After beyond it is honoured up to
        the time left).
    :param max_seconds: the time budget of one call, its retries and waits included.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff: float = DEFAULT_RETRY_BACKOFF_SECONDS
    max_backoff: float = 30.0
    max_seconds: float = DEFAULT_RETRY_MAX_SECONDS

    def wait_before_retry(self, retry: int, elapsed: float, retry_after: float | None) -> float | None:
        """Say how many seconds to wait before a retry, or None to give up.

        None when no retries are left, or when the wait would end past the time budget.

        :param retry: the retry's number, from 1.
        :param elapsed: seconds the call has taken so far.
        :param retry_after: the platform's own wait for the failure (`Retry-After`, seconds), a
            floor for the wait; None when it set none.
        """
        if retry > self.max_retries:
            return None
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        wait = ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter": spread, never zero
        if retry_after is not None:
            wait = max(wait, retry_after)
        if elapsed + wait > self.max_seconds:
            return None
        return wait


@dataclass(frozen=True)
class JodoConnectionSettings:
    """The resolved settings of one `jodo` connection. Secrets are kept out of `repr`."""

    conn_id: str
    base_url: str
    org_identity: str
    user: str
    password: str = field(repr=False)
    api_key: str = field(repr=False)
    service_key: str
    user_type: UserType
    password_type: PasswordType
    timezone: str
    verify_tls: bool
    csv_only: bool
    phone_plus: bool
    timeout: float
    max_answer_bytes: int
    process_data_path: str
    import_cji_path: str
    import_status_path: str
    job_page_path: str
    retry_policy: RetryPolicy

    @classmethod
    def from_connection(cls, conn: Any, extra: dict[str, Any] | None = None) -> JodoConnectionSettings:
        """Build settings from an Airflow `Connection` (anything with its attributes).

        Async callers pass `extra` from `await conn.aextra_dejson()`: the synchronous
        `extra_dejson` masks secrets through a call that must not run inside an event loop.
        """
        given = (conn.extra_dejson if extra is None else extra) or {}
        if not isinstance(given, dict):
            raise ConnectionSettingError(
                f"connection {conn.conn_id!r}: extra must be a JSON object, got {type(given).__name__}"
            )
        unknown = sorted(set(given) - set(EXTRA_DEFAULTS))
        if unknown:
            raise ConnectionSettingError(
                f"connection {conn.conn_id!r}: unknown extra field(s) {unknown}; "
                f"known: {sorted(EXTRA_DEFAULTS)}"
            )
        # Airflow's connection form stores a setting left empty as null (or ""): the default.
        extra = {
            **EXTRA_DEFAULTS,
            **{name: value for name, value in given.items() if value not in (None, "")},
        }
        return cls(
            conn_id=conn.conn_id,
            base_url=_base_url(conn.conn_id, conn.host, conn.port),
            org_identity=conn.schema or "",
            user=conn.login or "",
            password=conn.password or "",
            api_key=_text(conn.conn_id, "apikey", extra["apikey"]),
            service_key=_text(conn.conn_id, "servicekey", extra["servicekey"]),
            user_type=_coerce_setting(UserType, extra["usertype"], conn.conn_id, "usertype"),
            password_type=_coerce_setting(PasswordType, extra["pwdtype"], conn.conn_id, "pwdtype"),
            timezone=_timezone(conn.conn_id, extra["timezone"]),
            verify_tls=_boolean(conn.conn_id, "verify_ssl", extra["verify_ssl"]),
            csv_only=_boolean(conn.conn_id, "csv_only", extra["csv_only"]),
            phone_plus=_boolean(conn.conn_id, "phone_plus", extra["phone_plus"]),
            timeout=_positive_number(conn.conn_id, "timeout", extra["timeout"]),
            max_answer_bytes=_positive_count(conn.conn_id, "max_answer_bytes", extra["max_answer_bytes"]),
            process_data_path=_text(conn.conn_id, "process_data_path", extra["process_data_path"]),
            import_cji_path=_text(conn.conn_id, "import_cji_path", extra["import_cji_path"]),
            import_status_path=_text(conn.conn_id, "import_status_path", extra["import_status_path"]),
            job_page_path=_job_page_path(conn.conn_id, extra["job_page_path"]),
            retry_policy=RetryPolicy(
                max_retries=_count(conn.conn_id, "max_retries", extra["max_retries"]),
                backoff=_positive_number(conn.conn_id, "retry_backoff", extra["retry_backoff"]),
                max_seconds=_positive_number(conn.conn_id, "retry_max_seconds", extra["retry_max_seconds"]),
            ),
        )

    @classmethod
    def from_connection_id(cls, conn_id: str) -> JodoConnectionSettings:
        """Read connection `conn_id` from wherever Airflow keeps it, and build its settings.

        For the code that needs a setting without a hook (the asset and template helpers); it is
        a synchronous lookup, never to be made while a DAG file is parsed.

        :param conn_id: the `jodo` connection.
        :raises ConnectionSettingError: a setting of the connection is missing or wrong.
        """
        return cls.from_connection(BaseHook.get_connection(conn_id))

    def url(self, path: str) -> str:
        """Give the endpoint URL for a configured path.

        An absolute URL in the path wins, so that a deployment can point one endpoint at
        another host.

        :param path: the endpoint's path setting.
        """
        return urljoin(self.base_url + "/", path.lstrip("/") if "://" not in path else path)

    def job_page_url(self, job_id: str | int) -> str:
        """Give the platform console's page for import job `job_id` (the operator's extra link).

        :param job_id: the job.
        """
        return self.url(self.job_page_path.replace(JOB_ID_PLACEHOLDER, quote(str(job_id), safe="")))

    def jodo_credentials(self) -> dict[str, str]:
        """Give `apikey` and `servicekey` for Jodo requests; raise when either is missing."""
        self._require(("apikey", self.api_key), ("servicekey", self.service_key))
        return {"apikey": self.api_key, "servicekey": self.service_key}

    def astercc_credentials(self) -> dict[str, str]:
        """Give the five credential parameters of every astercc call, password encoded by `pwdtype`."""
        self._require(("schema (orgidentity)", self.org_identity), ("login", self.user))
        self._require(("password", self.password))
        return {
            "orgidentity": self.org_identity,
            "usertype": self.user_type.value,
            "user": self.user,
            "pwdtype": self.password_type.value,
            "password": self.wire_password,
        }

    @property
    def wire_password(self) -> str:
        """The password as sent: plain, or its lowercase hex MD5 for `pwdtype=md5`."""
        if self.password_type is PasswordType.MD5:
            return hashlib.md5(self.password.encode("utf-8")).hexdigest()
        return self.password

    def secrets(self) -> tuple[str, ...]:
        """Every secret value this connection can put on the wire, for masking and redaction."""
        return tuple(s for s in (self.password, self.wire_password, self.api_key) if s)

    def _require(self, *fields: tuple[str, str]) -> None:
        missing = [name for name, value in fields if not value]
        if missing:
            raise ConnectionSettingError(f"connection {self.conn_id!r} has no {', '.join(missing)}")


def _base_url(conn_id: str, host: str | None, port: int | None) -> str:
    if not host:
        raise ConnectionSettingError(f"connection {conn_id!r} has no host (the platform's base URL)")
    try:  # urlsplit and .port raise a bare ValueError ("Invalid IPv6 URL", "Port out of range")
        parts = urlsplit(_bracket_ipv6_address(host if "://" in host else f"https://{host}"))
        host_port = parts.port
    except ValueError as error:
        raise ConnectionSettingError(
            f"connection {conn_id!r}: host {host!r} is not a URL ({error})"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectionSettingError(f"connection {conn_id!r}: host {host!r} is not an http(s) URL")
    netloc = parts.netloc
    if port and host_port is None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _bracket_ipv6_address(url: str) -> str:
    """Put an IPv6 host address of `url` in brackets.

    Airflow's URI form drops the brackets (`jodo://http://user:pw@[::1]:8765/...` has the host
    `http://::1` and the port 8765), and a URL cannot tell the address's colons from a port's
    without them.

    :param url: the base URL as the connection gives it.
    """
    scheme, separator, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    try:
        ipaddress.IPv6Address(authority)
    except ValueError:
        return url
    return f"{scheme}{separator}[{authority}]{rest[len(authority) :]}"


def _text(conn_id: str, name: str, value: Any) -> str:
    """Read a text setting; None is empty.

    An integer is written out (a numeric key in JSON), any other type refused: `str()` would
    send "{'a': 1}" as the setting.

    :param conn_id: the connection, as errors name it.
    :param name: the setting, as errors name it.
    :param value: the setting's value.
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConnectionSettingError(
            f"connection {conn_id!r}: {name} must be text, got {type(value).__name__}"
        )
    return str(value)


def _job_page_path(conn_id: str, path: Any) -> str:
    path = _text(conn_id, "job_page_path", path)
    if JOB_ID_PLACEHOLDER not in path:
        raise ConnectionSettingError(
            f"connection {conn_id!r}: job_page_path {path!r} has no {JOB_ID_PLACEHOLDER} placeholder"
        )
    return path


def _coerce_setting(enum_type: Any, value: Any, conn_id: str, name: str) -> Any:
    try:
        return coerce(enum_type, value, name)
    except ValueError as error:
        raise ConnectionSettingError(f"connection {conn_id!r}: {error}") from None


def _timezone(conn_id: str, name: Any) -> str:
    try:
        return pendulum.timezone(str(name)).name
    except Exception:
        raise ConnectionSettingError(
            f"connection {conn_id!r}: timezone {name!r} is not an IANA zone"
        ) from None


def _boolean(conn_id: str, name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConnectionSettingError(f"connection {conn_id!r}: {name}={value!r} is not a boolean")


def _positive_number(conn_id: str, name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not 0 < number < math.inf:  # NaN and infinity too: requests would wait forever
        raise ConnectionSettingError(f"connection {conn_id!r}: {name}={value!r} is not a positive number")
    return number


def _positive_count(conn_id: str, name: str, value: Any) -> int:
    count = _count(conn_id, name, value)
    if count == 0:
        raise ConnectionSettingError(f"connection {conn_id!r}: {name}={value!r} must be at least 1")
    return count


def _count(conn_id: str, name: str, value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not is_ascii_digits(text):
        raise ConnectionSettingError(f"connection {conn_id!r}: {name}={value!r} is not a whole number >= 0")
    return int(text)
