"""Running the provider's components as Airflow runs them: a trigger rebuilt from its serialised
form on an event loop, a DAG built in a test under `dag.test()` (with the metadata database it
needs), and what a run left behind (XComs, asset events)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger


def run_trigger(trigger: JodoImportJobTrigger) -> list[dict[str, Any]]:
    """Rebuild the trigger from its serialised form, as the triggerer does, run it on an event
    loop and collect its events' payloads."""
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_jodo.triggers.jodo.JodoImportJobTrigger"
    rebuilt = JodoImportJobTrigger(**kwargs)

    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in rebuilt.run()]

    return asyncio.run(collect())


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """The suite's AIRFLOW_HOME gets its metadata database once (SQLite), for `dag.test()`."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)


def run_dag(dag: Any, **test_kwargs: Any) -> Any:
    """`dag.test()` for a DAG built in a test: Airflow 3.1+ runs only serialized DAGs, so write it
    to the metadata database first (DAGs loaded from a dags folder need none of this; Airflow
    3.0's `dag.test()` writes it itself, and needs `dag_test_reschedule_dates` for a sensor in
    reschedule mode)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    from tests.support.airflow_versions import DagBag, dag_test_reschedule_dates, sync_bag_to_db

    if sync_bag_to_db is None:
        with dag_test_reschedule_dates():
            return dag.test(**test_kwargs)
    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=os.devnull, collect_dags=False)
    bag.bag_dag(dag)
    sync_bag_to_db(bag, bundle_name="dags-folder", bundle_version=None)
    return dag.test(**test_kwargs)


def xcom_values(run: Any, key: str) -> dict[str, Any]:
    """task id -> the XCom value under `key` that the tasks of `run` pushed."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=run.dag_id, key=key)).all()
        return {row.task_id: XComModel.deserialize_value(row) for row in rows}


def asset_events(run: Any, uri: str) -> list[dict[str, Any]]:
    """The extras of the asset events that the tasks of `run` recorded for the asset `uri`."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    query = (
        select(AssetEvent)
        .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
        .where(AssetModel.uri == uri, AssetEvent.source_run_id == run.run_id)
    )
    with create_session() as session:
        return [event.extra for event in session.scalars(query)]
