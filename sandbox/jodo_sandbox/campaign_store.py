"""Keep the astercc side of the sandbox platform: logins, campaigns, their customers and dial lists.

A campaign has its own customer table, or uses the organisation's main customer table, where
its customers are those in the campaign's package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jodo_sandbox.campaign_form import CAMPAIGN_FIELDS, DUPLICATE_KEY_FIELD
from jodo_sandbox.database import StoreDatabase


@dataclass(frozen=True)
class Agent:
    """Hold an astercc agent login."""

    number: str
    password: str
    enabled: bool


@dataclass(frozen=True)
class Campaign:
    """Hold an astercc campaign; `package` is set only for campaigns on the main customer table."""

    id: int
    org_id: int
    main_table: bool
    package: str | None


@dataclass(frozen=True)
class CampaignCustomer:
    """Hold a customer as a campaign import sees it: form fields, status, agent and package."""

    id: int
    fields: dict[str, str]
    status: str
    agent: str | None
    package: str | None


@dataclass(frozen=True)
class DialEntry:
    """Hold a customer's place in a campaign's dial list."""

    phone: str
    priority: str | None
    dialtime: str | None


class CampaignStore(StoreDatabase):
    """Look up astercc logins and campaigns, and change campaign customers and dial lists."""

    def organisation_of_identity(self, orgidentity: str) -> int | None:
        """Return the organisation id of an astercc `orgidentity`, or None."""
        row = self._one("SELECT id FROM organisations WHERE orgidentity = ?", (orgidentity,))
        return row["id"] if row else None

    def agent(self, org_id: int, number: str) -> Agent | None:
        """Return an agent of the organisation, or None."""
        row = self._one("SELECT * FROM agents WHERE org_id = ? AND number = ?", (org_id, number))
        return Agent(row["number"], row["password"], bool(row["enabled"])) if row else None

    def account_password(self, org_id: int, username: str) -> str | None:
        """Return the stored password of an astercc account, or None when there is no such account."""
        row = self._one(
            "SELECT password FROM astercc_accounts WHERE org_id = ? AND username = ?", (org_id, username)
        )
        return row["password"] if row else None

    def campaign(self, campaign_id: int) -> Campaign | None:
        """Return a campaign of any organisation, or None."""
        row = self._one("SELECT * FROM campaigns WHERE id = ?", (campaign_id,))
        return Campaign(row["id"], row["org_id"], bool(row["main_table"]), row["package"]) if row else None

    def find_campaign_customer(self, campaign: Campaign, phone1: str) -> CampaignCustomer | None:
        """Return the customer a record with this phone1 duplicates, or None.

        The duplicate is looked for in the campaign's own table, or anywhere in the organisation's
        main table for a main-table campaign.
        """
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
        """Add a customer to the campaign and return its id.

        A main-table campaign's customer goes to the main table, in the campaign's package.
        """
        names = [name for name in CAMPAIGN_FIELDS if name in fields]
        return self._insert(
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
        """Return the customer's entry in the campaign's dial list, or None."""
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

    # --- inspection and setup API for tests -----------------------------------------------

    def campaign_customers(self, campaign_id: int) -> list[dict[str, Any]]:
        """Return the customers a campaign holds: `id`, the form fields, `status`, `agent`, `package`.

        For a main-table campaign these are the main table's customers in its package.
        """
        campaign = self._require_campaign(campaign_id)
        parameters: tuple[int | str | None, ...]
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
        """Return a campaign's dial list in the order entries were first made."""
        rows = self._all(
            "SELECT customer_id, phone, priority, dialtime FROM dial_list WHERE campaign_id = ? ORDER BY id",
            (campaign_id,),
        )
        return [dict(row) for row in rows]

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
