"""The trigger's serialised form: everything the triggerer needs to rebuild it, as plain JSON
values. Its runs against sandbox jobs: tests/integration/triggers/test_jodo.py."""

import json

from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger

CLASSPATH = "airflow_provider_jodo.triggers.jodo.JodoImportJobTrigger"


def test_serialize_round_trip():
    trigger = JodoImportJobTrigger("7", "jodo_crm", poll_interval=5, deadline=1_900_000_000.5)
    classpath, kwargs = trigger.serialize()
    assert classpath == CLASSPATH
    assert kwargs == {
        "job_id": "7",
        "jodo_conn_id": "jodo_crm",
        "poll_interval": 5.0,
        "deadline": 1_900_000_000.5,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs  # plain values: the triggerer stores them as JSON
    assert JodoImportJobTrigger(**kwargs).serialize() == (classpath, kwargs)


def test_serialize_round_trip_of_the_defaults():
    _, kwargs = JodoImportJobTrigger(7).serialize()  # a job id the DAG gave as a number
    assert kwargs == {"job_id": "7", "jodo_conn_id": "jodo_default", "poll_interval": 30.0, "deadline": None}
    assert JodoImportJobTrigger(**kwargs).serialize()[1] == kwargs
