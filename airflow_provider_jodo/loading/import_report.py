"""The per-record report of an ImportProcessData push: JSON lines, one per input record, in input order.

Each line holds `index`, `key` (the update-key value), `outcome`, `reason` (rejections only)
and `request_id` (the platform's id of the request that carried the record; null when the
record was rejected before sending).

A line is written for every record of imports of millions, so it is formatted by hand:
`json.dumps` of a dict per line cost more than validating the record.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any


def new_report_path(task_id: str) -> Path:
    """Create a new, unique report file in the temp directory (empty, owner-only) and return its path."""
    handle, name = tempfile.mkstemp(prefix=f"jodo-report-{task_id}-", suffix=".jsonl")
    os.close(handle)
    return Path(name)


def write_report_line(
    report: IO[str], index: int, key: Any, outcome: str, reason: str | None, request_id: str | None
) -> None:
    """Append one record's line; `outcome` is a RecordOutcomeKind value (plain ASCII)."""
    report.write(
        f'{{"index": {index}, "key": {_json(key)}, "outcome": "{outcome}", '
        f'"reason": {_json(reason)}, "request_id": {_json(request_id)}}}\n'
    )


def _json(value: Any) -> str:
    """Return `value` as JSON, so that the report never fails.

    Anything JSON cannot carry (a key that made its record invalid, such as a set) is written
    as the JSON string of its repr.
    """
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, default=repr)


def first_rejection(report_path: Path) -> str | None:
    """Return the first rejected record of a report as `records[i]: reason`, or None if none was.

    Read only when a run failed for loading too little, to point at the cause; the key (a
    phone number or customer code, personal data) is left out.

    :param report_path: a report written by `write_report_line`.
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
