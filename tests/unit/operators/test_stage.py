"""The stage-and-import operator's arguments, checked when the DAG is parsed. Against the sandbox
and an FTP server: tests/integration/operators/test_stage.py."""

import pytest

from airflow_provider_jodo.operators.stage import JodoStageAndImportOperator

CAMPAIGN = 1
COLUMNS = ["name", "phone1", "email", "priority", "dialtime"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of records, source_path and sql"),
        ({"records": [], "sql": "SELECT 1", "sql_conn_id": "db"}, "exactly one of"),
        ({"sql": "SELECT 1"}, "sql and sql_conn_id go together"),
        ({"records": [], "columns": []}, "columns=.* must be a non-empty list"),
        ({"records": [], "columns": ["name", "name"]}, "names a field twice"),
        ({"records": [], "fetch_size": 0}, "fetch_size=0"),
        ({"records": [], "on_invalid": "ignore"}, "on_invalid='ignore'"),
        ({"records": [], "duplicate_way": "merge"}, "duplicate_way"),
    ],
)
def test_bad_parameters_fail_when_the_dag_is_parsed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        JodoStageAndImportOperator(task_id="stage", campaign_id=CAMPAIGN, **{"columns": COLUMNS, **kwargs})


def test_the_stage_operator_takes_no_parameter_of_inline_records():
    for name, value in (("max_in_flight", 4), ("progress_every_records", 10), ("source", "http")):
        with pytest.raises(TypeError, match=name):
            JodoStageAndImportOperator(
                task_id="stage", campaign_id=CAMPAIGN, columns=COLUMNS, records=[], **{name: value}
            )
    with pytest.raises(ValueError, match="delrow=0"):
        JodoStageAndImportOperator(
            task_id="stage", campaign_id=CAMPAIGN, columns=COLUMNS, records=[], delrow=0
        )
    staged = JodoStageAndImportOperator(task_id="stage", campaign_id=CAMPAIGN, columns=COLUMNS, records=[])
    assert staged.policies.delrow == 1 and not hasattr(staged, "max_in_flight")
