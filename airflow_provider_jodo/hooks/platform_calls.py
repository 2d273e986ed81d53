"""Call each platform API in its own convention, and read its answer into a value or an error.

astercc's importCJI and status method take GET parameters and answer JSONP; the Jodo customer
web service takes a form POST with JSON in its `data` field. Both answers are parsed tolerantly
in `wire.answers`, which turns vendor codes into typed `JodoError`s; everything quoted from an
answer is redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from airflow_provider_jodo.exceptions import JodoAuthenticationError
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.transport import ResendCheck, TookEffect, Transport
from airflow_provider_jodo.protocol.codes import CREDENTIAL_FIELDS
from airflow_provider_jodo.protocol.wire.answers import Redact, astercc_message, jodo_payload, parse_answer
from airflow_provider_jodo.protocol.wire.form import FORM_CONTENT_TYPE, form_field
from airflow_provider_jodo.protocol.wire.process_data import encode_jodo_request
from airflow_provider_jodo.protocol.wire.redaction import Redactor

JSONP_CALLBACK = "airflowJodo"
"""The JSONP function name every astercc call sends; an answer wrapped in another is refused."""
Query = list[tuple[str, str]]
"""An astercc call's parameters, in the order they are sent."""
_Value = TypeVar("_Value")
logger = logging.getLogger(__name__)
_NOTICES_REMEMBERED = 64
"""How many distinct notices a hook remembers having logged, so that a notice carrying a time
stamp cannot grow the set without end."""


@dataclass(frozen=True)
class PlatformCalls:
    """The two APIs' calls over one transport.

    :param settings: the connection's settings (base URL and the Jodo endpoint).
    :param transport: sends the calls.
    :param redactor: the secrets to remove from what is quoted of an answer.
    """

    settings: JodoConnectionSettings
    transport: Transport
    redactor: Redactor
    _notices_seen: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    @overload
    def astercc(
        self, path: str, query: Query, what: str, *, deadline: float | None = None
    ) -> tuple[str | None, Any]: ...

    @overload
    def astercc(
        self, path: str, query: Query, what: str, *, before_resend: ResendCheck
    ) -> tuple[str | None, Any] | TookEffect: ...

    def astercc(
        self,
        path: str,
        query: Query,
        what: str,
        *,
        before_resend: ResendCheck | None = None,
        deadline: float | None = None,
    ) -> tuple[str | None, Any] | TookEffect:
        """Call an astercc method; return the (BackMsg code or None, message) of its success.

        :param path: the method's path (a connection setting).
        :param query: the query parameters, in order, the login included.
        :param what: the call, as messages name it.
        :param before_resend: the transport's check for a call that must not be repeated
            blindly; what it found is returned in place of an answer.
        :param deadline: a Unix time the call must end by, for a caller waiting until then.
        :raises JodoApiError: the platform refused the call (`code: 2`), typed by its code.
        :raises JodoResponseError: the answer is not an astercc answer.
        """
        answer = self.transport.send(
            "GET",
            self.settings.url(path),
            what,
            before_resend=before_resend,
            deadline=deadline,
            params=[("callback", JSONP_CALLBACK), *query],
        )
        if isinstance(answer, TookEffect):
            return answer
        return self._read(astercc_message, answer, what, JSONP_CALLBACK)

    def post_jodo(self, body: bytes, what: str, answer_limit: int | None = None) -> tuple[str, int]:
        """Post a form body to the Jodo endpoint; return the answer's (body, HTTP status), unread.

        :param body: the form body (it carries the API key).
        :param what: the call, as messages name it.
        :param answer_limit: the largest answer read, in bytes (default: the connection's).
        """
        return self.transport.send(
            "POST",
            self.settings.url(self.settings.process_data_path),
            what,
            answer_limit=answer_limit,
            data=body,
            headers={"Content-Type": FORM_CONTENT_TYPE},
        )

    def jodo(self, request: dict[str, Any], what: str) -> dict[str, Any]:
        """Call a Jodo method with `request` in the `data` field; return its success answer.

        :param request: the request's fields, its credentials included.
        :param what: the call, as messages name it.
        :raises ValueError: a value in `request` that JSON cannot carry.
        :raises JodoApiError: the platform refused the call, typed by its status code.
        """
        return self.jodo_payload(self.post_jodo(form_field("data", encode_jodo_request(request)), what), what)

    def jodo_payload(self, answer: tuple[str, int], what: str) -> dict[str, Any]:
        """Read a Jodo answer's (body, HTTP status) into its success payload.

        :param answer: what `post_jodo` returned.
        :param what: the call, as messages name it.
        :raises JodoApiError: the platform refused the call, typed by its status code.
        :raises JodoResponseError: the answer is not a Jodo answer.
        """
        return self._read(jodo_payload, answer, what)

    def _read(
        self,
        read: Callable[[Any, str, str, Redact], _Value],
        answer: tuple[str, int],
        what: str,
        callback: str | None = None,
    ) -> _Value:
        """Read an answer with `read`; a refused credential names the connection and its fields.

        :param read: the API's answer reader (`wire.answers`).
        :param answer: the answer's body and HTTP status.
        :param what: the call, as messages name it.
        :param callback: the JSONP function name the call sent, None for none.
        :raises JodoAuthenticationError: ending with the connection and the fields to check.
        """
        body, status = answer
        redact = self.redactor.redact
        parsed = parse_answer(
            body,
            status,
            what,
            redact,
            callback=callback,
            on_notices=lambda notices: self._log_notices(what, notices),
        )
        try:
            return read(parsed, body, what, redact)
        except JodoAuthenticationError as refused:
            assert refused.code is not None  # a refusal is classed as one of credentials by its code
            check = CREDENTIAL_FIELDS[refused.code]
            raise JodoAuthenticationError(
                f"{refused}; check connection {self.settings.conn_id!r}: {check}",
                api=refused.api,
                code=refused.code,
                vendor_message=refused.vendor_message,
            ) from None

    def _log_notices(self, what: str, notices: str) -> None:
        """Log the PHP notices a platform printed before an answer: a warning the first time each is seen.

        A platform with `display_errors` on may print the same notice before every answer; one
        warning says so, and the repeats go to the debug log.

        :param notices: the notices, quoted (redacted and cut).
        """
        first = notices not in self._notices_seen
        if len(self._notices_seen) < _NOTICES_REMEMBERED:
            self._notices_seen.add(notices)
        logger.log(
            logging.WARNING if first else logging.DEBUG,
            "%s: the platform printed PHP notices before its answer (read past them): %r",
            what,
            notices,
        )
