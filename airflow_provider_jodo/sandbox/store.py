"""The sandbox platform's state in SQLite, and the inspection API tests use to look at it.

One connection serves every thread, guarded by one re-entrant lock: SQLite serialises writers
anyway, and a single in-memory database cannot be shared between connections. The schema is
created once when the store opens; request handlers only run prepared statements.

Times are the platform's wall-clock strings (see `clock.py`). Methods that the APIs combine
into one atomic change are called inside `with store.transaction():`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_jodo.enums import JobState, UpdateKey
from airflow_provider_jodo.sandbox.campaign_form import CAMPAIGN_FIELDS, DUPLICATE_KEY_FIELD
from airflow_provider_jodo.sandbox.clock import PlatformClock
from airflow_provider_jodo.sandbox.schema import JOB_COUNTS, SCHEMA, UPDATE_KEY_COLUMNS
from airflow_provider_jodo.sandbox.seed import SandboxSeed

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a write waits for another process holding a file database before it fails."""


@dataclass(frozen=True)
class Agent:
    """An astercc agent login."""

    number: str
    password: str
    enabled: bool


@dataclass(frozen=True)
class Campaign:
    """An astercc campaign; `package` is set only for campaigns on the main customer table."""

    id: int
    org_id: int
    main_table: bool
    package: str | None


@dataclass(frozen=True)
class CampaignCustomer:
    """A customer as a campaign import sees it: form fields, status, agent and package."""

    id: int
    fields: dict[str, str]
    status: str
    agent: str | None
    package: str | None


@dataclass(frozen=True)
class DialEntry:
    """A customer's place in a campaign's dial list."""

    phone: str
    priority: str | None
    dialtime: str | None


@dataclass
class ProcessCustomer:
    """A Jodo customer of one process; `id` is None until it is first stored."""

    id: int | None
    fields: dict[str, str]
    media: int
    dialable: bool
    userlogin: str | None


@dataclass(frozen=True)
class QueuedImportJob:
    """What the scheduler needs to run an import job; `options` are its policy parameters as
    they came over the wire."""

    id: int
    campaign_id: int
    source: str
    url: str
    source_user: str
    source_pwd: str = field(repr=False)
    delrow: int
    options: dict[str, str]


@dataclass(frozen=True)
class JobError:
    """A rejected CSV row (`row` is its line number) or, with `row` None, a failed file."""

    row: int | None
    code: str
    message: str


class SandboxStore:
    """All platform state. Safe to call from any thread."""

    def __init__(self, db_path: str | None, clock: PlatformClock) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        # Autocommit mode: `transaction()` issues BEGIN/COMMIT itself, so that methods called
        # outside a transaction commit at once and methods inside one join it.
        self._connection = sqlite3.connect(
            db_path or ":memory:",
            check_same_thread=False,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_SECONDS,
        )
        self._connection.row_factory = sqlite3.Row
        if db_path:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute("PRAGMA foreign_keys=ON")
        self._connection.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database; the store is unusable afterwards."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the enclosed store calls as one atomic change, holding the lock throughout."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._connection.execute("COMMIT")
            except BaseException:
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                raise

    def _all(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    def _one(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchone()

    def _write(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._connection.execute(sql, parameters)

    def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._connection.executemany(sql, rows)

    # --- seeding -------------------------------------------------------------------------

    def seed(self, seed: SandboxSeed) -> None:
        """Create (or, in a reused database file, refresh) the seeded organisations, logins
        and campaigns. Customers and jobs of earlier runs are kept."""
        with self.transaction():
            org_id = self._seed_organisation(seed.orgidentity, seed.apikey, seed.servicekey)
            other_org_id = self._seed_organisation(
                seed.other_orgidentity, seed.other_apikey, seed.other_servicekey
            )
            self._write(
                "INSERT OR IGNORE INTO jodo_users (org_id, login) VALUES (?, ?)",
                (org_id, seed.jodo_userlogin),
            )
            self._write(
                "INSERT OR REPLACE INTO astercc_accounts (org_id, username, password) VALUES (?, ?, ?)",
                (org_id, seed.account_user, seed.account_password),
            )
            self._write_many(
                "INSERT OR REPLACE INTO agents (org_id, number, password, enabled) VALUES (?, ?, ?, ?)",
                [
                    (org_id, seed.agent_number, seed.agent_password, 1),
                    (org_id, seed.disabled_agent_number, seed.disabled_agent_password, 0),
                ],
            )
            campaigns = [
                (seed.own_table_campaign_id, org_id, "Own customer table", 0, None),
                *(
                    (
                        campaign_id,
                        org_id,
                        f"Main customer table {campaign_id}",
                        1,
                        seed.package_of(campaign_id),
                    )
                    for campaign_id in seed.main_table_campaign_ids
                ),
                (seed.other_campaign_id, other_org_id, "Other organisation", 0, None),
            ]
            self._write_many(
                "INSERT INTO campaigns (id, org_id, name, main_table, package) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET org_id = excluded.org_id, name = excluded.name, "
                "main_table = excluded.main_table, package = excluded.package",
                campaigns,
            )

    def _seed_organisation(self, orgidentity: str, apikey: str, servicekey: str) -> int:
        # Upsert then select rather than RETURNING, which needs SQLite 3.35.
        self._write(
            "INSERT INTO organisations (orgidentity, apikey) VALUES (?, ?) "
            "ON CONFLICT(orgidentity) DO UPDATE SET apikey = excluded.apikey",
            (orgidentity, apikey),
        )
        org_id = self._one("SELECT id FROM organisations WHERE orgidentity = ?", (orgidentity,))["id"]
        self._write(
            "INSERT OR REPLACE INTO processes (servicekey, org_id) VALUES (?, ?)", (servicekey, org_id)
        )
        return org_id

    # --- Jodo: keys, users, process customers ---------------------------------------------

    def organisation_of_apikey(self, apikey: str) -> int | None:
        """The organisation id an API key belongs to, or None."""
        row = self._one("SELECT id FROM organisations WHERE apikey = ?", (apikey,))
        return row["id"] if row else None

    def organisation_of_process(self, servicekey: str) -> int | None:
        """The organisation id a process (service key) belongs to, or None."""
        row = self._one("SELECT org_id FROM processes WHERE servicekey = ?", (servicekey,))
        return row["org_id"] if row else None

    def jodo_user_exists(self, org_id: int, login: str) -> bool:
        """True when `login` is a Jodo user of the organisation."""
        return (
            self._one("SELECT 1 FROM jodo_users WHERE org_id = ? AND login = ?", (org_id, login)) is not None
        )

    def find_process_customers(
        self, servicekey: str, update_key: UpdateKey, values: Sequence[str]
    ) -> dict[str, ProcessCustomer]:
        """Stored customers of a process whose update-key field has one of `values`, by value.
        When several match a value (possible after updates by another key) the oldest wins."""
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
        """getProcessData by mobile number, customer code or CRM unique field, in its wire shape."""
        return self._process_customer_answers(f"{key.value} = ?", (servicekey, value))

    def process_customers_written_between(
        self, servicekey: str, fromdate: str, todate: str
    ) -> list[dict[str, Any]]:
        """getProcessData by date range: customers last written on a date (platform time zone)
        from `fromdate` to `todate` (`YYYY-MM-DD`, both inclusive), in its wire shape."""
        return self._process_customer_answers(
            "substr(updatedat, 1, 10) BETWEEN ? AND ?", (servicekey, fromdate, todate)
        )

    def _process_customer_answers(self, condition: str, parameters: Sequence[str]) -> list[dict[str, Any]]:
        rows = self._all(
            f"SELECT * FROM process_customers WHERE servicekey = ? AND {condition} ORDER BY id", parameters
        )
        return [_process_customer_answer(row) for row in rows]

    # --- astercc: logins, campaigns, customers, dial list ---------------------------------

    def organisation_of_identity(self, orgidentity: str) -> int | None:
        """The organisation id of an astercc `orgidentity`, or None."""
        row = self._one("SELECT id FROM organisations WHERE orgidentity = ?", (orgidentity,))
        return row["id"] if row else None

    def agent(self, org_id: int, number: str) -> Agent | None:
        """An agent of the organisation, or None."""
        row = self._one("SELECT * FROM agents WHERE org_id = ? AND number = ?", (org_id, number))
        return Agent(row["number"], row["password"], bool(row["enabled"])) if row else None

    def account_password(self, org_id: int, username: str) -> str | None:
        """The stored password of an astercc account, or None when there is no such account."""
        row = self._one(
            "SELECT password FROM astercc_accounts WHERE org_id = ? AND username = ?", (org_id, username)
        )
        return row["password"] if row else None

    def campaign(self, campaign_id: int) -> Campaign | None:
        """A campaign of any organisation, or None."""
        row = self._one("SELECT * FROM campaigns WHERE id = ?", (campaign_id,))
        return Campaign(row["id"], row["org_id"], bool(row["main_table"]), row["package"]) if row else None

    def find_campaign_customer(self, campaign: Campaign, phone1: str) -> CampaignCustomer | None:
        """The customer a record with this phone1 duplicates: in the campaign's own table, or
        anywhere in the organisation's main table for a main-table campaign."""
        row = self._one(
            "SELECT * FROM campaign_customers WHERE org_id = ? AND campaign_id IS ? "
            f"AND {DUPLICATE_KEY_FIELD} = ? ORDER BY id LIMIT 1",
            (campaign.org_id, None if campaign.main_table else campaign.id, phone1),
        )
        if row is None:
            return None
        return CampaignCustomer(
            id=row["id"],
            fields={name: row[name] for name in CAMPAIGN_FIELDS},
            status=row["status"],
            agent=row["agent"],
            package=row["package"],
        )

    def insert_campaign_customer(self, campaign: Campaign, fields: Mapping[str, str], status: str) -> int:
        """Add a customer to the campaign (to the main table in the campaign's package for a
        main-table campaign); returns its id."""
        names = [name for name in CAMPAIGN_FIELDS if name in fields]
        cursor = self._write(
            f"INSERT INTO campaign_customers (org_id, campaign_id, package, status, {', '.join(names)}) "
            f"VALUES (?, ?, ?, ?{', ?' * len(names)})",
            (
                campaign.org_id,
                None if campaign.main_table else campaign.id,
                campaign.package,
                status,
                *(fields[name] for name in names),
            ),
        )
        return cursor.lastrowid

    def update_campaign_customer(self, customer_id: int, changes: Mapping[str, str | None]) -> None:
        """Set form fields, `status`, `agent` or `package` of a customer."""
        allowed = {*CAMPAIGN_FIELDS, "status", "agent", "package"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} of a campaign customer")
        self._write(
            f"UPDATE campaign_customers SET {', '.join(f'{name} = ?' for name in changes)} WHERE id = ?",
            (*changes.values(), customer_id),
        )

    def dial_entry(self, campaign_id: int, customer_id: int) -> DialEntry | None:
        """The customer's entry in the campaign's dial list, or None."""
        row = self._one(
            "SELECT phone, priority, dialtime FROM dial_list WHERE campaign_id = ? AND customer_id = ?",
            (campaign_id, customer_id),
        )
        return DialEntry(row["phone"], row["priority"], row["dialtime"]) if row else None

    def put_dial_entry(self, campaign_id: int, customer_id: int, entry: DialEntry) -> None:
        """Put the customer in the campaign's dial list, replacing its earlier entry if any."""
        self._write(
            "INSERT INTO dial_list (campaign_id, customer_id, phone, priority, dialtime) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(campaign_id, customer_id) DO UPDATE SET "
            "phone = excluded.phone, priority = excluded.priority, dialtime = excluded.dialtime",
            (campaign_id, customer_id, entry.phone, entry.priority, entry.dialtime),
        )

    # --- import jobs ----------------------------------------------------------------------

    def create_import_job(
        self,
        org_id: int,
        campaign_id: int,
        source: str,
        url: str,
        source_user: str,
        source_pwd: str,
        delrow: int,
        options: Mapping[str, str],
        exetime: str,
    ) -> int:
        """Schedule an import job to run at `exetime` (platform wall-clock); returns its id."""
        cursor = self._write(
            "INSERT INTO import_jobs (org_id, campaign_id, source, url, source_user, source_pwd, delrow, "
            "options, state, exetime) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                org_id,
                campaign_id,
                source,
                url,
                source_user,
                source_pwd,
                delrow,
                json.dumps(dict(options)),
                JobState.SCHEDULED.value,
                exetime,
            ),
        )
        return cursor.lastrowid

    def claim_due_import_job(self) -> QueuedImportJob | None:
        """Mark the oldest scheduled job whose `exetime` has come as running and return it."""
        now = self._clock.now_text()
        with self.transaction():
            row = self._one(
                "SELECT * FROM import_jobs WHERE state = ? AND exetime <= ? ORDER BY exetime, id LIMIT 1",
                (JobState.SCHEDULED.value, now),
            )
            if row is None:
                return None
            self._write(
                "UPDATE import_jobs SET state = ?, started = ? WHERE id = ?",
                (JobState.RUNNING.value, now, row["id"]),
            )
        return QueuedImportJob(
            id=row["id"],
            campaign_id=row["campaign_id"],
            source=row["source"],
            url=row["url"],
            source_user=row["source_user"],
            source_pwd=row["source_pwd"],
            delrow=row["delrow"],
            options=json.loads(row["options"]),
        )

    def record_import_job_progress(
        self,
        job_id: int,
        counts: Mapping[str, int],
        new_errors: Sequence[JobError],
        state: JobState | None = None,
    ) -> None:
        """Save a running job's counts and newly rejected rows; with a final `state`, finish it."""
        finished = self._clock.now_text() if state is not None else None
        with self.transaction():
            self._write(
                f"UPDATE import_jobs SET {''.join(f'{count} = ?, ' for count in JOB_COUNTS)}"
                "state = coalesce(?, state), finished = coalesce(?, finished) WHERE id = ?",
                (*(counts.get(count, 0) for count in JOB_COUNTS), state and state.value, finished, job_id),
            )
            self._write_many(
                "INSERT INTO import_job_errors (job_id, row, code, message) VALUES (?, ?, ?, ?)",
                [(job_id, error.row, error.code, error.message) for error in new_errors],
            )

    def import_job_of_organisation(self, org_id: int, job_id: int) -> dict[str, Any] | None:
        """The status answer of a job of this organisation, or None (unknown or not its own)."""
        row = self._one("SELECT * FROM import_jobs WHERE id = ? AND org_id = ?", (job_id, org_id))
        return self._import_job_answer(row) if row else None

    def import_jobs_for_file(self, org_id: int, campaign_id: int, url: str) -> list[dict[str, Any]]:
        """Status answers of this organisation's jobs importing `url` into the campaign, newest
        first (at most 20)."""
        rows = self._all(
            "SELECT * FROM import_jobs WHERE org_id = ? AND campaign_id = ? AND url = ? "
            "ORDER BY id DESC LIMIT 20",
            (org_id, campaign_id, url),
        )
        return [self._import_job_answer(row) for row in rows]

    def _import_job_answer(self, row: sqlite3.Row) -> dict[str, Any]:
        errors = self._all(
            "SELECT row, code, message FROM import_job_errors WHERE job_id = ? ORDER BY rowid", (row["id"],)
        )
        return {
            "jobid": str(row["id"]),
            "state": row["state"],
            "total": sum(row[count] for count in JOB_COUNTS),
            **{count: row[count] for count in JOB_COUNTS},
            "errors": [
                {"row": error["row"], "code": error["code"], "message": error["message"]} for error in errors
            ],
            "exetime": row["exetime"],
            "started": row["started"],
            "finished": row["finished"],
            # What the job was submitted with (never source_pwd): how a client whose submission
            # answer was lost tells its job from another's (protocol-decisions.md).
            "model_id": str(row["campaign_id"]),
            "source": row["source"],
            "context": row["url"],
            "delrow": str(row["delrow"]),
            **json.loads(row["options"]),
        }

    # --- inspection and setup API for tests -----------------------------------------------

    def process_customers(self, servicekey: str) -> list[dict[str, Any]]:
        """All customers of a Jodo process, in getProcessData's record shape, oldest first."""
        return self._process_customer_answers("1", (servicekey,))

    def campaign_customers(self, campaign_id: int) -> list[dict[str, Any]]:
        """The customers a campaign holds (for a main-table campaign: the main table's
        customers in its package): `id`, the form fields, `status`, `agent`, `package`."""
        campaign = self._require_campaign(campaign_id)
        if campaign.main_table:
            condition, parameters = "campaign_id IS NULL AND package = ?", (campaign.org_id, campaign.package)
        else:
            condition, parameters = "campaign_id = ?", (campaign.org_id, campaign.id)
        rows = self._all(
            f"SELECT * FROM campaign_customers WHERE org_id = ? AND {condition} ORDER BY id", parameters
        )
        return [
            {
                "id": row["id"],
                **{name: row[name] for name in CAMPAIGN_FIELDS},
                "status": row["status"],
                "agent": row["agent"],
                "package": row["package"],
            }
            for row in rows
        ]

    def dial_list(self, campaign_id: int) -> list[dict[str, Any]]:
        """A campaign's dial list in the order entries were first made."""
        rows = self._all(
            "SELECT customer_id, phone, priority, dialtime FROM dial_list WHERE campaign_id = ? ORDER BY id",
            (campaign_id,),
        )
        return [dict(row) for row in rows]

    def import_job(self, job_id: int | str) -> dict[str, Any]:
        """A job's status answer, whatever its organisation; `job_id` as importCJI answered it
        (a string) or as a number. KeyError for an unknown job."""
        row = self._one("SELECT * FROM import_jobs WHERE id = ?", (int(job_id),))
        if row is None:
            raise KeyError(f"no import job {job_id}")
        return self._import_job_answer(row)

    def import_job_ids_by_file(self) -> dict[tuple[int, str], list[str]]:
        """(campaign id, file URL) -> the ids of every job importing that file into that
        campaign, oldest first: how tests count duplicate jobs on the platform's side."""
        jobs: dict[tuple[int, str], list[str]] = {}
        for row in self._all("SELECT id, campaign_id, url FROM import_jobs ORDER BY id"):
            jobs.setdefault((row["campaign_id"], row["url"]), []).append(str(row["id"]))
        return jobs

    def set_customer_status(self, campaign_id: int, phone1: str, status: str) -> None:
        """Set a campaign customer's status, as a finished call would (e.g. `success`)."""
        self._change_customer(campaign_id, phone1, {"status": status})

    def assign_agent(self, campaign_id: int, phone1: str, agent: str | None) -> None:
        """Assign a campaign customer to an agent number (None: unassign)."""
        self._change_customer(campaign_id, phone1, {"agent": agent})

    def set_customer_package(self, campaign_id: int, phone1: str, package: str | None) -> None:
        """Move a main-table customer to a package (None: to no package), as the console can."""
        if not self._require_campaign(campaign_id).main_table:
            raise ValueError(f"campaign {campaign_id} does not use the main customer table")
        self._change_customer(campaign_id, phone1, {"package": package})

    def cancel_job(self, job_id: int | str) -> bool:
        """Cancel a job that has not started; False when it is already running or done.
        KeyError for an unknown job."""
        cursor = self._write(
            "UPDATE import_jobs SET state = ?, finished = ? WHERE id = ? AND state = ?",
            (JobState.CANCELLED.value, self._clock.now_text(), int(job_id), JobState.SCHEDULED.value),
        )
        if cursor.rowcount == 0:
            self.import_job(job_id)  # raises KeyError when the job does not exist
        return cursor.rowcount == 1

    def _require_campaign(self, campaign_id: int) -> Campaign:
        campaign = self.campaign(campaign_id)
        if campaign is None:
            raise KeyError(f"no campaign {campaign_id}")
        return campaign

    def _change_customer(self, campaign_id: int, phone1: str, changes: Mapping[str, str | None]) -> None:
        with self.transaction():
            customer = self.find_campaign_customer(self._require_campaign(campaign_id), phone1)
            if customer is None:
                raise KeyError(f"campaign {campaign_id} has no customer with phone1={phone1!r}")
            self.update_campaign_customer(customer.id, changes)


def _process_customer(row: sqlite3.Row) -> ProcessCustomer:
    return ProcessCustomer(
        id=row["id"],
        fields=json.loads(row["fields"]),
        media=row["media"],
        dialable=bool(row["dialable"]),
        userlogin=row["userlogin"],
    )


def _process_customer_answer(row: sqlite3.Row) -> dict[str, Any]:
    """A stored Jodo customer as getProcessData lists it: the record's fields plus the
    platform's own (which win over record fields of the same name)."""
    return {
        **json.loads(row["fields"]),
        "customerid": row["id"],
        "dialable": "yes" if row["dialable"] else "no",
        "media": row["media"],
        "userlogin": row["userlogin"],
        "updatedat": row["updatedat"],
    }
