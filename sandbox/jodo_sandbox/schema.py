"""The sandbox platform's SQLite schema, created once when the store opens.

Jodo side: organisations (API keys), processes (service keys), Jodo users and process
customers. astercc side: accounts, agents, campaigns (own customer table, or the main customer
table with a package), campaign customers, the dial list, and import jobs with their errors.
"""

from __future__ import annotations

from airflow_provider_jodo.enums import UpdateKey
from jodo_sandbox.campaign_form import CAMPAIGN_FIELDS, DUPLICATE_KEY_FIELD

JOB_COUNTS = ("inserted", "updated", "skipped", "failed")
"""The per-outcome counters of an import job; they add up to its `total`."""

UPDATE_KEY_COLUMNS = tuple(key.value for key in UpdateKey)
"""Copies of the Jodo update-key fields, as indexed columns of process_customers."""

_CAMPAIGN_FIELD_COLUMNS = ", ".join(f"{name} TEXT NOT NULL DEFAULT ''" for name in CAMPAIGN_FIELDS)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS organisations (
    id INTEGER PRIMARY KEY,
    orgidentity TEXT NOT NULL UNIQUE,
    apikey TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS processes (
    servicekey TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id)
);
CREATE TABLE IF NOT EXISTS jodo_users (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    login TEXT NOT NULL,
    PRIMARY KEY (org_id, login)
);
-- Jodo customers of one process; `fields` is the merged JSON object of every record pushed
-- for the customer, the update-key columns are copies of it for indexed look-up.
CREATE TABLE IF NOT EXISTS process_customers (
    id INTEGER PRIMARY KEY,
    servicekey TEXT NOT NULL REFERENCES processes(servicekey),
    {", ".join(f"{column} TEXT" for column in UPDATE_KEY_COLUMNS)},
    fields TEXT NOT NULL,
    media INTEGER NOT NULL,
    dialable INTEGER NOT NULL,
    userlogin TEXT,
    updatedat TEXT NOT NULL
);
{
    "".join(
        f"CREATE INDEX IF NOT EXISTS process_customers_{column} ON process_customers(servicekey, {column});"
        for column in UPDATE_KEY_COLUMNS
    )
}
CREATE TABLE IF NOT EXISTS astercc_accounts (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    username TEXT NOT NULL,
    password TEXT NOT NULL,
    PRIMARY KEY (org_id, username)
);
CREATE TABLE IF NOT EXISTS agents (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    number TEXT NOT NULL,
    password TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    PRIMARY KEY (org_id, number)
);
-- A campaign on the main customer table has a package: its customers are the main table's
-- customers assigned to that package.
CREATE TABLE IF NOT EXISTS campaigns (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    main_table INTEGER NOT NULL,
    package TEXT
);
-- campaign_id is NULL for rows of the organisation's main customer table.
CREATE TABLE IF NOT EXISTS campaign_customers (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    campaign_id INTEGER REFERENCES campaigns(id),
    package TEXT,
    {_CAMPAIGN_FIELD_COLUMNS},
    status TEXT NOT NULL,
    agent TEXT
);
CREATE INDEX IF NOT EXISTS campaign_customers_phone
    ON campaign_customers(org_id, campaign_id, {DUPLICATE_KEY_FIELD});
CREATE TABLE IF NOT EXISTS dial_list (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    customer_id INTEGER NOT NULL REFERENCES campaign_customers(id),
    phone TEXT NOT NULL,
    priority TEXT,
    dialtime TEXT,
    UNIQUE (campaign_id, customer_id)
);
CREATE TABLE IF NOT EXISTS import_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    source_user TEXT NOT NULL,
    source_pwd TEXT NOT NULL,
    delrow INTEGER NOT NULL,
    options TEXT NOT NULL,
    state TEXT NOT NULL,
    {", ".join(f"{count} INTEGER NOT NULL DEFAULT 0" for count in JOB_COUNTS)},
    exetime TEXT NOT NULL,
    started TEXT,
    finished TEXT
);
CREATE INDEX IF NOT EXISTS import_jobs_due ON import_jobs(state, exetime);
CREATE TABLE IF NOT EXISTS import_job_errors (
    job_id INTEGER NOT NULL REFERENCES import_jobs(id),
    row INTEGER,
    code TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS import_job_errors_job ON import_job_errors(job_id);
"""
