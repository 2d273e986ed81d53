"""One real Airflow deployment per test session, shared by the system and browser tests: its
four components start once (about 15 s) and stop when the session ends, also on failure.

It runs against a sandbox in this process (the components reach it on loopback through
`AIRFLOW_CONN_JODO_DEFAULT`), serving the example DAGs' CSV; a second file server serves the
same CSV behind a gate, so that a test can hold an import job running while it watches the
sensor defer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from threading import Event

import pytest
from airflow_deployment import AirflowDeployment, SystemUnderTest
from file_servers import http_file_server

from airflow_provider_jodo.sandbox import JodoSandbox

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
SANDBOX_JOB_POLL_SECONDS = 0.2


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemUnderTest]:
    data = EXAMPLE_DAGS / "data"
    gate = Event()
    with (
        JodoSandbox(files_dir=data, job_poll_interval=SANDBOX_JOB_POLL_SECONDS) as sandbox,
        http_file_server(data, gate=gate) as gated_files_url,
    ):
        environment = {"AIRFLOW_CONN_JODO_DEFAULT": json.dumps(sandbox.connection_dict())}
        home = Path(tmp_path_factory.mktemp("airflow-deployment"))
        try:
            with AirflowDeployment(home, EXAMPLE_DAGS, environment) as airflow:
                yield SystemUnderTest(airflow, sandbox, gated_files_url, gate)
        finally:
            gate.set()  # a request still held must not keep the file server from stopping
