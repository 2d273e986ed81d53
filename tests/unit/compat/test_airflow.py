"""`compat.airflow` gives each name from where the running Airflow has it.

On Airflow 3.3 every name is `airflow.sdk`'s own; `make test-matrix` runs the same tests, and the
whole suite, on 3.0-3.2, where the fallbacks serve.
"""

import asyncio
import json
import warnings

import pytest

from airflow_provider_jodo.compat import airflow as compat
from tests.support.airflow_versions import airflow_at_least

ON_AIRFLOW_3_3 = airflow_at_least("3.3")


@pytest.mark.skipif(not ON_AIRFLOW_3_3, reason="the SDK has these names from Airflow 3.3")
def test_on_airflow_3_3_every_name_is_the_sdks_own():
    import airflow.sdk
    import airflow.sdk.exceptions
    import airflow.sdk.log

    assert compat.BaseHook is airflow.sdk.BaseHook
    assert compat.conf is airflow.sdk.conf
    for name in ("AirflowException", "AirflowFailException", "AirflowSkipException"):
        assert getattr(compat, name) is getattr(airflow.sdk.exceptions, name)
    assert compat.AirflowSensorTimeout is airflow.sdk.exceptions.AirflowSensorTimeout
    assert compat.TaskDeferred is airflow.sdk.exceptions.TaskDeferred
    assert compat.amask_secret is airflow.sdk.log.amask_secret
    assert compat.mask_secret is airflow.sdk.log.mask_secret


def test_the_exceptions_are_the_ones_this_airflow_raises_and_catches():
    with pytest.raises(compat.AirflowException):
        raise compat.AirflowFailException("no retry helps")
    # The task runner of 3.0-3.1 catches airflow.exceptions'; 3.2+ keep the SDK's there too
    # (3.3 with a deprecation warning, which is not what this test is about).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import airflow.exceptions

        assert compat.AirflowFailException is airflow.exceptions.AirflowFailException
        assert compat.AirflowSkipException is airflow.exceptions.AirflowSkipException


def test_conf_reads_airflow_settings(monkeypatch):
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_BASE", "s3://bucket/reports")
    assert compat.conf.get("jodo", "report_base") == "s3://bucket/reports"


def test_a_connection_and_its_extra_load_from_async_code(monkeypatch):
    extra = {"apikey": "api-key-123", "timezone": "Asia/Shanghai"}
    connection = {"conn_type": "jodo", "host": "https://jodo.example.com", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_JODO_COMPAT", json.dumps(connection))

    async def load():
        conn = await compat.get_async_connection("jodo_compat")
        return conn, await compat.get_async_extra_dejson(conn)

    conn, loaded = asyncio.run(load())
    assert (conn.conn_id, conn.host) == ("jodo_compat", "https://jodo.example.com")
    assert loaded == extra


def test_amask_secret_masks_from_async_code():
    try:
        from airflow.sdk._shared.secrets_masker import redact
    except ImportError:  # Airflow 3.0
        from airflow.sdk.execution_time.secrets_masker import redact

    asyncio.run(compat.amask_secret("compat-secret-4711"))
    assert "compat-secret-4711" not in str(redact("the key is compat-secret-4711"))


def test_the_task_state_store_when_the_context_has_one():
    store = object()
    assert compat.task_state_store({"task_state_store": store}) is store
    assert compat.task_state_store({"ti": object()}) is None  # Airflow 3.0-3.2
    assert compat.task_state_store(None) is None
