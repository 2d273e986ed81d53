"""What the provider takes from Airflow, imported from where each supported minor (3.0-3.3) has it.

The package imports these names from here, never from ``airflow.sdk`` directly, when an older
minor lacks them there. Each comes from ``airflow.sdk`` when the running Airflow has it there,
otherwise from the fallback:

======================== ============================ ==============================================
name                     in ``airflow.sdk`` since     fallback (older minors)
======================== ============================ ==============================================
``BaseHook``             3.1                          ``airflow.hooks.base.BaseHook``
``conf``                 3.2                          ``airflow.configuration.conf``
``AirflowException``     3.1 (``sdk.exceptions``)     ``airflow.exceptions``
``AirflowFailException`` 3.2 (``sdk.exceptions``)     ``airflow.exceptions``; likewise
                                                      ``AirflowSkipException``,
                                                      ``AirflowSensorTimeout``, ``TaskDeferred``
``amask_secret``         3.3 (``sdk.log``)            ``mask_secret`` run through asgiref's
                                                      ``sync_to_async``, as the triggerer of
                                                      3.0-3.2 asks of synchronous SDK calls
``aget_connection``      3.1 (``BaseHook``)           ``BaseHook.get_connection`` through
                                                      ``sync_to_async``
``aextra_dejson``        3.3 (``Connection``)         ``Connection.extra_dejson`` through
                                                      ``sync_to_async`` (it masks the secrets)
``task_state_store``     3.3 (task context)           None: the caller degrades (a retry of a file
                                                      import submits again) and logs it
======================== ============================ ==============================================

``TaskDeferred`` is not used by the package (Airflow's ``defer()`` raises it): it is here for
code that catches it, the tests among them, which must see the class the running minor raises.

Imported directly, since 3.0 everywhere: ``airflow.sdk``'s ``BaseOperator``,
``BaseSensorOperator``, ``BaseOperatorLink``, ``PokeReturnValue``, ``Asset``, ``AssetAlias``,
``ObjectStoragePath``, ``Context`` and ``mask_secret`` (``airflow.sdk.log``),
``airflow.sdk.execution_time.xcom.XCom``, and ``airflow.triggers.base``'s ``BaseTrigger`` and
``TriggerEvent``. The provider's trigger defines no ``on_kill`` (3.3), so nothing depends on it.

This module imports nothing of the provider's: it is the package's bottom layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow import __version__ as AIRFLOW_VERSION
from airflow.sdk.log import mask_secret
from asgiref.sync import sync_to_async

if TYPE_CHECKING:  # the type checker sees the newest Airflow's names
    from airflow.sdk import BaseHook, conf
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )
else:
    try:
        from airflow.sdk import BaseHook
    except ImportError:  # Airflow 3.0
        from airflow.hooks.base import BaseHook

    try:
        from airflow.sdk import conf
    except ImportError:  # Airflow 3.0-3.1
        from airflow.configuration import conf

    try:
        from airflow.sdk.exceptions import AirflowException
    except ImportError:  # Airflow 3.0
        from airflow.exceptions import AirflowException

    try:
        from airflow.sdk.exceptions import (
            AirflowFailException,
            AirflowSensorTimeout,
            AirflowSkipException,
            TaskDeferred,
        )
    except ImportError:  # Airflow 3.0-3.1
        from airflow.exceptions import (
            AirflowFailException,
            AirflowSensorTimeout,
            AirflowSkipException,
            TaskDeferred,
        )

try:
    from airflow.sdk.log import amask_secret
except ImportError:  # Airflow 3.0-3.2

    async def amask_secret(secret: Any, name: str | None = None) -> None:  # type: ignore[misc]
        """Mask ``secret`` in the logs from async code, without blocking the event loop.

        Airflow 3.0-3.2's triggerer answers a synchronous SDK call (``mask_secret`` tells the
        supervisor) only off its event loop, which ``sync_to_async`` provides.
        """
        await sync_to_async(mask_secret)(secret, name)


__all__ = [
    "AIRFLOW_VERSION",
    "AirflowException",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseHook",
    "TaskDeferred",
    "aextra_dejson",
    "aget_connection",
    "amask_secret",
    "conf",
    "mask_secret",
    "task_state_store",
]


async def aget_connection(conn_id: str) -> Any:
    """Return the Airflow connection ``conn_id`` from async code (a trigger).

    Airflow 3.1+ has ``BaseHook.aget_connection``; 3.0 runs the synchronous lookup off the event
    loop. :raises AirflowNotFoundException: no such connection.
    """
    if hasattr(BaseHook, "aget_connection"):
        return await BaseHook.aget_connection(conn_id)
    return await sync_to_async(BaseHook.get_connection)(conn_id)


async def aextra_dejson(conn: Any) -> Any:
    """Return the connection's extra, parsed, with its secrets masked, from async code.

    Airflow 3.3's ``Connection.aextra_dejson`` masks without blocking the event loop; older
    minors read the synchronous ``extra_dejson`` off the loop.
    """
    if hasattr(conn, "aextra_dejson"):
        return await conn.aextra_dejson()
    return await sync_to_async(lambda: conn.extra_dejson)()


def task_state_store(context: Any) -> Any | None:
    """Return the task's state store (Airflow 3.3+), or None where the context has none.

    The store is scoped to the task, not the try: a retry reads what a failed try stored. On
    Airflow 3.0-3.2 (and outside a task run) there is none, and the caller must degrade.
    """
    return context.get("task_state_store") if isinstance(context, Mapping) else None
