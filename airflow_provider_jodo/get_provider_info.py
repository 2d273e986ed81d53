"""Provider metadata read by Airflow through the `apache_airflow_provider` entry point.

`connection-types` registers the `jodo` connection: Airflow 3.2+'s UI builds the connection form
from `conn-fields` (stored in the connection's extra) and `ui-field-behaviour` (the standard
fields; 3.0-3.1 ask the hook's classmethods for the same, `hooks.connection_form`), and
`airflow connections test` finds the hook's `test_connection` through it. `config` declares
the `[jodo]` options (`airflow config list` shows them; the environment sets them as
`AIRFLOW__JODO__<OPTION>`).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_jodo.hooks.connection_form import CONN_FIELDS, UI_FIELD_BEHAVIOUR


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
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
    }
