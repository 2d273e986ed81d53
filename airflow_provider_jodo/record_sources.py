"""Where records come from: a list (e.g. an upstream task's XCom), a CSV file, a JSON-lines file
or a query through any Airflow SQL hook. Files and query results are read as a stream, so a
large export is never held in memory whole."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")


def iter_records(records: Sequence[Any] | None, source_path: str | None) -> Iterator[Any]:
    """Each input record in order (exactly one of `records` and `source_path`).

    CSV files need a header line; empty CSV cells become absent fields. A JSON-lines line that
    is not an object is yielded as it is, for the caller to reject with its index.
    :raises ValueError: naming the parameter or the file line that cannot be read.
    """
    if (records is None) == (source_path is None):
        raise ValueError("give exactly one of records and source_path")
    if records is not None:
        if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
            raise ValueError(f"records must be a list of dicts, got {type(records).__name__}")
        yield from records
        return
    path = Path(str(source_path))
    if not path.is_file():
        raise ValueError(f"source_path={str(source_path)!r} is not a file")
    if path.suffix.lower() in JSON_LINES_SUFFIXES:
        yield from _json_lines(path)
    else:
        yield from _csv_rows(path)


def iter_sql_records(
    conn_id: str, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None, fetch_size: int
) -> Iterator[dict[str, Any]]:
    """Each row of `sql` as a column name -> value dict, in the query's order.

    The query runs through the hook of Airflow connection `conn_id` (whatever database it is,
    e.g. SQLite, Postgres, Snowflake) on one DB-API cursor, fetching `fetch_size` rows at a
    time: `get_records` would hold a million-row result in memory at once.
    :raises ValueError: the connection's hook is not a SQL (DB-API) hook.
    """
    # Imported here: every Airflow SQL provider brings common-sql, so only a DAG that runs a
    # query needs it, and the provider itself does not depend on it.
    from airflow.providers.common.sql.hooks.sql import DbApiHook
    from airflow.sdk import BaseHook

    hook = BaseHook.get_connection(conn_id).get_hook()
    if not isinstance(hook, DbApiHook):
        raise ValueError(f"sql_conn_id={conn_id!r} has a {type(hook).__name__}, not an Airflow SQL hook")
    with closing(hook.get_conn()) as connection, closing(connection.cursor()) as cursor:
        if parameters:
            cursor.execute(sql, parameters)
        else:
            cursor.execute(sql)
        names = [column[0] for column in cursor.description or ()]
        while rows := cursor.fetchmany(fetch_size):
            for row in rows:
                yield dict(zip(names, row, strict=True))


def known_record_count(records: Sequence[Any] | str | None) -> int | None:
    """How many records a list input holds (for progress estimates); None for a file, whose
    records are not counted ahead of reading them."""
    if isinstance(records, Sequence) and not isinstance(records, (str, bytes)):
        return len(records)
    return None


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        try:
            for row in reader:
                yield {name: value for name, value in row.items() if name and value not in (None, "")}
        except (csv.Error, UnicodeDecodeError) as error:  # e.g. a Latin-1 export, a runaway quote
            raise ValueError(f"{path.name} line {reader.line_num + 1} is not UTF-8 CSV: {error}") from None


def _json_lines(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as file:
        line_number = 1
        try:
            for line_number, line in enumerate(file, start=1):  # noqa: B007 (read in the except)
                if line.strip():
                    yield json.loads(line)
        except ValueError as error:  # a UnicodeDecodeError is a ValueError too
            raise ValueError(f"{path.name} line {line_number} is not UTF-8 JSON: {error}") from None


def apply_column_mapping(record: Mapping[str, Any], mapping: Mapping[str, str] | None) -> dict[str, Any]:
    """The record with its source column names renamed to Jodo's fields (unmapped names kept)."""
    if not mapping:
        return dict(record)
    return {mapping.get(name, name): value for name, value in record.items()}
