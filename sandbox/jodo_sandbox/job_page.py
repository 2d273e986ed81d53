"""The console page of an import job, so that the operator's "Jodo import job" link opens something.

It does so on one machine. The vendor documents no console URL (its console calls import jobs
shell jobs); the sandbox serves the page at the connection's default `job_page_path`.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

JOB_PAGE_PREFIX = "/shelljobs/"
_COUNTS = ("total", "inserted", "updated", "skipped", "failed")


def job_page_html(job: Mapping[str, Any]) -> str:
    """Render a small HTML page: the job's state, times, counts and row errors (all escaped)."""
    facts = [("state", job["state"]), ("exetime", job["exetime"]), ("started", job["started"])]
    facts += [("finished", job["finished"]), *((name, job[name]) for name in _COUNTS)]
    rows = "".join(f"<tr><th>{_text(name)}</th><td>{_text(value)}</td></tr>" for name, value in facts)
    errors = "".join(
        f"<li>row {_text(error['row'])}: {_text(error['code'])} {_text(error['message'])}</li>"
        for error in job["errors"]
    )
    title = f"Import job {_text(job['jobid'])}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1><table>{rows}</table><h2>Row errors</h2><ul>{errors}</ul></body></html>"
    )


def _text(value: Any) -> str:
    return escape("" if value is None else str(value))
