"""The defaults of a `jodo` connection's settings, free of Airflow imports.

`get_provider_info` reads them while Airflow discovers providers, when importing Airflow would
be wrong (and `connection_settings` parses with them).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_jodo.enums import PasswordType, UserType
from airflow_provider_jodo.hooks.retry_policy import RetryPolicy

DEFAULT_PROCESS_DATA_PATH = "/CustomerWebServices/handleCustomerWS"
DEFAULT_IMPORT_CJI_PATH = "/setevent/importCJI"
DEFAULT_IMPORT_STATUS_PATH = "/setevent/importStatusCJI"
DEFAULT_JOB_PAGE_PATH = "/shelljobs/{job_id}"
"""The console page of an import job. The vendor documents none (its console calls these
shell jobs): the path is a setting, and the bundled sandbox serves a page at the default."""
JOB_ID_PLACEHOLDER = "{job_id}"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024
"""The largest answer read from the platform (importCJI, status, getProcessData, and the base of
an ImportProcessData answer, which grows with its batch): answers are small, and a huge one is
a broken or hostile platform that must not exhaust the worker's memory."""

EXTRA_DEFAULTS: dict[str, Any] = {
    "apikey": "",
    "servicekey": "",
    "usertype": UserType.ACCOUNT.value,
    "pwdtype": PasswordType.PLAINTEXT.value,
    "timezone": "UTC",
    "verify_ssl": True,
    "timeout": DEFAULT_TIMEOUT_SECONDS,
    "max_answer_bytes": DEFAULT_MAX_ANSWER_BYTES,
    "process_data_path": DEFAULT_PROCESS_DATA_PATH,
    "import_cji_path": DEFAULT_IMPORT_CJI_PATH,
    "import_status_path": DEFAULT_IMPORT_STATUS_PATH,
    "job_page_path": DEFAULT_JOB_PAGE_PATH,
    "max_retries": RetryPolicy.max_retries,
    "retry_backoff": RetryPolicy.backoff,
    "retry_max_seconds": RetryPolicy.max_seconds,
}
