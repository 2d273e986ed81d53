"""Provider metadata read by Airflow through the `apache_airflow_provider` entry point.

`connection-types` registers the `jodo` connection: Airflow 3's UI builds the connection form
from `conn-fields` (stored in the connection's extra) and `ui-field-behaviour` (the standard
fields), and `airflow connections test` finds the hook's `test_connection` through it. `config`
declares the `[jodo]` options (`airflow config list` shows them; the environment sets them as
`AIRFLOW__JODO__<OPTION>`).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from airflow_provider_jodo.enums import PasswordType, UserType
from airflow_provider_jodo.hooks.connection_defaults import EXTRA_DEFAULTS


def _string_field(label: str, description: str, *, secret: bool = False) -> dict:
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if secret:
        schema["format"] = "password"
    return {"label": label, "description": description, "schema": schema}


def _choice_field(name: str, label: str, description: str, choices: type[Enum]) -> dict:
    """Describe a closed set of choices, shown as a select with the connection's default preselected.

    Without a default the form shows "Select Value", which reads as if the setting had none.
    """
    schema = {"type": ["string", "null"], "enum": [m.value for m in choices], "default": EXTRA_DEFAULTS[name]}
    return {"label": label, "description": description, "schema": schema}


def get_provider_info() -> dict[str, Any]:
    """Return the provider's registration for Airflow's ProvidersManager."""
    return {
        "package-name": "airflow-provider-jodo",
        "name": "Jodo",
        "description": "Load customer and lead data into Jodo/astercc contact-center campaigns.",
        # The releases, newest first: pyproject's version and CHANGELOG.md's headings (a test
        # keeps the three in step).
        "versions": ["0.2.0", "0.1.0"],
        "integrations": [
            {
                "integration-name": "Jodo",
                "external-doc-url": "https://github.com/airflow-provider-jodo/airflow-provider-jodo",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "Jodo", "python-modules": ["airflow_provider_jodo.hooks.jodo"]}],
        "operators": [
            {
                "integration-name": "Jodo",
                "python-modules": [
                    "airflow_provider_jodo.operators.jodo",
                    "airflow_provider_jodo.operators.process_data",
                    "airflow_provider_jodo.operators.cji_records",
                    "airflow_provider_jodo.operators.cji_file",
                    "airflow_provider_jodo.operators.stage",
                ],
            }
        ],
        "sensors": [{"integration-name": "Jodo", "python-modules": ["airflow_provider_jodo.sensors.jodo"]}],
        "triggers": [{"integration-name": "Jodo", "python-modules": ["airflow_provider_jodo.triggers.jodo"]}],
        "extra-links": ["airflow_provider_jodo.links.jodo.JodoImportJobLink"],
        # The campaign and process assets (`airflow_provider_jodo.assets`): URIs normalised and
        # checked when an Asset is made, and turned into OpenLineage datasets.
        "asset-uris": [
            {
                "schemes": ["jodo"],
                "handler": "airflow_provider_jodo.assets.sanitize_uri",
                "to_openlineage_converter": "airflow_provider_jodo.assets.convert_asset_to_openlineage",
            }
        ],
        "config": {
            "jodo": {
                "description": "Where the Jodo operators put what a task on another worker must read.",
                "options": {
                    "report_base": {
                        "description": "Where the ImportProcessData operator writes a report when its "
                        "task gives no report_path: a location every worker can read, a URI that "
                        "Airflow's ObjectStoragePath opens (s3://, gs://, abfs://, ...) or a shared "
                        "mount. Each report goes to <report_base>/<dag_id>/<run_id>/<task_id>"
                        "[-<map_index>]-try<try_number>.jsonl. Empty: a new file in the worker's temp "
                        "directory, which tasks on other workers cannot read.\n",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "s3://bucket/jodo-reports",
                        "default": "",
                    },
                    "report_conn_id": {
                        "description": "The Airflow connection of report_base's object store. Empty: "
                        "the store's default connection (or one named in the URI, "
                        "s3://conn_id@bucket/path).\n",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "aws_reports",
                        "default": "",
                    },
                },
            }
        },
        "connection-types": [
            {
                "connection-type": "jodo",
                "hook-class-name": "airflow_provider_jodo.hooks.jodo.JodoHook",
                "hook-name": "Jodo",
                "conn-fields": {
                    "apikey": _string_field("Jodo API key", "The organisation's API key.", secret=True),
                    "servicekey": _string_field(
                        "Jodo service key", "The process (campaign/service) key, e.g. VoiceProcess."
                    ),
                    "usertype": _choice_field(
                        "usertype", "astercc user type", "Log in as an agent or an account.", UserType
                    ),
                    "pwdtype": _choice_field(
                        "pwdtype",
                        "astercc password type",
                        "plaintext, or md5 to send the password's MD5 digest.",
                        PasswordType,
                    ),
                    "timezone": {
                        "label": "Platform time zone",
                        "description": "IANA zone of the platform's wall clock (exetime, reqdatetime).",
                        "schema": {"type": ["string", "null"], "default": EXTRA_DEFAULTS["timezone"]},
                    },
                    "verify_ssl": {
                        "label": "Verify TLS certificates",
                        "description": "Turn off only for a test platform with a self-signed certificate.",
                        "schema": {"type": ["boolean", "null"], "default": True},
                    },
                    "timeout": {
                        "label": "Timeout (seconds)",
                        "description": "The longest one attempt at a call may take, the complete answer "
                        "included (a retry starts a new attempt; see the retry time budget).",
                        "schema": {
                            "type": ["number", "null"],
                            "minimum": 1,
                            "default": EXTRA_DEFAULTS["timeout"],
                        },
                    },
                    "max_answer_bytes": {
                        "label": "Largest answer (bytes)",
                        "description": "An answer beyond this is refused unread (ImportProcessData: "
                        "plus 1 KiB per record of the batch).",
                        "schema": {
                            "type": ["integer", "null"],
                            "minimum": 1,
                            "default": EXTRA_DEFAULTS["max_answer_bytes"],
                        },
                    },
                    "process_data_path": _string_field(
                        "ImportProcessData path", f"Default {EXTRA_DEFAULTS['process_data_path']}."
                    ),
                    "import_cji_path": _string_field(
                        "importCJI path", f"Default {EXTRA_DEFAULTS['import_cji_path']}."
                    ),
                    "import_status_path": _string_field(
                        "Import job status path", f"Default {EXTRA_DEFAULTS['import_status_path']}."
                    ),
                    "max_retries": {
                        "label": "Retries",
                        "description": "Attempts after the first on transient failures (timeouts, lost "
                        "connections, 429, 5xx); 0 disables retries. Vendor refusals are never retried.",
                        "schema": {
                            "type": ["integer", "null"],
                            "minimum": 0,
                            "default": EXTRA_DEFAULTS["max_retries"],
                        },
                    },
                    "retry_backoff": {
                        "label": "Retry backoff (seconds)",
                        "description": "Wait before the first retry, doubled for each further one, with "
                        "jitter; a Retry-After from the platform is honoured.",
                        "schema": {"type": ["number", "null"], "default": EXTRA_DEFAULTS["retry_backoff"]},
                    },
                    "retry_max_seconds": {
                        "label": "Retry time budget (seconds)",
                        "description": "The longest one call may take with its attempts, retries and "
                        "waits; no call outlives it, however slowly the platform answers.",
                        "schema": {
                            "type": ["number", "null"],
                            "default": EXTRA_DEFAULTS["retry_max_seconds"],
                        },
                    },
                    "job_page_path": _string_field(
                        "Import job page path",
                        "The console page of a job, for the task's link; {job_id} is replaced. "
                        f"Default {EXTRA_DEFAULTS['job_page_path']}.",
                    ),
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["extra"],
                    "relabeling": {
                        "host": "Base URL",
                        "schema": "astercc organisation identity",
                        "login": "astercc user (agent number or account)",
                        "password": "astercc password",
                    },
                    "placeholders": {
                        "host": "https://jodo.example.com",
                        "port": "9443",
                        "schema": "myteam",
                        "login": "admin",
                    },
                },
            }
        ],
    }
