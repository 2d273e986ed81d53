"""What the tests need to know of the running Airflow minor (`make test-matrix` runs 3.0-3.3).

`DagBag` and its writer to the metadata database: `airflow.dag_processing.dagbag` is new in
3.2; 3.1 keeps both in `airflow.models.dagbag`; 3.0 has no writer, because its `dag.test()`
serializes the DAG itself. `HAS_TASK_STATE_STORE`: the store a retry finds its job in (3.3).
`dag_test_run_factory`: the module and name of the function that `dag.test()` makes its run
with (3.1+ `airflow.models.dagrun.get_or_create_dagrun`; 3.0
`airflow.models.dag._get_or_create_dagrun`, which its `dag.test()` imports when called).
`dag_test_reschedule_dates`: repairs Airflow 3.0's `dag.test()` for sensors in reschedule mode.
`OPENED_OBJECT_STORAGE_FILES_ITERATE`: `for line in ObjectStoragePath(...).open()` works (3.1+;
Airflow 3.0's `_TrackingFileWrapper`, `airflow/sdk/io/path.py:38`, has `__getitem__` and no
`__iter__`, so a `for` loop indexes the file and raises TypeError: `readlines()` works).
`CONNECTION_FORM_MASKS_SECRET_EXTRAS`: the UI's connection form masks an extra field whose schema
has `"format": "password"` (3.3+). Airflow 3.0-3.2 render every string extra as a plain text
input: 3.0.6's `airflow/ui/src/components/FlexibleForm/FieldSelector.tsx` has no branch for the
format and `FieldString.tsx` sets no `type` (the 3.1.8 and 3.2.2 bundles in
`airflow/ui/dist/assets/` neither), although `/ui/connections/hook_meta` hands them the format.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import airflow
import pytest
from packaging.version import Version

try:
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
except ImportError:  # Airflow 3.0-3.1
    from airflow.models import dagbag as _dagbag
    from airflow.models.dagbag import DagBag

    sync_bag_to_db = getattr(_dagbag, "sync_bag_to_db", None)

RUNNING_AIRFLOW = Version(Version(airflow.__version__).base_version)
"""The running Airflow's release (a pre-release counts as its release)."""


def airflow_at_least(minor: str) -> bool:
    """Tell whether the running Airflow is `minor` (e.g. "3.3") or newer."""
    return Version(minor) <= RUNNING_AIRFLOW


if airflow_at_least("3.1"):
    dag_test_run_factory = ("airflow.models.dagrun", "get_or_create_dagrun")
else:  # Airflow 3.0
    dag_test_run_factory = ("airflow.models.dag", "_get_or_create_dagrun")

OPENED_OBJECT_STORAGE_FILES_ITERATE = airflow_at_least("3.1")

HAS_TASK_STATE_STORE = airflow_at_least("3.3")

CONNECTION_FORM_MASKS_SECRET_EXTRAS = airflow_at_least("3.3")

needs_task_state_store = pytest.mark.skipif(
    not HAS_TASK_STATE_STORE,
    reason="the task state store is new in Airflow 3.3; before, a retry submits again "
    "(test_without_a_task_state_store_a_retry_submits_again_and_says_so)",
)


@contextmanager
def dag_test_reschedule_dates() -> Iterator[None]:
    """Within it, Airflow 3.0's `dag.test()` hands a sensor in reschedule mode its first
    reschedule date as a datetime, as a real run does; on 3.1+ it changes nothing.

    Airflow 3.0.6's task SDK builds the answer without validating it
    (`airflow/sdk/api/client.py:223`, `TaskRescheduleStartDate.model_construct(start_date=
    resp.json())`), so its `start_date` is the API's ISO string. A real run validates it on its
    way to the task process (`airflow/sdk/execution_time/comms.py:257`, `validate_python`), which
    parses it; `dag.test()`'s in-process supervisor passes the object itself
    (`airflow/sdk/execution_time/supervisor.py:1519`), so `BaseSensorOperator.execute` subtracts
    a string from a datetime (`airflow/sdk/bases/sensor.py:194`) on every poke after the first
    reschedule, for any sensor. Airflow 3.1 validates it (`TaskRescheduleStartDate(...)`).
    """
    if airflow_at_least("3.1"):
        yield
        return
    from airflow.sdk.api.client import TaskInstanceOperations
    from airflow.sdk.execution_time.comms import TaskRescheduleStartDate

    unvalidated = TaskInstanceOperations.get_reschedule_start_date

    def validated(self: TaskInstanceOperations, id: Any, try_number: int = 1) -> Any:
        answer = unvalidated(self, id, try_number)
        return TaskRescheduleStartDate(start_date=answer.start_date)

    with mock.patch.object(TaskInstanceOperations, "get_reschedule_start_date", validated):
        yield


__all__ = [
    "CONNECTION_FORM_MASKS_SECRET_EXTRAS",
    "HAS_TASK_STATE_STORE",
    "OPENED_OBJECT_STORAGE_FILES_ITERATE",
    "DagBag",
    "airflow_at_least",
    "dag_test_reschedule_dates",
    "dag_test_run_factory",
    "needs_task_state_store",
    "sync_bag_to_db",
]
