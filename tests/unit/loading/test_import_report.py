"""Where an import's report goes when the task names none: under `[jodo] report_base`, one file
per DAG run, task, map index and try."""

from types import SimpleNamespace

from airflow_provider_jodo.loading.import_report import default_report_location


def ti(**fields):
    values = {"dag_id": "nightly leads", "run_id": "scheduled__2026-11-30T05:00:00+00:00", "task_id": "push"}
    return SimpleNamespace(**{**values, "map_index": -1, "try_number": 1, **fields})


def test_the_default_report_is_per_dag_run_task_map_index_and_try(monkeypatch):
    monkeypatch.delenv("AIRFLOW__JODO__REPORT_BASE", raising=False)
    assert default_report_location({}) is None  # unset: the task context is not even read
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_BASE", "s3://reports/jodo/")
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_CONN_ID", "aws_reports")
    assert default_report_location({"ti": ti()}) == (
        "s3://reports/jodo/nightly_leads/scheduled__2026-11-30T05_00_00_00_00/push-try1.jsonl",
        "aws_reports",
    )
    location, _ = default_report_location({"ti": ti(map_index=3, try_number=2)})
    assert location.endswith("/push-3-try2.jsonl")
    monkeypatch.delenv("AIRFLOW__JODO__REPORT_CONN_ID")
    assert default_report_location({"ti": ti()})[1] is None
