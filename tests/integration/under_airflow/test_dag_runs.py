"""The operator and the sensor under Airflow itself (`dag.test()`), for what a reduced task
context cannot show: a real retry, the sensor's reschedule mode, and a failing job's message."""

import json
import threading
from datetime import timedelta

import pendulum
import pytest

from airflow_provider_jodo.assets import jodo_campaign_asset
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor
from jodo_sandbox import JodoSandbox
from tests.support.airflow_runs import asset_events, run_dag, xcom_values
from tests.support.airflow_versions import needs_task_state_store
from tests.support.file_servers import http_file_server
from tests.support.sandbox_fixtures import POLL_SECONDS

CAMPAIGN = 1
CSV = "name,phone1\nAna,5511900000001\nBia,5511900000002\n"


@pytest.fixture
def platform(airflow_db, monkeypatch, sandbox_profile):
    """A sandbox behind `jodo_default`, as the DAGs below expect, of each profile."""
    with JodoSandbox(job_poll_interval=POLL_SECONDS, profile=sandbox_profile) as sandbox:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", json.dumps(sandbox.connection_dict()))
        yield sandbox


def new_dag(dag_id):
    from airflow.sdk import DAG

    return DAG(dag_id=dag_id, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))


def job_ids(sandbox):
    """Every import job the sandbox holds (ids are consecutive from 1)."""
    found = []
    while True:
        try:
            found.append(sandbox.store.import_job(len(found) + 1)["jobid"])
        except KeyError:
            return found


@needs_task_state_store
@pytest.mark.parametrize("deferrable", [False, True], ids=["worker-wait", "deferred-wait"])
def test_a_retry_after_a_timed_out_wait_reuses_the_running_job(platform, tmp_path, deferrable):
    (tmp_path / "leads.csv").write_text(CSV)
    file_fetched = threading.Event()  # the job stays running until the first try has given up
    with http_file_server(tmp_path, gate=file_fetched) as files:
        with new_dag(f"retry_reuse_{'deferred' if deferrable else 'worker'}") as dag:
            JodoImportCJIFileOperator(
                task_id="import",
                campaign_id=CAMPAIGN,
                source="http",
                file_url=f"{files}/leads.csv",
                delrow=1,
                phone_field="phone1",
                poll_interval=POLL_SECONDS,
                timeout=0.5,
                deferrable=deferrable,
                retries=1,
                retry_delay=timedelta(0),  # dag.test() waits out the delay
                on_retry_callback=lambda context: file_fetched.set(),
            )
        run = run_dag(dag)
    assert run.state == "success"
    assert run.get_task_instance("import").try_number == 2
    [job_id] = job_ids(platform)  # the second try waited for the first try's job
    assert xcom_values(run, "return_value")["import"]["job_id"] == job_id
    assert sorted(c["phone1"] for c in platform.store.campaign_customers(CAMPAIGN)) == [
        "5511900000001",
        "5511900000002",
    ]


def test_the_sensor_in_reschedule_mode_waits_for_a_running_job(platform, tmp_path, monkeypatch):
    (tmp_path / "leads.csv").write_text(CSV)
    # The job stays running (its file held back) until the sensor has poked once, however fast
    # or busy the machine: no fixed wait.
    gate = threading.Event()
    poke = JodoImportJobSensor.poke

    def poke_then_let_the_job_finish(self, context):
        done = poke(self, context)
        gate.set()
        return done

    monkeypatch.setattr(JodoImportJobSensor, "poke", poke_then_let_the_job_finish)
    with http_file_server(tmp_path, gate=gate) as files:
        with new_dag("sensor_reschedule") as dag:
            submit = JodoImportCJIFileOperator(
                task_id="submit",
                campaign_id=CAMPAIGN,
                source="http",
                file_url=f"{files}/leads.csv",
                delrow=1,
                wait_for_completion=False,
            )
            wait = JodoImportJobSensor(
                task_id="wait",
                job_id="{{ ti.xcom_pull(task_ids='submit', key='job_id') }}",
                mode="reschedule",
                poke_interval=1,
                timeout=60,
            )
            submit >> wait
        run = run_dag(dag)
    assert run.state == "success"
    job = xcom_values(run, "return_value")["wait"]
    assert (job["state"], job["inserted"]) == ("succeeded", 2)
    assert reschedules(run.get_task_instance("wait")) >= 1  # it gave its slot back while waiting


def reschedules(task_instance):
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        query = select(func.count()).where(TaskReschedule.ti_id == task_instance.id)
        return session.scalar(query)


def test_a_failing_job_fails_the_nightly_example_naming_the_job_and_its_errors(platform, tmp_path, capfd):
    """The nightly example with a file whose header does not match the campaign's form."""
    from tests.integration.under_airflow.test_example_dags import EXAMPLE_DAGS
    from tests.support.airflow_versions import DagBag

    (tmp_path / "broken.csv").write_text("shoe_size,phone1\n42,5511900000003\n")
    with http_file_server(tmp_path) as files:
        dag = DagBag(dag_folder=str(EXAMPLE_DAGS)).get_dag("jodo_nightly_campaign_file")
        run = dag.test(run_conf={"file_url": f"{files}/broken.csv"})
    assert run.state == "failed"
    assert run.get_task_instance("import_campaign_file").state == "success"
    assert run.get_task_instance("wait_for_import").state == "failed"
    [job_id] = job_ids(platform)
    output = capfd.readouterr().out
    assert f"import job {job_id} failed" in output and "BackMsg_74" in output
    assert platform.store.campaign_customers(CAMPAIGN) == []
    assert asset_events(run, jodo_campaign_asset("jodo_default", CAMPAIGN).uri) == []  # triggers nothing


def test_a_deferrable_import_scheduled_ahead_waits_in_the_trigger_until_the_job_ran(platform, tmp_path):
    (tmp_path / "leads.csv").write_text(CSV)
    with http_file_server(tmp_path) as files:
        with new_dag("deferred_scheduled_import") as dag:
            JodoImportCJIFileOperator(
                task_id="import",
                campaign_id=CAMPAIGN,
                source="http",
                file_url=f"{files}/leads.csv",
                delrow=1,
                phone_field="phone1",
                exetime=pendulum.duration(seconds=2),
                poll_interval=POLL_SECONDS,
                timeout=30,
                deferrable=True,
            )
        run = run_dag(dag)
    assert run.state == "success"
    job = xcom_values(run, "return_value")["import"]
    assert (job["state"], job["inserted"]) == ("succeeded", 2)
    assert pendulum.parse(job["started"]) >= pendulum.parse(job["exetime"])
    assert len(platform.store.dial_list(CAMPAIGN)) == 2


def test_the_importcji_operators_map_over_files_and_records_with_partial_and_expand(platform, tmp_path):
    (tmp_path / "north.csv").write_text("name,phone1\nAna,5511900000001\n")
    (tmp_path / "south.csv").write_text("name,phone1\nBia,5511900000002\n")
    with http_file_server(tmp_path) as files:
        with new_dag("mapped_imports") as dag:
            JodoImportCJIFileOperator.partial(
                task_id="import",
                campaign_id=CAMPAIGN,
                source="http",
                policies=CJIPolicies(delrow=1),  # partial() checks names: the policies go whole
                poll_interval=POLL_SECONDS,
            ).expand(file_url=[f"{files}/north.csv", f"{files}/south.csv"])
            JodoImportCJIRecordsOperator.partial(task_id="records", campaign_id=CAMPAIGN).expand(
                records=[[{"name": "Cy", "phone1": "5511900000003"}]]
            )
        run = run_dag(dag)
    assert run.state == "success"
    assert sorted(ti.map_index for ti in run.get_task_instances() if ti.task_id == "import") == [0, 1]
    assert sorted(job_ids(platform)) == ["1", "2"]
    assert sorted(c["phone1"] for c in platform.store.campaign_customers(CAMPAIGN)) == [
        "5511900000001",
        "5511900000002",
        "5511900000003",
    ]
