"""The one rule for "may a call have taken effect?" (`exceptions.may_have_taken_effect`), over
every error class the provider raises and the other exceptions a call can end with.

Unknown (True) unless the platform said otherwise: an answer read and refused (its own code),
429 or 503, a connection refused before sending, or an error found before any request."""

from __future__ import annotations

import inspect

import pytest
import requests

from airflow_provider_jodo import exceptions
from airflow_provider_jodo.compat.airflow import AirflowException
from airflow_provider_jodo.exceptions import (
    ConnectionSettingError,
    JodoAmbiguousJobError,
    JodoApiError,
    JodoAuthenticationError,
    JodoCapabilityMissingError,
    JodoColumnMappingError,
    JodoConnectionError,
    JodoDuplicateError,
    JodoError,
    JodoInvalidRequestError,
    JodoLeadFileError,
    JodoNotFoundError,
    JodoNothingLoadedError,
    JodoObjectStorageError,
    JodoPlatformError,
    JodoResponseError,
    JodoSubmissionUnconfirmedError,
    MalformedBodyError,
    UnencodableRecordError,
    may_have_taken_effect,
)


def refused(error_type: type[JodoApiError]) -> JodoApiError:
    return error_type("importCJI failed: BackMsg_87", api="astercc", code="87", vendor_message="BackMsg_87")


ERRORS = {
    # what the platform said, read and understood: it did not act (or said how it did)
    "refused by its code": (refused(JodoApiError), False),
    "credentials refused": (refused(JodoAuthenticationError), False),
    "not found": (refused(JodoNotFoundError), False),
    "invalid request": (refused(JodoInvalidRequestError), False),
    "duplicate": (refused(JodoDuplicateError), False),
    "platform failure code": (refused(JodoPlatformError), False),
    "HTTP 429": (JodoResponseError("HTTP 429", http_status=429), False),
    "HTTP 503": (JodoResponseError("HTTP 503", http_status=503), False),
    # no answer: as the transport knew it
    "connection refused": (JodoConnectionError("refused", maybe_processed=False), False),
    "answer lost": (JodoConnectionError("lost", maybe_processed=True), True),
    "no answer, unclassified": (JodoConnectionError("no answer"), True),
    # an answer that cannot be read: whatever the platform did, it may have acted
    "garbled 200 answer": (JodoResponseError("not JSON or JSONP", http_status=200), True),
    "shape wrong": (JodoResponseError("expected a job id"), True),
    "too large": (JodoResponseError("too large"), True),
    "HTTP 500": (JodoResponseError("HTTP 500", http_status=500), True),
    "HTTP 404": (JodoResponseError("HTTP 404", http_status=404), True),
    "redirect": (JodoResponseError("HTTP 307, a redirect", http_status=307), True),
    "unparsed body": (MalformedBodyError("no closing brace", 12), True),
    # what the submission's own check concluded: a job may exist
    "unconfirmed submission": (JodoSubmissionUnconfirmedError("a job may have been created"), True),
    "ambiguous job": (JodoAmbiguousJobError("2 new jobs", job_ids=("1", "2")), True),
    "records partly landed": (JodoNothingLoadedError("fewer than min_loaded landed"), True),
    "a bare JodoError": (JodoError("?"), True),
    # found before any request
    "connection setting": (ConnectionSettingError("timeout must be positive"), False),
    "unencodable record": (UnencodableRecordError("a value holds ||"), False),
    "capability missing": (JodoCapabilityMissingError("no listing", capability="job listing"), False),
    "lead file": (JodoLeadFileError("not UTF-8"), False),
    "column mapping": (JodoColumnMappingError("no column 'fone'"), False),
    "object storage": (JodoObjectStorageError("no such key"), False),
    # anything else raised during a call: unknown
    "ValueError from a parser": (ValueError("Exceeds the limit (4300 digits)"), True),
    "requests' own error": (requests.ConnectionError("reset"), True),
    "Airflow's task timeout": (AirflowException("Timeout"), True),
    "KeyboardInterrupt": (KeyboardInterrupt(), True),
}


@pytest.mark.parametrize(("error", "taken"), ERRORS.values(), ids=ERRORS.keys())
def test_the_rule_answers_unknown_unless_the_platform_said_otherwise(error, taken):
    assert may_have_taken_effect(error) is taken


def test_the_table_covers_every_error_class_of_the_provider():
    classes = {
        value
        for value in vars(exceptions).values()
        if inspect.isclass(value) and issubclass(value, JodoError) and value.__module__ == exceptions.__name__
    }
    assert classes == {type(error) for error, _ in ERRORS.values() if isinstance(error, JodoError)}
