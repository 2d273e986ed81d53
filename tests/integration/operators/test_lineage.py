"""OpenLineage events of the import operators, captured with the OpenLineage provider's `file`
transport from real `dag.test()` runs, and the asset events of the same runs; the provider
without the OpenLineage extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_jodo.assets import platform_authority, service_key_digest
from jodo_sandbox import JodoSandbox
from tests.support.file_servers import http_file_server
from tests.support.lineage_runner import RESULT_PREFIX
from tests.support.sandbox_fixtures import POLL_SECONDS

ROOT = Path(__file__).resolve().parents[3]
LEADS_CSV = (
    "name,mobilenumber,emailid\n"
    "Ana,5511987654321,ana@example.com\n"
    "Bia,5511987654322,bia@example.com\n"
    "Short,12,short@example.com\n"
)
CAMPAIGN_CSV = "name,phone1\nAna,5511900000001\nBia,5511900000002\n"


pytestmark = pytest.mark.xdist_group("lineage")  # one worker starts the runs' process, once

RUNS = {
    "process_data": ("process_data", "lineage_process_data", "push_leads"),
    "lands_nothing": ("process_data", "lineage_process_fails", "push_leads"),
    "cji_file": ("cji_file", "lineage_cji_file", "import_file"),
}
"""name -> (the `lineage_runner` builder, the DAG id, the task id) of each run of `lineage_runs`."""


@pytest.fixture(scope="module")
def platform(airflow_db):
    with JodoSandbox(job_poll_interval=POLL_SECONDS) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def lineage_inputs(tmp_path_factory) -> Path:
    """The folder of the runs' inputs and reports."""
    folder = tmp_path_factory.mktemp("lineage")
    (folder / "leads.csv").write_text(LEADS_CSV)
    (folder / "short.csv").write_text("name,mobilenumber,emailid\nShort,12,short@example.com\n")
    (folder / "campaign").mkdir()
    (folder / "campaign" / "leads.csv").write_text(CAMPAIGN_CSV)
    return folder


@pytest.fixture(scope="module")
def lineage_runs(platform, lineage_inputs) -> dict[str, Any]:
    """Run every DAG of `RUNS` against `platform` with OpenLineage's file transport, in one process
    (`lineage_runner`); return name -> (the run: `run_id`, `state`; its task's OpenLineage events;
    the URL of the file server that served the file job's CSV)."""
    # One file per event: the listener emits from several threads, and appends of events larger
    # than a write buffer interleave in one shared file. Debug mode names each file by time, job
    # and event type, so two events never share a name.
    events_prefix = lineage_inputs / "openlineage"
    transport = {"type": "file", "log_file_path": str(events_prefix), "debug_mode": True}
    environment = {
        **os.environ,
        "AIRFLOW_CONN_JODO_DEFAULT": json.dumps(platform.connection_dict()),
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "jodo-tests",
        "PYTHONPATH": str(ROOT),
    }
    with http_file_server(lineage_inputs / "campaign") as files:
        arguments = {
            "process_data": {"source_path": str(lineage_inputs / "leads.csv")},
            "lands_nothing": {"source_path": str(lineage_inputs / "short.csv")},
            "cji_file": {"file_url": f"{files}/leads.csv?sig=token"},
        }
        for name in ("process_data", "lands_nothing"):
            arguments[name]["report_path"] = str(lineage_inputs / f"{name}-report.jsonl")
        runs = [
            [builder, {"dag_id": dag_id, **arguments[name]}] for name, (builder, dag_id, _) in RUNS.items()
        ]
        result = subprocess.run(
            [sys.executable, "-m", "tests.support.lineage_runner", json.dumps(runs)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    event_files = sorted(lineage_inputs.glob(f"{events_prefix.name}-*.json"))
    events = [json.loads(path.read_text()) for path in event_files]
    outcomes = {}
    for (name, (_, dag_id, task_id)), line in zip(RUNS.items(), lines, strict=True):
        task_events = [event for event in events if event["job"]["name"] == f"{dag_id}.{task_id}"]
        outcomes[name] = (json.loads(line.removeprefix(RESULT_PREFIX)), task_events, files)
    return outcomes


def task_event(events: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    [event] = [e for e in events if e["eventType"] == event_type]
    return event


def platform_namespace(sandbox: JodoSandbox) -> str:
    return f"jodo://{platform_authority(sandbox.base_url)}"


def run_asset_events(run_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(asset URI, extra) of every asset event that the run `run_id` recorded."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    query = select(AssetModel.uri, AssetEvent.extra).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
    with create_session() as session:
        return [tuple(row) for row in session.execute(query.where(AssetEvent.source_run_id == run_id))]


def test_process_data_from_a_file_reads_the_file_and_writes_the_process_with_its_row_count(
    platform, lineage_runs, lineage_inputs
):
    run, events, _ = lineage_runs["process_data"]
    assert run["state"] == "success"
    complete = task_event(events, "COMPLETE")
    leads = lineage_inputs / "leads.csv"
    assert [(d["namespace"], d["name"]) for d in complete["inputs"]] == [("file", str(leads))]
    [output] = complete["outputs"]
    process = f"process/{service_key_digest(platform.connection_dict()['extra']['servicekey'])}"
    assert (output["namespace"], output["name"]) == (platform_namespace(platform), process)
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 2  # the short number is rejected
    extra = {
        "total": 3,
        "inserted": 2,
        "updated": 0,
        "accepted": 0,
        "skipped": 0,
        "rejected": 1,
        "requests": 1,
    }
    uri = f"{platform_namespace(platform)}/{process}"
    report = str(lineage_inputs / "process_data-report.jsonl")
    assert run_asset_events(run["run_id"]) == [(uri, {**extra, "report_path": report})]


def test_a_process_data_run_that_lands_nothing_fails_with_an_error_and_no_statistics_or_asset_event(
    platform, lineage_runs
):
    run, events, _ = lineage_runs["lands_nothing"]
    assert run["state"] == "failed"
    fail = task_event(events, "FAIL")
    assert "landed" in fail["run"]["facets"]["errorMessage"]["message"]
    [output] = fail["outputs"]
    assert output["namespace"] == platform_namespace(platform) and "outputStatistics" not in output.get(
        "outputFacets", {}
    )
    assert run_asset_events(run["run_id"]) == []


def test_a_cji_file_job_reads_the_fetched_file_and_writes_the_campaign_with_its_row_count(
    platform, lineage_runs
):
    run, events, files = lineage_runs["cji_file"]
    assert run["state"] == "success"
    complete = task_event(events, "COMPLETE")
    assert [(d["namespace"], d["name"]) for d in complete["inputs"]] == [(files, "leads.csv")]
    [output] = complete["outputs"]
    assert (output["namespace"], output["name"]) == (platform_namespace(platform), "campaign/1")
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 2
    [(uri, extra)] = run_asset_events(run["run_id"])
    assert uri == f"{platform_namespace(platform)}/campaign/1"
    assert {k: extra[k] for k in ("campaign_id", "state", "total", "inserted")} == {
        "campaign_id": "1",
        "state": "succeeded",
        "total": 2,
        "inserted": 2,
    }


def test_the_provider_works_without_the_openlineage_extra():
    """Importing the OpenLineage provider or client fails (as when the extra is not installed):
    every component still imports, and an operator still builds its asset."""
    script = """
import sys
# What the operators import from OpenLineage fails, as when the extra is not installed (the
# provider's own get_provider_info stays: Airflow finds its installed distribution regardless).
for name in ("openlineage", "airflow.providers.openlineage.extractors",
             "airflow.providers.common.compat.openlineage"):
    sys.modules[name] = None
import airflow_provider_jodo.operators.process_data, airflow_provider_jodo.operators.cji_file
import airflow_provider_jodo.operators.stage
import airflow_provider_jodo.sensors.jodo
from airflow_provider_jodo.assets import jodo_campaign_asset
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
operator = JodoImportCJIRecordsOperator(task_id="t", campaign_id=7, records=[])
print(jodo_campaign_asset(None, 7, host="jodo.example.com").uri, [o.name for o in operator.outlets])
"""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    # The script's own line is its last: Airflow 3.0 logs to stdout while an operator is built
    # (`airflow/sdk/bases/operator.py:1123` imports the ORM models, whose
    # `airflow/utils/db.py:59` imports alembic, which logs each plugin it sets up at INFO).
    last_line = result.stdout.splitlines()[-1]
    assert last_line.split() == ["jodo://jodo.example.com/campaign/7", "['jodo-campaign-imports']"]
