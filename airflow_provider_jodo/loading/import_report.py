"""The per-record report of an ImportProcessData push: JSON lines, one per input record, in input order.

Each line holds `index`, `key` (the update-key value), `outcome`, `reason` (rejections only)
and `request_id` (the platform's id of the request that carried the record; null when the
record was rejected before sending).

A line is written for every record of imports of millions, so it is formatted by hand:
`json.dumps` of a dict per line cost more than validating the record.

A task that names no report writes it under the provider option `[jodo] report_base` (any
location `loading.storage` takes, e.g. `s3://bucket/jodo-reports`), where a task on another
worker can read it, or, with that option unset, to a new file in the worker's temp directory.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as _json_string
from pathlib import Path
from typing import Any

from airflow_provider_jodo.compat.airflow import conf
from airflow_provider_jodo.loading.storage import file_name_part

CONFIG_SECTION = "jodo"
REPORT_BASE_OPTION = "report_base"
REPORT_CONN_ID_OPTION = "report_conn_id"


def new_report_path(task_id: str) -> Path:
    """Create a new, unique report file in the temp directory (empty, owner-only) and return its path."""
    handle, name = tempfile.mkstemp(prefix=f"jodo-report-{task_id}-", suffix=".jsonl")
    os.close(handle)
    return Path(name)


def default_report_location(context: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """Return where a task's default report goes under `[jodo] report_base`, and its connection.

    The location is `<report_base>/<dag_id>/<run_id>/<task_id>[-<map_index>]-try<try_number>.jsonl`,
    unique per DAG run, task, map index and try, each part with the characters a store or FTP
    server may refuse replaced (`file_name_part`). The connection is `[jodo] report_conn_id`
    (None: the store's default). Both options are read at call time, so that the environment
    (`AIRFLOW__JODO__REPORT_BASE`) of the worker running the task counts.

    :param context: the task context (its `ti` is read only when `report_base` is set).
    :return: (location, connection id), or None when `report_base` is not set.
    """
    base = conf.get(CONFIG_SECTION, REPORT_BASE_OPTION, fallback="").strip()
    if not base:
        return None
    conn_id = conf.get(CONFIG_SECTION, REPORT_CONN_ID_OPTION, fallback="").strip() or None
    ti = context["ti"]
    map_suffix = f"-{ti.map_index}" if ti.map_index >= 0 else ""
    name = f"{ti.task_id}{map_suffix}-try{ti.try_number}.jsonl"
    parts = [file_name_part(str(part)) for part in (ti.dag_id, ti.run_id, name)]
    return "/".join([base.rstrip("/"), *parts]), conn_id


def report_line(index: int, key: Any, outcome: str, reason: str | None, request_id: str | None) -> str:
    """Return one record's line, newline included; `outcome` is a RecordOutcomeKind value (plain ASCII)."""
    return (
        f'{{"index": {index}, "key": {_json(key)}, "outcome": "{outcome}", '
        f'"reason": {_json(reason)}, "request_id": {_json(request_id)}}}\n'
    )


def _json(value: Any) -> str:
    """Return `value` as JSON, so that the report never fails.

    Text, nearly every value, goes straight to the escaper `json.dumps` uses for it (same
    output, a third of the cost). Anything JSON cannot carry (a key that made its record
    invalid, such as a set) is written as the JSON string of its repr.
    """
    if value is None:
        return "null"
    if isinstance(value, str):
        return _json_string(value)
    return json.dumps(value, default=repr)


def first_rejection(report_path: Path) -> str | None:
    """Return the first rejected record of a report as `records[i]: reason`, or None if none was.

    Read only when a run failed for loading too little, to point at the cause; the key (a
    phone number or customer code, personal data) is left out.

    :param report_path: a report of lines written by `report_line`.
    """
    with report_path.open(encoding="utf-8") as report:
        for line in report:
            entry = json.loads(line)
            if entry["outcome"] == "rejected":
                return f"records[{entry['index']}]: {entry['reason']}"
    return None


def remove_if_empty(report_path: Path) -> None:
    """Remove a default report that no line was written to (its task failed before sending).

    :param report_path: a report from `new_report_path`.
    """
    if report_path.exists() and report_path.stat().st_size == 0:
        report_path.unlink()
