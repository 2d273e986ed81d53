"""Telling a submission's own job from another run's: every parameter the job's status
reports is compared with what the submission sent, and nothing the status leaves out."""

import pendulum
import pytest

from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.protocol.job_matching import (
    NOW_TOLERANCE,
    FileJobSubmission,
    submission_mismatches,
)
from airflow_provider_jodo.protocol.models import ImportJob
from airflow_provider_jodo.protocol.wire.cji_parameters import REPORTED_JOB_PARAMETERS

SUBMITTED_AT = pendulum.datetime(2026, 11, 23, 6, 0, 0, tz="UTC")
LOOKED_AT = SUBMITTED_AT.add(seconds=30)
SENT = {
    "model_id": "1",
    "source": "http",
    "context": "http://files.example.com/Leads.csv",
    "exetime": "2026-11-23 07:00:00",
    "delrow": "1",
    "phone_field": "phone1",
    "priority_field": "priority",
    "dialtime_field": "dialtime",
    "emptyagent": "yes",
    "resetstatus": "no",
    "dupway": "update",
    "dupdiallist": "all",
    "changepackage": "reassignToCurrent",
}
OTHER_VALUE = {
    "model_id": "2",
    "source": "ftp",
    "context": "http://files.example.com/leads.csv",  # a path differs in case: another file
    "delrow": "0",
    "phone_field": "phone2",
    "priority_field": "",
    "dialtime_field": "",
    "emptyagent": "no",
    "resetstatus": "yes",
    "dupway": "skip",
    "dupdiallist": "ignoreSuccess",
    "changepackage": "skip",
}


def job(exetime="", **reported):
    return ImportJob("7", JobState.SCHEDULED, 0, 0, 0, 0, 0, (), exetime, "", "", reported)


def submission(timezone="UTC", submitted_at=SUBMITTED_AT, **sent):
    return FileJobSubmission({**SENT, **sent}, timezone, submitted_at)


def reported_as_sent(**changes):
    return job(SENT["exetime"], **{**{name: SENT[name] for name in REPORTED_JOB_PARAMETERS}, **changes})


def test_a_job_that_reports_what_was_sent_matches():
    assert submission_mismatches(reported_as_sent(), submission(), LOOKED_AT) == []


@pytest.mark.parametrize("name", REPORTED_JOB_PARAMETERS)
def test_each_reported_parameter_that_differs_is_named(name):
    assert submission_mismatches(reported_as_sent(**{name: OTHER_VALUE[name]}), submission(), LOOKED_AT) == [
        name
    ]


def test_what_the_status_does_not_report_is_not_compared():
    assert submission_mismatches(job(), submission(), LOOKED_AT) == []
    assert submission_mismatches(job(dupway="update"), submission(), LOOKED_AT) == []
    assert submission_mismatches(job(dupway="skip", delrow="0"), submission(), LOOKED_AT) == [
        "delrow",
        "dupway",
    ]


def test_what_the_submission_does_not_say_is_not_compared():
    only_the_file = FileJobSubmission({"model_id": "1", "context": SENT["context"]}, "UTC")
    assert submission_mismatches(reported_as_sent(dupway="skip", delrow="5"), only_the_file, LOOKED_AT) == []
    assert submission_mismatches(reported_as_sent(model_id="4"), only_the_file, LOOKED_AT) == ["model_id"]


@pytest.mark.parametrize(
    ("name", "sent", "reported", "agrees"),
    [
        ("delrow", "", "0", True),
        ("emptyagent", "", "no", True),
        ("resetstatus", "", "no", True),
        ("dupway", "", "skip", True),
        ("dupdiallist", "", "ignoreDuplicate", True),
        ("changepackage", "", "skip", True),
        ("dupway", "skip", "", True),
        ("dupway", "", "update", False),  # not the default
        ("delrow", "", "1", False),
        ("model_id", "01", "1", True),
        ("delrow", "1", " 1 ", True),
        ("phone_field", "Phone1", "phone1", True),
        ("dupdiallist", "ignoreDuplicate", "ignoreduplicate", True),
    ],
)
def test_an_empty_value_means_the_platforms_default_and_names_ignore_case(name, sent, reported, agrees):
    mismatches = submission_mismatches(
        reported_as_sent(**{name: reported}), submission(**{name: sent}), LOOKED_AT
    )
    assert mismatches == ([] if agrees else [name])


@pytest.mark.parametrize(
    ("reported", "matches"),
    [
        ("2026-11-23 07:00:00", True),
        ("2026-11-23 07:00:01", False),
        ("0000-00-00 00:00:00", False),  # reported for now: not the time that was given
        ("", True),  # not reported
        ("2026-11-23T07:00:00", True),  # not in the wire format: not compared
    ],
)
def test_a_given_exetime_must_be_reported_as_sent(reported, matches):
    assert (submission_mismatches(job(reported), submission(), LOOKED_AT) == []) is matches


@pytest.mark.parametrize(
    ("reported", "matches"),
    [
        ("", True),
        ("0000-00-00 00:00:00", True),
        ("2026-11-23 06:00:10", True),  # made between the submission and the look
        ((SUBMITTED_AT - NOW_TOLERANCE).format("YYYY-MM-DD HH:mm:ss"), True),  # clocks differ
        ((LOOKED_AT + NOW_TOLERANCE).format("YYYY-MM-DD HH:mm:ss"), True),
        ((SUBMITTED_AT - NOW_TOLERANCE).subtract(seconds=1).format("YYYY-MM-DD HH:mm:ss"), False),
        ((LOOKED_AT + NOW_TOLERANCE).add(seconds=1).format("YYYY-MM-DD HH:mm:ss"), False),
        ("2026-11-23 07:00:00", False),  # scheduled for later by someone else
    ],
)
def test_a_now_submission_matches_a_job_made_between_the_submission_and_the_look(reported, matches):
    for now in ("", "0000-00-00 00:00:00"):
        assert (submission_mismatches(job(reported), submission(exetime=now), LOOKED_AT) == []) is matches


def test_the_now_window_is_on_the_platforms_wall_clock():
    in_kolkata = "2026-11-23 11:30:10"  # 06:00:10 UTC
    kolkata = submission(timezone="Asia/Kolkata", exetime="")
    assert submission_mismatches(job(in_kolkata), kolkata, LOOKED_AT) == []
    assert submission_mismatches(job("2026-11-23 06:00:10"), kolkata, LOOKED_AT) == ["exetime"]


def test_without_the_submissions_start_only_a_job_made_after_the_look_is_ruled_out():
    unknown_start = submission(submitted_at=None, exetime="")
    assert submission_mismatches(job("2020-01-01 00:00:00"), unknown_start, LOOKED_AT) == []
    assert submission_mismatches(job("2026-11-23 07:00:00"), unknown_start, LOOKED_AT) == ["exetime"]
