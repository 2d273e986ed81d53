"""Keep the Jodo side of the sandbox platform: API keys, processes, users and process customers.

Times are the platform's wall-clock strings (see `clock.py`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_jodo.enums import UpdateKey
from jodo_sandbox.database import StoreDatabase
from jodo_sandbox.schema import UPDATE_KEY_COLUMNS


@dataclass
class ProcessCustomer:
    """Hold a Jodo customer of one process; `id` is None until it is first stored."""

    id: int | None
    fields: dict[str, str]
    media: int
    dialable: bool
    userlogin: str | None


class ProcessStore(StoreDatabase):
    """Look up Jodo keys and users, and store and list the customers of Jodo processes."""

    def organisation_of_apikey(self, apikey: str) -> int | None:
        """Return the organisation id an API key belongs to, or None."""
        row = self._one("SELECT id FROM organisations WHERE apikey = ?", (apikey,))
        return row["id"] if row else None

    def organisation_of_process(self, servicekey: str) -> int | None:
        """Return the organisation id a process (service key) belongs to, or None."""
        row = self._one("SELECT org_id FROM processes WHERE servicekey = ?", (servicekey,))
        return row["org_id"] if row else None

    def jodo_user_exists(self, org_id: int, login: str) -> bool:
        """Tell whether `login` is a Jodo user of the organisation."""
        return (
            self._one("SELECT 1 FROM jodo_users WHERE org_id = ? AND login = ?", (org_id, login)) is not None
        )

    def find_process_customers(
        self, servicekey: str, update_key: UpdateKey, values: Sequence[str]
    ) -> dict[str, ProcessCustomer]:
        """Return the stored customers of a process whose update-key field has one of `values`, by value.

        When several match a value (possible after updates by another key) the oldest wins.
        """
        if not values:
            return {}
        column = update_key.value  # a member of a closed set, safe in SQL
        rows = self._all(
            f"SELECT * FROM process_customers WHERE servicekey = ? AND {column} IN "
            f"({','.join('?' * len(values))}) ORDER BY id DESC",
            (servicekey, *values),
        )
        return {row[column]: _process_customer(row) for row in rows}

    def save_process_customers(self, servicekey: str, customers: Iterable[ProcessCustomer]) -> None:
        """Insert new customers (id None) and update the others, stamped with the current time."""
        now = self._clock.now_text()
        inserts, updates = [], []
        for customer in customers:
            values = (
                *(customer.fields.get(column) for column in UPDATE_KEY_COLUMNS),
                json.dumps(customer.fields, ensure_ascii=False),
                customer.media,
                int(customer.dialable),
                customer.userlogin,
                now,
            )
            if customer.id is None:
                inserts.append((servicekey, *values))
            else:
                updates.append((*values, customer.id))
        key_columns = ", ".join(UPDATE_KEY_COLUMNS)
        self._write_many(
            f"INSERT INTO process_customers (servicekey, {key_columns}, fields, media, dialable, userlogin, "
            f"updatedat) VALUES (?, {'?, ' * len(UPDATE_KEY_COLUMNS)}?, ?, ?, ?, ?)",
            inserts,
        )
        self._write_many(
            f"UPDATE process_customers SET {''.join(f'{column} = ?, ' for column in UPDATE_KEY_COLUMNS)}"
            "fields = ?, media = ?, dialable = ?, userlogin = ?, updatedat = ? WHERE id = ?",
            updates,
        )

    def process_customers_by_key(self, servicekey: str, key: UpdateKey, value: str) -> list[dict[str, Any]]:
        """Answer getProcessData by mobile number, customer code or CRM unique field, in its wire shape."""
        return self._process_customer_answers(f"{key.value} = ?", (servicekey, value))

    def process_customers_written_between(
        self, servicekey: str, fromdate: str, todate: str
    ) -> list[dict[str, Any]]:
        """Answer getProcessData by date range, in its wire shape.

        The customers are those last written on a date (platform time zone) from `fromdate` to
        `todate` (`YYYY-MM-DD`, both inclusive).
        """
        return self._process_customer_answers(
            "substr(updatedat, 1, 10) BETWEEN ? AND ?", (servicekey, fromdate, todate)
        )

    def process_customers(self, servicekey: str) -> list[dict[str, Any]]:
        """Return all customers of a Jodo process, in getProcessData's record shape, oldest first."""
        return self._process_customer_answers("1", (servicekey,))

    def _process_customer_answers(self, condition: str, parameters: Sequence[str]) -> list[dict[str, Any]]:
        rows = self._all(
            f"SELECT * FROM process_customers WHERE servicekey = ? AND {condition} ORDER BY id", parameters
        )
        return [_process_customer_answer(row) for row in rows]


def _process_customer(row: sqlite3.Row) -> ProcessCustomer:
    return ProcessCustomer(
        id=row["id"],
        fields=json.loads(row["fields"]),
        media=row["media"],
        dialable=bool(row["dialable"]),
        userlogin=row["userlogin"],
    )


def _process_customer_answer(row: sqlite3.Row) -> dict[str, Any]:
    """Return a stored Jodo customer as getProcessData lists it.

    That is the record's fields plus the platform's own (which win over record fields of the
    same name).
    """
    return {
        **json.loads(row["fields"]),
        "customerid": row["id"],
        "dialable": "yes" if row["dialable"] else "no",
        "media": row["media"],
        "userlogin": row["userlogin"],
        "updatedat": row["updatedat"],
    }
