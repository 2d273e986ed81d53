"""What the tests need to know of the running Airflow minor (`make test-matrix` runs 3.0-3.3).

`DagBag` and its writer to the metadata database: `airflow.dag_processing.dagbag` is new in
3.2; 3.1 keeps both in `airflow.models.dagbag`; 3.0 has no writer, because its `dag.test()`
serializes the DAG itself. `HAS_TASK_STATE_STORE`: the store a retry finds its job in (3.3).
"""

from __future__ import annotations

import airflow
import pytest
from packaging.version import Version

try:
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
except ImportError:  # Airflow 3.0-3.1
    from airflow.models import dagbag as _dagbag
    from airflow.models.dagbag import DagBag

    sync_bag_to_db = getattr(_dagbag, "sync_bag_to_db", None)

HAS_TASK_STATE_STORE = Version(airflow.__version__) >= Version("3.3")

needs_task_state_store = pytest.mark.skipif(
    not HAS_TASK_STATE_STORE,
    reason="the task state store is new in Airflow 3.3; before, a retry submits again "
    "(test_without_a_task_state_store_a_retry_submits_again_and_says_so)",
)

__all__ = ["HAS_TASK_STATE_STORE", "DagBag", "needs_task_state_store", "sync_bag_to_db"]
