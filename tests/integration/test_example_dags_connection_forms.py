"""The example DAGs work with every documented form of the `jodo` connection, and none reads a
connection when its file is parsed (issue 23).

The nightly example built its file URL from `conn.jodo_default.host`, which the URI form keeps
without its port: the platform fetched `http://127.0.0.1/files/...` and the job failed. The
dialing example named its asset from the connection at parse time, and without the connection
on the DAG processor it did not load at all."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from conftest import POLL_SECONDS

from jodo_sandbox import JodoSandbox

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"


def example_dag_bag():
    """Parse the example DAGs now, as the DAG processor would."""
    from airflow_versions import DagBag

    return DagBag(dag_folder=str(EXAMPLE_DAGS))


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
