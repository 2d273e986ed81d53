"""The exactly-once submission of a file job (`hooks.file_job_submission`), with no sockets.

A scripted transport, in the place of a hook's own, plays the retry loop's side of the
protocol: it sends the submission once per scripted attempt and, after a failure that may have
reached the platform, asks the submission's check before sending again; a `TookEffect` from the
check ends the call. A scripted listing stands for the campaign's jobs for the file, as the
status method lists them. The real submission, the hook's answer parsing and job matching run
on top.
"""

from __future__ import annotations

import json
import logging

import pytest
from airflow.sdk import Connection

from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.exceptions import (
    JodoAmbiguousJobError,
    JodoApiError,
    JodoConnectionError,
    JodoResponseError,
    JodoSubmissionUnconfirmedError,
)
from airflow_provider_jodo.hooks.file_job_submission import FileJobSubmitter
from airflow_provider_jodo.hooks.jodo import JSONP_CALLBACK, JodoHook
from airflow_provider_jodo.hooks.transport import TransientFailure, failure_of_status
from airflow_provider_jodo.protocol.models import ImportJob
from airflow_provider_jodo.protocol.wire.cji_parameters import CJI_PARAMETERS

FILE_URL = "https://files.example.com/leads.csv"
CAMPAIGN = "7"
WHAT = f"importCJI source=http into campaign {CAMPAIGN}"
OPTIONS = {"source": "http", "exetime": "", "dupway": "update"}
"""What this submission sends besides the login, the campaign and the file."""
LOST = TransientFailure("connection lost", maybe_processed=True)
REFUSED = TransientFailure("connection refused", maybe_processed=False)
UNAVAILABLE = failure_of_status(503, {})


class Body(str):
    """An answer's whole body, sent as it is (a garbled one, say)."""


CUT_SHORT = Body(f'{JSONP_CALLBACK}({{"code": 1, "mess')
"""A 200 answer cut short with no Content-Length: read whole, but not JSONP."""
REFUSED_BY_CODE = Body(f'{JSONP_CALLBACK}({{"code": 2, "message": "BackMsg_87"}})')


class ScriptedTransport:
    """A transport whose attempts end as scripted: a job id answered, a body, or a transient failure."""

    def __init__(self, *attempts: str | TransientFailure) -> None:
        self.attempts = list(attempts)
        self.sends = 0

    def send(self, method, url, what, *, before_resend=None, **options):
        for outcome in self.attempts:
            self.sends += 1
            if isinstance(outcome, Body):
                return str(outcome), 200
            if not isinstance(outcome, TransientFailure):
                answer = json.dumps({"code": 1, "message": outcome})
                return f"{JSONP_CALLBACK}({answer})", 200
            if outcome.maybe_processed and before_resend is not None:
                took_effect = before_resend(outcome)
                if took_effect is not None:
                    return took_effect
        raise JodoConnectionError(f"{what}: no answer after {self.sends} attempts")


class ScriptedListing:
    """The campaign's jobs for the file at each look, newest first; None: no listing at all."""

    def __init__(self, *looks: list[ImportJob] | None) -> None:
        self.looks = list(looks)
        self.looked = 0

    def for_file(self, campaign_id: str, file_url: str) -> list[ImportJob] | None:
        assert (campaign_id, file_url) == (CAMPAIGN, FILE_URL)
        self.looked += 1
        return self.looks.pop(0) if len(self.looks) > 1 else self.looks[0]


def job(job_id: str, **reported: str) -> ImportJob:
    """A scheduled job of the campaign for the file, reporting `OPTIONS` unless told otherwise."""
    submitted_with = {**OPTIONS, "model_id": CAMPAIGN, "context": FILE_URL, **reported}
    return ImportJob(
        job_id=job_id,
        state=JobState.SCHEDULED,
        total=0,
        inserted=0,
        updated=0,
        skipped=0,
        failed=0,
        errors=(),
        exetime="",
        started="",
        finished="",
        submitted_with=submitted_with,
    )


OLDER = job("50")


CONNECTION = Connection(
    conn_id="jodo_unit",
    conn_type="jodo",
    host="https://jodo.example.com",
    login="admin",
    password="pass-word-1",
    schema="myteam",
)


def submit(transport: ScriptedTransport, listing: ScriptedListing, known_job_ids=None) -> str:
    hook = JodoHook(jodo_conn_id=CONNECTION.conn_id)
    hook.get_connection = lambda conn_id: CONNECTION  # no metadata database
    settings = hook.get_conn_settings()
    hook._transport = transport  # the script plays the transport's retry loop
    submitter = FileJobSubmitter(
        settings, hook._astercc, listing.for_file, hook._redactor, logging.getLogger(__name__)
    )
    parameters = {
        **{name: "" for name in CJI_PARAMETERS},
        **settings.astercc_credentials(),
        "model_id": CAMPAIGN,
        "context": FILE_URL,
        **OPTIONS,
    }
    return submitter.submit(parameters, OPTIONS, WHAT, known_job_ids)


def test_an_answered_submission_takes_the_job_id_of_its_answer():
    transport, listing = ScriptedTransport("57"), ScriptedListing([OLDER])
    assert submit(transport, listing) == "57"
    assert transport.sends == 1
    assert listing.looked == 1  # the jobs noted before submitting, nothing after


def test_known_job_ids_spare_the_look_before_submitting():
    transport, listing = ScriptedTransport("57"), ScriptedListing([OLDER])
    assert submit(transport, listing, known_job_ids=["50"]) == "57"
    assert (transport.sends, listing.looked) == (1, 0)


def test_after_a_lost_answer_the_one_new_matching_job_is_taken_and_nothing_is_resent():
    transport = ScriptedTransport(LOST, "never sent")
    listing = ScriptedListing([OLDER], [job("58"), OLDER])
    assert submit(transport, listing) == "58"
    assert transport.sends == 1
    assert listing.looked == 2


def test_after_a_lost_answer_with_no_new_job_of_its_own_the_submission_is_resent_once():
    another_runs = job("58", dupway="skip")  # new, but submitted with other parameters
    transport = ScriptedTransport(LOST, "59")
    listing = ScriptedListing([OLDER], [another_runs, OLDER])
    assert submit(transport, listing) == "59"
    assert transport.sends == 2
    assert listing.looked == 2


def test_two_new_jobs_that_match_fail_as_ambiguous_without_a_resend():
    transport = ScriptedTransport(LOST, "never sent")
    listing = ScriptedListing([OLDER], [job("59"), job("58"), OLDER])
    with pytest.raises(JodoAmbiguousJobError) as raised:
        submit(transport, listing)
    assert raised.value.job_ids == ("58", "59")  # oldest first
    assert "https://jodo.example.com/shelljobs/58" in str(raised.value)
    assert transport.sends == 1


def test_without_a_listing_a_lost_answer_is_unconfirmed_and_never_resent():
    transport = ScriptedTransport(LOST, "never sent")
    listing = ScriptedListing(None)
    with pytest.raises(JodoSubmissionUnconfirmedError) as raised:
        submit(transport, listing)
    message = str(raised.value)
    assert f"a job may have been created for {FILE_URL}" in message
    assert "(connection lost)" in message
    assert "in the console of the platform at https://jodo.example.com before importing again" in message
    assert transport.sends == 1


@pytest.mark.parametrize("refusal", [REFUSED, UNAVAILABLE], ids=["connection refused", "HTTP 503"])
@pytest.mark.parametrize("jobs", [None, [OLDER]], ids=["no listing", "listing"])
def test_a_refusal_before_the_platform_acted_is_resent_without_looking(refusal, jobs):
    transport, listing = ScriptedTransport(refusal, "59"), ScriptedListing(jobs)
    assert submit(transport, listing) == "59"
    assert transport.sends == 2
    assert listing.looked == 1  # only the note before submitting


def test_without_a_listing_a_garbled_answer_is_unconfirmed_and_never_resent():
    transport, listing = ScriptedTransport(CUT_SHORT, "never sent"), ScriptedListing(None)
    with pytest.raises(JodoSubmissionUnconfirmedError) as raised:
        submit(transport, listing)
    message = str(raised.value)
    assert f"a job may have been created for {FILE_URL}" in message
    assert "but its answer could not be read (" in message and "cannot list a campaign's jobs" in message
    assert isinstance(raised.value.__context__, JodoResponseError)  # what was wrong with the answer
    assert transport.sends == 1


def test_after_a_garbled_answer_the_one_new_matching_job_is_taken(caplog):
    transport = ScriptedTransport(CUT_SHORT, "never sent")
    listing = ScriptedListing([OLDER], [job("58"), OLDER])
    assert submit(transport, listing) == "58"
    assert (transport.sends, listing.looked) == (1, 2)
    assert "its answer could not be read" in caplog.text and "the platform has job 58 for it" in caplog.text


def test_after_a_garbled_answer_with_no_new_job_the_error_stands_and_nothing_is_resent():
    transport, listing = ScriptedTransport(CUT_SHORT, "never sent"), ScriptedListing([OLDER])
    with pytest.raises(JodoResponseError):
        submit(transport, listing)
    assert (transport.sends, listing.looked) == (1, 2)


@pytest.mark.parametrize("jobs", [None, [OLDER]], ids=["no listing", "listing"])
def test_a_refusal_by_its_code_is_raised_as_it_is_without_looking(jobs):
    transport, listing = ScriptedTransport(REFUSED_BY_CODE), ScriptedListing(jobs)
    with pytest.raises(JodoApiError, match="BackMsg_87"):
        submit(transport, listing)
    assert listing.looked == 1  # only the note before submitting
