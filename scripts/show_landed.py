"""Print what landed in a sandbox campaign: its customers and its dial list.

`make demo` runs the sandbox as a separate process with a database file; this reads that file
(the sandbox keeps it in WAL mode, so reading beside a running sandbox is safe).
Usage: python scripts/show_landed.py SANDBOX_DB CAMPAIGN_ID
"""

from __future__ import annotations

import sys

from jodo_sandbox.clock import PlatformClock
from jodo_sandbox.store import SandboxStore


def main(db_path: str, campaign_id: int) -> None:
    store = SandboxStore(db_path, PlatformClock("UTC"))
    try:
        customers = store.campaign_customers(campaign_id)
        print(f"\nCampaign {campaign_id} holds {len(customers)} customers:")
        for customer in customers:
            email = customer["email"] or ""
            print(f"  {customer['name']:<12} {customer['phone1']:<15} {email:<20} {customer['status']}")
        dial_list = store.dial_list(campaign_id)
        print(f"Dial list of campaign {campaign_id}: {len(dial_list)} entries")
        for entry in dial_list:
            print(f"  {entry['phone']:<15} priority={entry['priority']}")
    finally:
        store.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
