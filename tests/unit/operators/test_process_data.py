"""The ImportProcessData operator's arguments, checked when the DAG is parsed. Against the
sandbox: tests/integration/operators/test_process_data.py."""

import pytest

from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of records and source_path"),
        ({"records": [], "source_path": "x.csv"}, "exactly one of"),
        ({"records": [], "batch_size": 0}, "batch_size=0"),
        ({"records": [], "on_invalid": "ignore"}, "on_invalid='ignore'"),
        ({"records": [], "media": 99}, "media=99"),
        ({"records": [], "update_key": "email"}, "update_key='email'"),
        ({"records": [], "max_in_flight": 0}, "max_in_flight=0"),
        ({"records": [], "max_in_flight": "2"}, "max_in_flight='2'"),
        ({"records": [], "progress_every_records": 0}, "progress_every_records=0"),
    ],
)
def test_bad_parameters_fail_when_the_dag_is_parsed(kwargs, message):
    arguments = {"media": 12, "update_key": "mobilenumber", **kwargs}
    with pytest.raises(ValueError, match=message):
        JodoImportProcessDataOperator(task_id="push", **arguments)
