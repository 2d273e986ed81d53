"""Integration fixtures: a fresh sandbox per test on an ephemeral port, hooks wired to it
through `AIRFLOW_CONN_*` environment connections, and a check that no secret of the sandbox
ever reaches a log line."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from file_servers import http_file_server
from hostile_platforms import ScriptedPlatform, scripted_platform
from object_store import moto_endpoint, object_store  # noqa: F401  (fixtures)

from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from jodo_sandbox import JodoSandbox, SandboxProfile

POLL_SECONDS = 0.05
SANDBOX_PROFILES = tuple(
    SandboxProfile(name)
    for name in os.environ.get("JODO_TEST_SANDBOX_PROFILES", "full,documented").split(",")
)
"""Every test on the `sandbox` fixture runs against both: our sandbox with its extensions, and
one that answers only what the vendors document (plus the decided status lookup).
`JODO_TEST_SANDBOX_PROFILES` narrows that default (the older Airflow minors of `make test` run
`documented` only: the profiles differ in the platform, not in Airflow); a test marked
`@pytest.mark.sandbox_profiles(...)` still runs against the profiles it names."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `sandbox_profile` over `SANDBOX_PROFILES`, or over the profiles named by
    `@pytest.mark.sandbox_profiles(...)` (a test of one of our extensions, or of its absence)."""
    if "sandbox_profile" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("sandbox_profiles")
        profiles = [SandboxProfile(name) for name in marker.args] if marker else SANDBOX_PROFILES
        metafunc.parametrize("sandbox_profile", profiles, ids=[profile.value for profile in profiles])


@pytest.fixture
def sandbox(request, sandbox_profile: SandboxProfile) -> Iterator[JodoSandbox]:
    """A fresh sandbox of profile `sandbox_profile`; `@pytest.mark.platform_timezone("Zone/Name")`
    sets its time zone (the connections made by `connect` follow it, as a real deployment's
    would) and `@pytest.mark.sandbox_latency(seconds)` holds its answers back, so that
    concurrent calls overlap on the platform's side."""
    marker = request.node.get_closest_marker("platform_timezone")
    timezone = marker.args[0] if marker else "UTC"
    latency_marker = request.node.get_closest_marker("sandbox_latency")
    latency = latency_marker.args[0] if latency_marker else 0.0
    with JodoSandbox(
        job_poll_interval=POLL_SECONDS, timezone=timezone, latency=latency, profile=sandbox_profile
    ) as running:
        request.node.sandbox_secrets = sandbox_secrets(running)
        yield running


def reported(sandbox: JodoSandbox, outcome: str) -> str:
    """A record's ImportProcessData outcome as the hook reports it from this sandbox: where
    the answers carry no per-record outcomes, a record the platform took reads `accepted`."""
    if outcome in ("inserted", "updated") and not sandbox.profile.reports_record_outcomes:
        return "accepted"
    return outcome


def landed_counts(sandbox: JodoSandbox, *, inserted: int = 0, updated: int = 0) -> dict[str, int]:
    """The `inserted`, `updated` and `accepted` counts of a summary from this sandbox, for
    records that the platform inserted and updated."""
    if sandbox.profile.reports_record_outcomes:
        return {"inserted": inserted, "updated": updated, "accepted": 0}
    return {"inserted": 0, "updated": 0, "accepted": inserted + updated}


def summary_counts(summary: dict[str, Any]) -> dict[str, int]:
    """The `inserted`, `updated` and `accepted` counts of an ImportProcessData summary."""
    return {name: summary[name] for name in ("inserted", "updated", "accepted")}


def sandbox_secrets(sandbox: JodoSandbox) -> list[str]:
    """Every secret the suite's connections hold, plain and as sent (MD5)."""
    values = []
    for usertype in ("account", "agent"):
        conn = sandbox.connection_dict(usertype=usertype)
        values += [conn["password"], conn["extra"]["apikey"]]
    return [*values, *(hashlib.md5(v.encode()).hexdigest() for v in values)]


@pytest.fixture(autouse=True)
def no_secret_in_logs(request, caplog) -> Iterator[None]:
    """Capture every log record at DEBUG (urllib3's request lines included) and fail the test
    if any secret of its sandbox or object store appears in one."""
    caplog.set_level(logging.DEBUG)
    yield
    # caplog.text holds only the current phase's records (teardown): read the test's own too.
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    text = "\n".join([*(logging.Formatter().format(record) for record in records), caplog.text])
    secrets = [*getattr(request.node, "sandbox_secrets", ()), *getattr(request.node, "store_secrets", ())]
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret value(s) appeared in the captured logs"


@pytest.fixture
def files(tmp_path: Path) -> Iterator[str]:
    """The base URL of an HTTP file server with CSV files to import into a campaign:
    `leads.csv` (a header and two leads), `other.csv` (another lead) and `broken.csv` (a header
    the campaign form does not know, so its job fails)."""
    (tmp_path / "leads.csv").write_text("name,phone1\nAna,5511900000001\nBia,5511900000002\n")
    (tmp_path / "other.csv").write_text("name,phone1\nCai,5511900000004\n")
    (tmp_path / "broken.csv").write_text("shoe_size,phone1\n42,5511900000003\n")
    with http_file_server(tmp_path) as base:
        yield base


@pytest.fixture
def connect(connect_to, sandbox: JodoSandbox) -> Callable[..., JodoHook]:
    """Make a hook on a connection to the sandbox; keyword overrides change connection fields
    (`extra` is merged)."""

    def _connect(usertype: str = "account", **overrides: Any) -> JodoHook:
        return connect_to(sandbox, usertype, **overrides)

    return _connect


@pytest.fixture
def connect_to(monkeypatch) -> Callable[..., JodoHook]:
    """`connect` for a sandbox the test made itself (e.g. with faults)."""
    counter = iter(range(1000))

    def _connect(sandbox: JodoSandbox, usertype: str = "account", **overrides: Any) -> JodoHook:
        conn = sandbox.connection_dict(usertype=usertype)
        extra = {**conn.pop("extra"), **overrides.pop("extra", {})}
        conn.update(overrides)
        conn["extra"] = extra
        conn_id = f"jodo_test_{next(counter)}"
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return JodoHook(jodo_conn_id=conn_id)

    return _connect


def assert_secret_free(sandbox: JodoSandbox, error: BaseException) -> None:
    """The error's text and repr carry none of the sandbox's secrets."""
    text = f"{error}\n{error!r}"
    assert not [s for s in sandbox_secrets(sandbox) if s in text]


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
    from airflow_versions import DagBag, dag_test_reschedule_dates, sync_bag_to_db

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


@pytest.fixture
def scripted(monkeypatch) -> Iterator[tuple[ScriptedPlatform, JodoHook]]:
    """A platform answering every call with one scripted body (`platform.body`), and a hook on it."""
    with scripted_platform() as platform:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_SCRIPTED", platform.connection_json())
        yield platform, JodoHook(jodo_conn_id="jodo_scripted")
