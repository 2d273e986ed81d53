"""Hold the sandbox platform's state in SQLite, and the inspection API tests use to look at it.

`SandboxStore` is every part in one object: the Jodo side (`process_store.py`), the astercc
side (`campaign_store.py`) and the import jobs (`job_queue.py`), over one connection
(`database.py`). The schema is created once when the store opens; request handlers only run
prepared statements.

Times are the platform's wall-clock strings (see `clock.py`). Methods that the APIs combine
into one atomic change are called inside `with store.transaction():`.
"""

from __future__ import annotations

import sqlite3

from jodo_sandbox.campaign_store import CampaignStore
from jodo_sandbox.clock import PlatformClock
from jodo_sandbox.job_queue import ImportJobQueue
from jodo_sandbox.process_store import ProcessStore
from jodo_sandbox.schema import SCHEMA
from jodo_sandbox.seed import SandboxSeed

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a write waits for another process holding a file database before it fails."""


class SandboxStore(ProcessStore, CampaignStore, ImportJobQueue):
    """Keep all platform state. Safe to call from any thread."""

    def __init__(self, db_path: str | None, clock: PlatformClock) -> None:
        """Open (and create the schema of) the database file `db_path`, or an in-memory one for None."""
        super().__init__(_open_database(db_path), clock)

    # --- seeding -------------------------------------------------------------------------

    def seed(self, seed: SandboxSeed) -> None:
        """Create (or, in a reused database file, refresh) the seeded organisations, logins and campaigns.

        Customers and jobs of earlier runs are kept.
        """
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
        organisation = self._one("SELECT id FROM organisations WHERE orgidentity = ?", (orgidentity,))
        assert organisation is not None  # the upsert above wrote it
        org_id = organisation["id"]
        self._write(
            "INSERT OR REPLACE INTO processes (servicekey, org_id) VALUES (?, ?)", (servicekey, org_id)
        )
        return org_id


def _open_database(db_path: str | None) -> sqlite3.Connection:
    # Autocommit mode: `transaction()` issues BEGIN/COMMIT itself, so that methods called
    # outside a transaction commit at once and methods inside one join it.
    connection = sqlite3.connect(
        db_path or ":memory:",
        check_same_thread=False,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_SECONDS,
    )
    connection.row_factory = sqlite3.Row
    if db_path:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.executescript(SCHEMA)
    return connection
