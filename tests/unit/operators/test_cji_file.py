"""The importCJI operators' arguments, checked when the DAG is parsed (the file operator's and,
where a check is shared, the records operator's), and the file job's default of when a job
counts as stuck. Against the sandbox: tests/integration/operators/test_cji_file.py."""

import warnings

import pytest

from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor

CAMPAIGN = 1
FILE_JOB = {"source": "http", "file_url": "http://h/a.csv"}


@pytest.mark.parametrize(
    ("operator_class", "kwargs", "message"),
    [
        (JodoImportCJIFileOperator, {**FILE_JOB, "source": "s3"}, "source='s3'"),
        (JodoImportCJIFileOperator, {**FILE_JOB, "source": "data"}, "use JodoImportCJIRecordsOperator"),
        (JodoImportCJIRecordsOperator, {"records": [], "duplicate_way": "merge"}, "duplicate_way='merge'"),
        (JodoImportCJIFileOperator, {**FILE_JOB, "poll_interval": 0}, "poll_interval=0"),
        (JodoImportCJIRecordsOperator, {"records": [], "max_in_flight": 0}, "max_in_flight=0"),
        (
            JodoImportCJIRecordsOperator,
            {"records": [], "progress_every_seconds": -1},
            "progress_every_seconds=-1",
        ),
        (
            JodoImportCJIFileOperator,
            {**FILE_JOB, "file_url": "http://user:pw@h/a.csv"},
            "'http://h/a.csv' carries a login",
        ),
    ],
)
def test_bad_parameters_fail_when_the_dag_is_parsed(operator_class, kwargs, message):
    with pytest.raises(ValueError, match=message):
        operator_class(task_id="import", campaign_id=CAMPAIGN, **kwargs)


def test_stuck_after_defaults_to_twice_the_timeout():
    file_job = {"task_id": "i", "campaign_id": 1, **FILE_JOB}
    assert JodoImportCJIFileOperator(**file_job, timeout=300).stuck_after == 600
    assert JodoImportCJIFileOperator(**file_job).stuck_after == 24 * 3600
    with pytest.raises(ValueError, match="stuck_after=0"):
        JodoImportCJIFileOperator(**file_job, stuck_after=0)


def test_static_arguments_that_cannot_work_fail_when_the_dag_is_parsed():
    from datetime import datetime

    with pytest.raises(ValueError, match=r"exetime=2026-11-24T02:30:00 has no time zone"):
        JodoImportCJIFileOperator(
            task_id="t",
            campaign_id=1,
            source="http",
            file_url="https://x/a.csv",
            exetime=datetime(2026, 11, 24, 2, 30),
        )
    with pytest.raises(ValueError, match="file_url=None: give the URL of the CSV to import"):
        JodoImportCJIFileOperator(task_id="t", campaign_id=1, source="http", file_url=None)
    with pytest.raises(ValueError, match=r"job_id=None names no import job: pull the id"):
        JodoImportJobSensor(task_id="wait", job_id=None)
    with pytest.warns(UserWarning, match="deferrable=True does nothing with wait_for_completion=False"):
        JodoImportCJIFileOperator(
            task_id="t",
            campaign_id=1,
            source="http",
            file_url="https://x/a.csv",
            deferrable=True,
            wait_for_completion=False,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a templated exetime is checked when it renders, not here
        JodoImportCJIFileOperator(
            task_id="t", campaign_id=1, source="http", file_url="https://x/a.csv", exetime="{{ ts }}"
        )
