"""The example DAGs import cleanly and run end to end with `dag.test()` against the sandbox."""

import json
import socket
import threading
from pathlib import Path

import pytest
import requests

from airflow_provider_jodo.assets import jodo_campaign_asset
from jodo_sandbox import JodoSandbox
from tests.support.airflow_runs import asset_events, xcom_values
from tests.support.file_servers import http_file_server
from tests.support.sandbox_fixtures import POLL_SECONDS

EXAMPLE_DAGS = Path(__file__).resolve().parents[3] / "example_dags"


def example_dag_bag():
    """The example DAGs, parsed now: `jodo_dialing_preparation` names its asset from `JODO_PLATFORM_URL`."""
    from tests.support.airflow_versions import DagBag

    return DagBag(dag_folder=str(EXAMPLE_DAGS))


@pytest.fixture
def dag_bag():
    """The example DAGs, parsed before a test points `jodo_default` at its sandbox (none reads it then)."""
    return example_dag_bag()


def test_every_example_dag_imports_without_errors(dag_bag):
    assert dag_bag.import_errors == {}
    assert {"jodo_nightly_campaign_file", "jodo_daily_leads", "jodo_dialing_preparation"} <= set(
        dag_bag.dag_ids
    )


def test_daily_leads_upserts_the_good_leads_and_reports_the_bad_one(
    airflow_db, dag_bag, monkeypatch, sandbox_profile
):
    with JodoSandbox(profile=sandbox_profile) as sandbox:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", json.dumps(sandbox.connection_dict()))
        for _ in range(2):  # a rerun updates instead of duplicating
            run = dag_bag.get_dag("jodo_daily_leads").test()
            assert run.state == "success"
        customers = {c["mobilenumber"]: c for c in sandbox.store.process_customers("VoiceProcess")}
        assert set(customers) == {"5511987654321", "919812345678", "8613800138000"}
        assert customers["919812345678"]["name"] == "Ravi Kumar"
        assert customers["919812345678"]["extrafield1"] == "fair"
        assert all(c["dialable"] == "yes" for c in customers.values())


def test_nightly_campaign_file_lands_every_customer_and_dial_list_entry(
    airflow_db, dag_bag, monkeypatch, sandbox_profile
):
    with JodoSandbox(
        files_dir=EXAMPLE_DAGS / "data", job_poll_interval=POLL_SECONDS, profile=sandbox_profile
    ) as sandbox:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", json.dumps(sandbox.connection_dict()))
        run = dag_bag.get_dag("jodo_nightly_campaign_file").test()
        assert run.state == "success"
        expected = {
            line.split(",")[1]
            for line in (EXAMPLE_DAGS / "data" / "nightly-leads.csv").read_text().splitlines()[1:]
        }
        assert {c["phone1"] for c in sandbox.store.campaign_customers(1)} == expected
        assert {e["phone"] for e in sandbox.store.dial_list(1)} == expected
        job_id = xcom_values(run, "job_id")["import_campaign_file"]
        page = f"{sandbox.base_url}/shelljobs/{job_id}"
        links = xcom_values(run, "_link_JodoImportJobLink")
        assert links == {"import_campaign_file": page, "wait_for_import": page}
        assert "<th>state</th><td>succeeded</td>" in requests.get(page, timeout=10).text


@pytest.mark.sandbox_profiles("full")
def test_the_nightly_wait_defers_to_the_trigger_while_the_job_runs(airflow_db, dag_bag, monkeypatch):
    """What `make demo` shows: the job is not done when the sensor first looks, so the sensor
    hands its wait over to the trigger."""
    from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger

    events = []
    run_trigger = JodoImportJobTrigger.run
    # The job stays running (its file held back) until the trigger runs, however fast or busy the
    # machine: no fixed wait.
    gate = threading.Event()

    async def recording_run(self):
        gate.set()
        async for event in run_trigger(self):
            events.append(event.payload)
            yield event

    monkeypatch.setattr(JodoImportJobTrigger, "run", recording_run)
    with (
        JodoSandbox(job_poll_interval=POLL_SECONDS) as sandbox,
        http_file_server(EXAMPLE_DAGS / "data", gate=gate) as files,
    ):
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", json.dumps(sandbox.connection_dict()))
        run = dag_bag.get_dag("jodo_nightly_campaign_file").test(
            run_conf={"file_url": f"{files}/nightly-leads.csv"}
        )
        assert run.state == "success"
    assert [(event["status"], event["job"]["state"]) for event in events] == [("success", "succeeded")]


@pytest.mark.sandbox_profiles("full")
def test_the_nightly_import_triggers_dialing_preparation_with_its_counts(airflow_db, monkeypatch):
    """The nightly run records the campaign's asset event with the job's counts; the downstream run
    that the scheduler would create from it (one that consumed the event) reads and logs them."""
    with JodoSandbox(files_dir=EXAMPLE_DAGS / "data", job_poll_interval=POLL_SECONDS) as sandbox:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", json.dumps(sandbox.connection_dict()))
        monkeypatch.setenv("JODO_PLATFORM_URL", sandbox.base_url)
        dag_bag = example_dag_bag()  # the downstream DAG's asset names this sandbox
        nightly = dag_bag.get_dag("jodo_nightly_campaign_file").test()
        assert nightly.state == "success"
        campaign = jodo_campaign_asset("jodo_default", 1)
        job_id = xcom_values(nightly, "job_id")["import_campaign_file"]
        counts = {"total": 4, "inserted": 4, "updated": 0, "skipped": 0, "failed": 0}
        expected = {"campaign_id": "1", "job_id": str(job_id), "state": "succeeded", **counts}
        assert asset_events(nightly, campaign.uri) == [expected]
        consume_events_of(monkeypatch, nightly)
        run = dag_bag.get_dag("jodo_dialing_preparation").test()
    assert run.state == "success"
    assert xcom_values(run, "return_value")["log_import_counts"] == [expected]


def consume_events_of(monkeypatch, source_run):
    """Make `dag.test()`'s next run consume the asset events `source_run` recorded, as the
    scheduler's asset-triggered run would (`dag.test()` itself makes a manual run)."""
    import importlib

    from airflow.models.asset import AssetEvent
    from sqlalchemy import select

    from tests.support.airflow_versions import dag_test_run_factory

    module_name, name = dag_test_run_factory
    module = importlib.import_module(module_name)
    create = getattr(module, name)

    def create_consuming(*, session, **kwargs):
        run = create(session=session, **kwargs)
        query = select(AssetEvent).where(AssetEvent.source_run_id == source_run.run_id)
        run.consumed_asset_events.extend(session.scalars(query))
        session.commit()
        return run

    monkeypatch.setattr(module, name, create_consuming)


# The example DAGs work with every documented form of the `jodo` connection, and none reads a
# connection when its file is parsed (issue 23).
#
# The nightly example built its file URL from `conn.jodo_default.host`, which the URI form keeps
# without its port: the platform fetched `http://127.0.0.1/files/...` and the job failed. The
# dialing example named its asset from the connection at parse time, and without the connection
# on the DAG processor it did not load at all.


def test_every_example_dag_loads_with_no_connection_and_no_network(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_JODO_DEFAULT", raising=False)
    monkeypatch.delenv("JODO_PLATFORM_URL", raising=False)

    def no_network(*args, **kwargs):
        raise AssertionError("a network call while a DAG file was parsed")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    dag_bag = example_dag_bag()
    assert dag_bag.import_errors == {}
    example_files = {path.stem for path in EXAMPLE_DAGS.glob("*.py")}
    assert {Path(dag.fileloc).stem for dag in dag_bag.dags.values()} == example_files


def uri_form(connection: dict) -> str:
    """The connection as the README's URI form writes it (`jodo://http://login:password@host:port/...`),
    built by Airflow: the port is the URI's own, apart from the host."""
    from airflow.models.connection import Connection

    scheme, _, authority = connection["host"].partition("://")
    address, _, port = authority.rpartition(":")
    uri = Connection(
        conn_id="jodo_default",
        conn_type=connection["conn_type"],
        host=f"{scheme}://{address}",
        port=int(port),
        login=connection["login"],
        password=connection["password"],
        schema=connection["schema"],
        extra=json.dumps(connection["extra"]),
    ).get_uri()
    assert f"@{address}:{port}/" in uri
    return uri


def json_form_with_port_apart(connection: dict) -> str:
    """The JSON form with the port in its own field (the README's `"port": 9443`)."""
    address, _, port = connection["host"].rpartition(":")
    return json.dumps({**connection, "host": address, "port": int(port)})


@pytest.mark.parametrize("form", [uri_form, json_form_with_port_apart], ids=["URI", "JSON, port apart"])
def test_the_nightly_example_imports_its_file_with_every_connection_form(airflow_db, monkeypatch, form):
    with JodoSandbox(files_dir=EXAMPLE_DAGS / "data", job_poll_interval=POLL_SECONDS) as sandbox:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", form(sandbox.connection_dict()))
        run = example_dag_bag().get_dag("jodo_nightly_campaign_file").test()
        assert run.state == "success"
        expected = {
            line.split(",")[1]
            for line in (EXAMPLE_DAGS / "data" / "nightly-leads.csv").read_text().splitlines()[1:]
        }
        assert {c["phone1"] for c in sandbox.store.campaign_customers(1)} == expected
