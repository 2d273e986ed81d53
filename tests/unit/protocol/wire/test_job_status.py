"""Reading the status method's answer: a job id is one to twenty ASCII digits, a job status is
about the job asked about and of the documented shape, or a response error quoted short."""

import pytest

from airflow_provider_jodo.exceptions import (
    JodoResponseError,
)
from airflow_provider_jodo.protocol.wire.answers import (
    BODY_QUOTE_LIMIT,
)
from airflow_provider_jodo.protocol.wire.job_status import parse_import_job, parse_job_id


def no_redaction(text):
    return text


@pytest.mark.parametrize("job_id", ["1", "4711", "0" * 20, 4711])
def test_a_job_id_is_one_to_twenty_ascii_digits(job_id):
    assert parse_job_id(job_id, "x", no_redaction) == str(job_id)


@pytest.mark.parametrize(
    "job_id",
    [
        None,
        True,
        -1,
        2.5,
        "",
        "../x",
        "BackMsg_83",
        "1" * 21,
        "9" * 100_000,
        "47\r\n11",
        "4711\r\n",
        " 47",
        "\u00b2",
    ],
)
def test_anything_else_is_no_job_id(job_id):
    with pytest.raises(JodoResponseError, match="expected a job id") as raised:
        parse_job_id(job_id, "importCJI", no_redaction)
    assert len(str(raised.value)) < BODY_QUOTE_LIMIT + 100


JOB = {
    "jobid": "7",
    "state": "running",
    "total": 3,
    "inserted": "1",
    "errors": [{"row": 2, "code": "BackMsg_75"}],
}


def test_a_job_status_about_the_job_asked_about_is_read():
    job = parse_import_job(JOB, "x", no_redaction, asked_job_id="7")
    assert (job.job_id, job.total, job.inserted, job.errors[0].row) == ("7", 3, 1, 2)
    assert parse_import_job({"state": "running"}, "x", no_redaction, asked_job_id="7").job_id == "7"


def test_a_job_status_about_another_job_is_a_response_error():
    with pytest.raises(JodoResponseError, match="about job 8, not the one asked about"):
        parse_import_job({**JOB, "jobid": 8}, "x", no_redaction, asked_job_id="7")


@pytest.mark.parametrize(
    "change",
    [
        {"total": -1},
        {"total": True},
        {"inserted": 2.5},
        {"failed": "\u00b2"},
        {"skipped": "9" * 5000},
        {"updated": float("inf")},
        {"errors": [{"row": -3}]},
        {"errors": [{"row": False}]},
        {"jobid": "../x"},
        {"jobid": True},
    ],
)
def test_a_job_status_of_the_wrong_shape_is_a_response_error(change):
    with pytest.raises(JodoResponseError):
        parse_import_job({**JOB, **change}, "x", no_redaction, asked_job_id="7")


def test_a_listed_job_must_name_its_id():
    with pytest.raises(JodoResponseError, match="without its jobid"):
        parse_import_job({"state": "running"}, "x", no_redaction)


def test_a_row_error_message_is_quoted_300_characters():
    job = parse_import_job(
        {**JOB, "errors": [{"row": 2, "message": "bad " * 1_000_000}]}, "x", no_redaction, "7"
    )
    assert len(job.errors[0].message) <= BODY_QUOTE_LIMIT + 3
