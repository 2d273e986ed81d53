"""Where records come from: a list, a CSV or JSON-lines file, or a query through any Airflow SQL hook.

A list is e.g. an upstream task's XCom; files are read by `lead_files`. Files and query results
are read as a stream, so a large export is never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any

from airflow_provider_jodo.loading.lead_files import UnreadableRecord, lead_file_records

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook


def iter_records(records: Sequence[Any] | None, source_path: str | None) -> Iterator[Any]:
    """Each input record in order (exactly one of `records` and `source_path`).

    An item that is not a dict (a list's odd item, a file's `UnreadableRecord`) is yielded as
    it is, for the caller to reject with its index and `not_a_record_reason`. A file is read as
    `lead_files.lead_file_records` reads it; check it whole first with `check_lead_file`.
    :raises ValueError: naming the parameter or the file line that cannot be read.
    """
    if (records is None) == (source_path is None):
        raise ValueError("give exactly one of records and source_path")
    if records is not None:
        if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
            raise ValueError(f"records must be a list of dicts, got {type(records).__name__}")
        yield from records
        return
    yield from lead_file_records(str(source_path))


def not_a_record_reason(item: Any) -> str:
    """Return why an input item that is not a dict is rejected.

    That is an unreadable file record's own reason (it names the line), or what the item is.
    """
    if isinstance(item, UnreadableRecord):
        return item.reason
    return f"not a dict but {type(item).__name__}"


def iter_sql_records(
    conn_id: str, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None, fetch_size: int
) -> Iterator[dict[str, Any]]:
    """Each row of `sql` as a column name -> value dict, in the query's order (see `sql_rows`).

    :raises ValueError: `sql_conn_id`'s hook is not a SQL (DB-API) hook.
    """
    for names, row in sql_rows(sql_hook(conn_id, "sql_conn_id"), sql, parameters, fetch_size):
        yield dict(zip(names, row, strict=True))


def sql_hook(conn_id: str, conn_parameter: str) -> DbApiHook:
    """Return the SQL hook of Airflow connection `conn_id`, whatever database it is (SQLite, Postgres, ...).

    :param conn_parameter: the operator's parameter that names the connection, for errors.
    :raises ValueError: naming `conn_parameter`, when the connection's hook is not a SQL (DB-API)
        hook or Airflow's common-sql provider is not installed.
    """
    try:
        # Imported here: every Airflow SQL provider brings common-sql, so only a DAG that runs
        # a query needs it, and the provider itself does not depend on it.
        from airflow.providers.common.sql.hooks.sql import DbApiHook
    except ImportError:
        raise ValueError(
            f"{conn_parameter}={conn_id!r}: a query needs Airflow's common-sql provider, which every "
            "SQL provider brings: install the provider of your database (e.g. "
            "apache-airflow-providers-postgres)"
        ) from None

    from airflow_provider_jodo.compat.airflow import BaseHook

    hook = BaseHook.get_connection(conn_id).get_hook()
    if not isinstance(hook, DbApiHook):
        raise ValueError(f"{conn_parameter}={conn_id!r} has a {type(hook).__name__}, not an Airflow SQL hook")
    return hook


def sql_rows(
    hook: DbApiHook, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None, fetch_size: int
) -> Iterator[tuple[list[str], Sequence[Any]]]:
    """Each row of `sql` with the result's column names, in the query's order.

    The query runs on one DB-API cursor of `hook`, fetching `fetch_size` rows at a time:
    `get_records` would hold a million-row result in memory at once.
    """
    with closing(hook.get_conn()) as connection, closing(connection.cursor()) as cursor:
        if parameters:
            cursor.execute(sql, parameters)
        else:
            cursor.execute(sql)
        names = [column[0] for column in cursor.description or ()]
        while rows := cursor.fetchmany(fetch_size):
            for row in rows:
                yield names, row


def known_record_count(records: Sequence[Any] | str | None) -> int | None:
    """Return how many records a list input holds (for progress estimates).

    None for a file, whose records are not counted ahead of reading them.
    """
    if isinstance(records, Sequence) and not isinstance(records, (str, bytes)):
        return len(records)
    return None


def apply_column_mapping(record: Mapping[str, Any], mapping: Mapping[str, str] | None) -> dict[str, Any]:
    """Return the record with its source column names renamed to Jodo's fields (unmapped names kept).

    With nothing to rename, a dict is returned as it is, not copied (once per record of every
    import; callers only read it), and any other mapping as a dict.
    """
    if not mapping:
        return record if type(record) is dict else dict(record)
    return {mapping.get(name, name): value for name, value in record.items()}
