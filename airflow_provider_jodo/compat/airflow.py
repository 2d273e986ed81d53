"""What the provider takes from Airflow that moved between the supported minors (3.0-3.3).

Airflow's own compat library, ``apache-airflow-providers-common-compat`` (a dependency,
maintained by the people who move these names), gives ``BaseHook``, ``conf``, ``mask_secret``
and the task exceptions from wherever the running Airflow keeps them
(``airflow.providers.common.compat.sdk``), and loads a connection and its extra from async code
without blocking the triggerer's event loop (``...common.compat.connection``: before Airflow
3.3.2 ``BaseHook.aget_connection`` masks secrets with a synchronous call that can deadlock).
The package imports those names from here, so that it takes each from one place, and this module
adds only what the library lacks:

==================== ================== =====================================================
name                 new in             on older minors
==================== ================== =====================================================
``amask_secret``     3.3 (``sdk.log``)  ``mask_secret`` run through asgiref's
                                        ``sync_to_async``, as the triggerer of 3.0-3.2 asks
                                        of synchronous SDK calls
``task_state_store`` 3.3 (the context)  None: the caller degrades (a retry of a file job
                                        submits again) and logs it
==================== ================== =====================================================

``TaskDeferred`` is not used by the package (Airflow's ``defer()`` raises it): it is here for
code that catches it, the tests among them, which must see the class the running minor raises.

Imported directly, since 3.0 everywhere: ``airflow.sdk``'s ``BaseOperator``,
``BaseSensorOperator``, ``BaseOperatorLink``, ``PokeReturnValue``, ``Asset``, ``AssetAlias``,
``ObjectStoragePath`` and ``Context``, ``airflow.sdk.execution_time.xcom.XCom``, and
``airflow.triggers.base``'s ``BaseTrigger`` and ``TriggerEvent``.

This module imports nothing of the provider's: it is the package's bottom layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow import __version__ as AIRFLOW_VERSION
from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseHook,
    TaskDeferred,
    conf,
    mask_secret,
)
from asgiref.sync import sync_to_async

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
    "amask_secret",
    "conf",
    "get_async_connection",
    "get_async_extra_dejson",
    "mask_secret",
    "task_state_store",
]


def task_state_store(context: Any) -> Any | None:
    """Return the task's state store (Airflow 3.3+), or None where the context has none.

    The store is scoped to the task, not the try: a retry reads what a failed try stored. On
    Airflow 3.0-3.2 (and outside a task run) there is none, and the caller must degrade.
    """
    return context.get("task_state_store") if isinstance(context, Mapping) else None
