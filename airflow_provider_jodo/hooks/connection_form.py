"""The `jodo` connection's form: its extra settings, their defaults, and how Airflow shows them.

Free of Airflow imports: `get_provider_info` reads the declaration while Airflow discovers
providers, when importing Airflow would be wrong (and `connection` parses the settings with the
defaults). The form is declared once, as Airflow 3.2+ reads it (`conn-fields`,
`ui-field-behaviour`); Airflow 3.0 and 3.1 build a connection form from the hook's
`get_connection_form_widgets` and `get_ui_field_behaviour` only, which `form_widgets` and
`field_behaviour` answer from the same declaration.

Their UI turns the wtforms fields into the same JSON Schema (`HookMetaService` swaps in
stand-ins for wtforms' classes). wtforms is imported when Airflow asks, never at import time: it
is not installed with Airflow itself (the FAB provider brings it). Without it, Airflow 3.0 shows
no provider's extra fields (its `HookMetaService` imports wtforms to patch it); 3.1 stands in
for the whole module and shows them.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from airflow_provider_jodo.enums import PasswordType, UserType

DEFAULT_PROCESS_DATA_PATH = "/CustomerWebServices/handleCustomerWS"
DEFAULT_IMPORT_CJI_PATH = "/setevent/importCJI"
DEFAULT_IMPORT_STATUS_PATH = "/setevent/importStatusCJI"
DEFAULT_JOB_PAGE_PATH = "/shelljobs/{job_id}"
"""The console page of an import job. The vendor documents none (its console calls these
shell jobs): the path is a setting, and the sandbox (jodo-sandbox) serves a page at the default."""
JOB_ID_PLACEHOLDER = "{job_id}"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024
"""The largest answer read from the platform (importCJI, status, getProcessData, and the base of
an ImportProcessData answer, which grows with its batch): answers are small, and a huge one is
a broken or hostile platform that must not exhaust the worker's memory."""
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BACKOFF_SECONDS = 1.0
DEFAULT_RETRY_MAX_SECONDS = 120.0
"""The retry settings' defaults, which `connection.RetryPolicy` takes as its own."""

EXTRA_DEFAULTS: dict[str, Any] = {
    "apikey": "",
    "servicekey": "",
    "usertype": UserType.ACCOUNT.value,
    "pwdtype": PasswordType.PLAINTEXT.value,
    "timezone": "UTC",
    "verify_ssl": True,
    "csv_only": True,
    "phone_plus": False,
    "timeout": DEFAULT_TIMEOUT_SECONDS,
    "max_answer_bytes": DEFAULT_MAX_ANSWER_BYTES,
    "process_data_path": DEFAULT_PROCESS_DATA_PATH,
    "import_cji_path": DEFAULT_IMPORT_CJI_PATH,
    "import_status_path": DEFAULT_IMPORT_STATUS_PATH,
    "job_page_path": DEFAULT_JOB_PAGE_PATH,
    "max_retries": DEFAULT_MAX_RETRIES,
    "retry_backoff": DEFAULT_RETRY_BACKOFF_SECONDS,
    "retry_max_seconds": DEFAULT_RETRY_MAX_SECONDS,
}


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


CONN_FIELDS: dict[str, dict[str, Any]] = {
    "apikey": _string_field("Jodo API key", "The organisation's API key.", secret=True),
    "servicekey": _string_field("Jodo service key", "The process (campaign/service) key, e.g. VoiceProcess."),
    "usertype": _choice_field("usertype", "astercc user type", "Log in as an agent or an account.", UserType),
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
    "csv_only": {
        "label": "CSV files only",
        "description": "The platform imports only file URLs whose path ends in .csv (BackMsg_86): "
        "others are refused before any call. Turn off for a platform that takes other files.",
        "schema": {"type": ["boolean", "null"], "default": True},
    },
    "phone_plus": {
        "label": "Phone numbers with +",
        "description": "With an operator's phone_region, numbers are sent in E.164: digits only "
        "(default), or with the leading + when this is on.",
        "schema": {"type": ["boolean", "null"], "default": EXTRA_DEFAULTS["phone_plus"]},
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
    "import_cji_path": _string_field("importCJI path", f"Default {EXTRA_DEFAULTS['import_cji_path']}."),
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
}
"""The connection form's fields for the settings kept in the extra, as JSON Schema (`conn-fields`)."""

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
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
}
"""How the form shows the standard fields (`ui-field-behaviour`)."""

# The form for Airflow 3.0-3.1 ---------------------------------------------------------------


def form_widgets() -> dict[str, Any]:
    """Return one wtforms field per extra setting, keyed by the setting's name in the extra.

    Numbers are text fields (wtforms' stand-ins have none for floats); the settings accept numbers
    as text.
    :raises ImportError: wtforms is not installed (Airflow 3.0 then shows no extra fields).
    """
    from wtforms import BooleanField, IntegerField, PasswordField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, field in CONN_FIELDS.items():
        schema = field["schema"]
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        validators: list[Any] = [Optional()]
        if "enum" in schema:
            validators.append(any_of(schema["enum"]))
        if schema.get("format") == "password":
            field_class = PasswordField
        elif "boolean" in types:
            field_class = BooleanField
        elif "integer" in types:
            field_class = IntegerField
        else:
            field_class = StringField
        widgets[name] = field_class(
            field["label"],
            validators=validators,
            description=field["description"],
            default=schema.get("default"),
        )
    return widgets


def field_behaviour() -> dict[str, Any]:
    """Return `UI_FIELD_BEHAVIOUR` in the hook classmethod's form (underscores for hyphens)."""
    return {key.replace("-", "_"): value for key, value in UI_FIELD_BEHAVIOUR.items()}
