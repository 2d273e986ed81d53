"""Real Airflow deployments: one with the LocalExecutor per test session, shared by the system
and browser tests (its four components start once, in about 15 s), and one with the
CeleryExecutor, PostgreSQL, Redis and two Celery workers for the module that asks for it. Each
stops when its scope ends, also on failure.

Each runs against a sandbox in this process (the components reach it on loopback through
`AIRFLOW_CONN_JODO_DEFAULT`), serving the example DAGs' CSV; a second file server serves the
same CSV behind a gate, so that a test can hold an import job running while it watches the
sensor defer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Event

import pytest

from jodo_sandbox import JodoSandbox
from tests.support.airflow_deployment import AirflowDeployment, CeleryWorker, SystemUnderTest
from tests.support.celery_services import celery_services
from tests.support.file_servers import http_file_server
from tests.support.object_store import STORE_SECRETS, ObjectStore, store_client, store_connection
from tests.support.object_store import (
    moto_endpoint as moto_endpoint,  # a fixture: the celery_system's S3 server
)

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
SYSTEM_TEST_DAGS = Path(__file__).resolve().parent / "dags"
# The bucket and the connection that `dags/jodo_leads_on_object_storage.py` names.
OBJECT_STORE_BUCKET = "jodo-system-test"
STORAGE_CONN_ID = "jodo_s3"
SANDBOX_JOB_POLL_SECONDS = 0.2


CELERY_WORKERS = (
    CeleryWorker("worker-a", queues=("default", "jodo_a")),
    CeleryWorker("worker-b", queues=("default", "jodo_b")),
)
"""Two workers, each on its own "machine"; a task with `queue="jodo_a"` (or `jodo_b`) runs on
that one, one without `queue=` on either."""


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemUnderTest]:
    home = Path(tmp_path_factory.mktemp("airflow-deployment"))
    with sandbox_and_gated_files() as (sandbox, gated_files_url, gate):
        environment = example_dags_environment(sandbox)
        with AirflowDeployment(home, EXAMPLE_DAGS, environment) as airflow:
            yield SystemUnderTest(airflow, sandbox, gated_files_url, gate)


@pytest.fixture(scope="module")
def celery_system(
    tmp_path_factory: pytest.TempPathFactory,
    moto_endpoint: str,
) -> Iterator[SystemUnderTest]:
    """The distributed deployment: scheduler, DAG processor, triggerer and API server with the
    CeleryExecutor, the two `CELERY_WORKERS`, PostgreSQL and Redis, serving the example DAGs and
    `dags/`; an S3 bucket on moto, reached through the `aws` connection `STORAGE_CONN_ID`, holds
    the default reports (`[jodo] report_base`)."""
    home = Path(tmp_path_factory.mktemp("airflow-celery-deployment"))
    store = ObjectStore(moto_endpoint, OBJECT_STORE_BUCKET, STORAGE_CONN_ID, store_client(moto_endpoint))
    store.client.create_bucket(Bucket=store.bucket)
    with sandbox_and_gated_files() as (sandbox, gated_files_url, gate), celery_services(home) as services:
        environment = {
            **example_dags_environment(sandbox),
            f"AIRFLOW_CONN_{STORAGE_CONN_ID.upper()}": json.dumps(store_connection(moto_endpoint)),
            "AIRFLOW__JODO__REPORT_BASE": store.uri("jodo-reports/"),
            "AIRFLOW__JODO__REPORT_CONN_ID": STORAGE_CONN_ID,
            **services.airflow_environment(),
        }
        with AirflowDeployment(
            home,
            EXAMPLE_DAGS,
            environment,
            celery_workers=CELERY_WORKERS,
            more_dag_folders=[SYSTEM_TEST_DAGS],
        ) as airflow:
            secrets = (*services.secrets, *STORE_SECRETS)
            yield SystemUnderTest(
                airflow, sandbox, gated_files_url, gate, other_secrets=secrets, object_store=store
            )


def example_dags_environment(sandbox: JodoSandbox) -> dict[str, str]:
    """What the example DAGs read from the environment: `jodo_default` (when a task runs), and
    the platform's URL that `jodo_dialing_preparation` names its asset by (when it is parsed)."""
    return {
        "AIRFLOW_CONN_JODO_DEFAULT": json.dumps(sandbox.connection_dict()),
        "JODO_PLATFORM_URL": sandbox.base_url,
    }


@contextmanager
def sandbox_and_gated_files() -> Iterator[tuple[JodoSandbox, str, Event]]:
    """The sandbox serving the example data, and a gated file server with the same files."""
    data = EXAMPLE_DAGS / "data"
    gate = Event()
    with (
        JodoSandbox(files_dir=data, job_poll_interval=SANDBOX_JOB_POLL_SECONDS) as sandbox,
        http_file_server(data, gate=gate) as gated_files_url,
    ):
        try:
            yield sandbox, gated_files_url, gate
        finally:
            gate.set()  # a request still held must not keep the file server from stopping
