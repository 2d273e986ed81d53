"""Lead files for the operator tests, shared by the ImportProcessData and stage-and-import
suites: valid leads (`name`, `mobilenumber`, `emailid`), and files that cannot be read whole,
each with the start of the error that must fail the task before anything is sent."""

from __future__ import annotations

import pytest

from airflow_provider_jodo.loading.lead_files import MAX_CELL_CHARACTERS
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator

LEAD_HEADER = b"name,mobilenumber,emailid\n"
BIG_CELL_CHARACTERS = 1_500_000
"""A cell past the csv module's default limit (128 KiB) and within the provider's."""


def lead_rows(count: int, first: int = 1) -> list[bytes]:
    """`count` valid, distinct leads, one CSV line each."""
    return [b"Lead %d,91%010d,lead%d@example.com\n" % (n, n, n) for n in range(first, first + count)]


def latin1_on_line_1502() -> bytes:
    """A 2000-line export whose line 1502 holds a Latin-1 byte: a reader that decodes ahead
    would have sent the first 1,000 records before failing, and blamed an earlier line."""
    lines = [LEAD_HEADER, *lead_rows(1999)]
    lines[1501] = b"Jos\xe9 Lima,919999001501,jose@example.com\n"
    return b"".join(lines)


UNREADABLE_LEAD_FILES = [
    pytest.param(
        "leads.csv", latin1_on_line_1502(), "leads.csv is not UTF-8: byte 0xe9 at line 1502", id="latin-1"
    ),
    pytest.param(
        "leads.csv",
        b"name,mobilenumber,emailid,name\n" + b"".join(lead_rows(3)),
        "leads.csv line 1: column 'name' appears twice in the header (columns 1 and 4)",
        id="duplicate-header",
    ),
    pytest.param(
        "leads.csv",
        LEAD_HEADER + b"".join(lead_rows(2)) + b'Ana,"919999000001,a@x.com\n' + b"".join(lead_rows(2, 3)),
        "leads.csv line 4: a quote opened there is never closed",
        id="runaway-quote",
    ),
    pytest.param(
        "leads.csv",
        LEAD_HEADER
        + b"".join(lead_rows(2))
        + b"Ana,919999000001,"
        + b"x" * (MAX_CELL_CHARACTERS + 1)
        + b"\n",
        f"leads.csv line 4: a cell exceeds the limit of {MAX_CELL_CHARACTERS:,} characters",
        id="oversized-cell",
    ),
    pytest.param(
        "leads.jsonl",
        b'{"name": "Ana", "mobilenumber": "919999000001", "emailid": "a@x.com"}\n{"name": \n',
        "leads.jsonl line 2 is not JSON (Expecting value)",
        id="not-json",
    ),
    pytest.param(
        "leads.csv",
        b"name,\xef\xbb\xbfmobilenumber,emailid\n" + b"".join(lead_rows(2)),
        "leads.csv line 1: column 2 of the header, '\\ufeffmobilenumber', holds U+FEFF "
        "(ZERO WIDTH NO-BREAK SPACE), which no one sees but is part of the name: remove it from the header",
        id="byte-order-mark-before-a-column",
    ),
    pytest.param(
        "leads.csv",
        b"name\x00,mobilenumber,emailid\n" + b"".join(lead_rows(2)),
        "leads.csv line 1: column 1 of the header, 'name\\x00', holds U+0000 (a control character)",
        id="nul-in-the-header",
    ),
    pytest.param("leads.csv", b"", "leads.csv holds no records (the file is empty)", id="empty"),
    pytest.param(
        "leads.csv", LEAD_HEADER, "leads.csv holds no records, only a header (line 1)", id="header-only"
    ),
]


def lead(mobile, **fields):
    """A valid ImportProcessData lead whose update key is `mobile`."""
    return {"name": f"Lead {mobile}", "mobilenumber": mobile, "emailid": f"{mobile}@example.com", **fields}


def push(hook, **kwargs):
    """The ImportProcessData operator the suites push leads with, over `hook`'s connection."""
    return JodoImportProcessDataOperator(
        task_id="push", jodo_conn_id=hook.jodo_conn_id, media=12, update_key="mobilenumber", **kwargs
    )
