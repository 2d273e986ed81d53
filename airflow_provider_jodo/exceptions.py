"""Define the provider's typed errors.

Each platform error carries the vendor code, so that a DAG can tell a wrong password from a
missing campaign without parsing text, and no message ever holds a secret (the hook redacts
before it raises).
"""

from __future__ import annotations

from airflow_provider_jodo.compat.airflow import AirflowException, AirflowFailException
from airflow_provider_jodo.enums import UNPROCESSED_HTTP_STATUSES, CodeCategory


class JodoError(AirflowException):
    """Base class of every error raised by this provider."""


class ConnectionSettingError(JodoError, ValueError):
    """A connection field is missing or invalid; the message names the field, never its secret.

    A ValueError too, as any bad setting is.
    """


class UnencodableRecordError(JodoError, ValueError):
    """A record cannot be written as an importCJI `source=data` context without being mangled.

    A value holding `||` or `=`, ... would be: that record is rejected, the others go on.
    """


class MalformedBodyError(JodoError, ValueError):
    """An answer is none of the shapes the vendors use; `position` is where parsing stopped.

    The hook turns it into a `JodoResponseError` quoting the (redacted) body.
    """

    def __init__(self, reason: str, position: int) -> None:
        """Say why parsing stopped and at which character of the body."""
        super().__init__(f"{reason} at character {position}")
        self.reason = reason
        self.position = position


class JodoConnectionError(JodoError):
    """No answer came (bad URL, refused, timeout, TLS, an answer lost, cut or not HTTP).

    `maybe_processed` says whether the request may have reached the platform and been acted on:
    False only when it surely was not (a refused connection, a connect timeout, an error before
    sending), as the transport knows.
    """

    def __init__(self, message: str, *, maybe_processed: bool = True) -> None:
        """Keep whether the platform may have acted on the request (unknown: True)."""
        super().__init__(message)
        self.maybe_processed = maybe_processed


class JodoResponseError(JodoError):
    """The platform answered, but not in a shape we understand.

    That is an HTTP error page, a malformed or truncated body, or an unknown code. The message
    quotes the start of the redacted body.
    """

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        """Keep the HTTP status of the answer, None when it was a success status."""
        super().__init__(message)
        self.http_status = http_status


class JodoCapabilityMissingError(JodoError):
    """The platform lacks an optional capability this call needs (e.g. the job status method).

    See docs/platform-requirements.md. Asking again cannot add it, so
    operators and sensors fail without retrying. `capability` is an
    `enums.Capability` value.
    """

    def __init__(self, message: str, *, capability: str) -> None:
        """Name the missing capability (a `Capability` value)."""
        super().__init__(message)
        self.capability = capability


class JodoSubmissionUnconfirmedError(JodoError):
    """A file job's submission may have created a job, and the platform cannot list jobs to tell.

    Its answer was lost, cut or late, and the platform cannot list a campaign's jobs: the hook
    does not send it again, because a second job would import the file twice. The message names
    the campaign, the file (without credentials) and the time, and where the console shows the
    jobs.
    """


class JodoLeadFileError(JodoError, AirflowFailException, ValueError):
    """A lead file (an operator's `source_path`) cannot be read whole.

    That is bytes that are not UTF-8, a header with an empty or repeated column name, broken
    CSV, a cell over the limit, a line that is not JSON, or no record at all (see `lead_files`).
    Reading the same file again gives the same answer, so the task fails without a retry; like
    any bad input value it is a ValueError too. The message names the file, the line and the
    column, never a cell's value: lead data is personal data.
    """


class JodoAmbiguousJobError(JodoError):
    """A file job's submission whose answer was lost matches more than one new job of its campaign and file.

    Another run submitted the same file with the same parameters meanwhile, and nothing tells
    which job is this one's. The hook neither takes one as its own nor submits again; asking
    again cannot tell either, so operators fail without retrying. `job_ids` are the
    candidates, oldest first; the message gives each one's console page.
    """

    def __init__(self, message: str, *, job_ids: tuple[str, ...]) -> None:
        """Keep the candidate job ids, oldest first."""
        super().__init__(message)
        self.job_ids = job_ids


class JodoApiError(JodoError):
    """The platform answered with a failure code.

    `api` is "jodo" (ImportProcessData family, numeric `code`) or "astercc" (importCJI family,
    two-digit BackMsg `code`, or None when the vendor sent plain text).
    """

    category: CodeCategory = CodeCategory.PLATFORM

    def __init__(self, message: str, *, api: str, code: str | None, vendor_message: str) -> None:
        """Keep which API answered, its code and its own message text."""
        super().__init__(message)
        self.api = api
        self.code = code
        self.vendor_message = vendor_message


class JodoAuthenticationError(JodoApiError):
    """Wrong API key, service key, organisation, user or password; never retried.

    Codes 1107, 1108, 1243; BackMsg 02, 03, 05, 06, 07, 15, 63. The hook's message ends by
    naming the connection and its fields to check (`protocol.codes.CREDENTIAL_FIELDS`).
    """

    category = CodeCategory.AUTHENTICATION


class JodoNotFoundError(JodoApiError):
    """The campaign or import job does not exist (BackMsg 67, 73, 91)."""

    category = CodeCategory.NOT_FOUND


class JodoInvalidRequestError(JodoApiError):
    """The platform rejected the request's content.

    Bad JSON, too many records, bad context, header mismatch, ...
    """

    category = CodeCategory.INVALID_REQUEST


class JodoDuplicateError(JodoApiError):
    """importCJI `source=data` found a duplicate and, by the chosen policies, changed nothing.

    BackMsg 81, 82: the record was skipped, not lost. The answer's parser raises it; the hook's
    `import_cji` reports it as the record's `skipped` outcome instead.
    """

    category = CodeCategory.DUPLICATE


class JodoPlatformError(JodoApiError):
    """A failure on the platform's side (storage error, remote file not fetched, unknown code)."""

    category = CodeCategory.PLATFORM


API_ERROR_BY_CATEGORY: dict[CodeCategory, type[JodoApiError]] = {
    error.category: error
    for error in (
        JodoAuthenticationError,
        JodoNotFoundError,
        JodoInvalidRequestError,
        JodoDuplicateError,
        JodoPlatformError,
    )
}


class JodoObjectStorageError(JodoError):
    """An input or a report on object storage could not be read or written.

    The message names the parameter and the URI (without credentials) and the store's own
    reason: a missing object or bucket, a refused access, an unknown connection. Retryable: an
    export may arrive late, a store may come back.
    """


class JodoColumnMappingError(JodoError, AirflowFailException, ValueError):
    """`column_mapping` names source columns the input does not have: a typo, found before sending.

    Without this check each record would go out without the mapped field, and every one of
    them would be rejected: a run that loads nothing. Not retryable: the input will not change.
    """


class JodoNothingLoadedError(JodoError, AirflowFailException):
    """Fewer input records landed than the operator's `min_loaded` asks for (default: none landed).

    An empty input, or one whose every record was rejected, is not a successful load. Not
    retryable: the same input would be rejected again.
    """


_RAISED_BEFORE_ANY_REQUEST = (
    ConnectionSettingError,
    UnencodableRecordError,
    JodoCapabilityMissingError,
    JodoLeadFileError,
    JodoColumnMappingError,
    JodoObjectStorageError,
)
"""Errors about settings, inputs or what the platform can do, found before anything is sent."""


def may_have_taken_effect(error: BaseException) -> bool:
    """Tell whether a call that raised `error` may have been acted on by the platform.

    The one rule for "may I send it again?": unknown (True) unless the platform said otherwise.
    It did when it answered and refused (a `JodoApiError`: its own code), when it answered 429
    or 503, when the connection was refused before the request left, or when the error comes
    before any request. An answer that was read but cannot be understood (garbled, cut, too
    large, a redirect) may come from a platform that acted, and so may any other exception
    (a bug, a timeout of the task): a caller that must not act twice keeps its mark and stops.

    :param error: what a call to the platform raised.
    """
    if isinstance(error, JodoApiError):
        return False
    if isinstance(error, JodoConnectionError):
        return error.maybe_processed
    if isinstance(error, JodoResponseError):
        return error.http_status not in UNPROCESSED_HTTP_STATUSES
    return not isinstance(error, _RAISED_BEFORE_ANY_REQUEST)
