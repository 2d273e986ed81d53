"""Airflow's DagBag and its writer to the metadata database, wherever the running minor keeps them.

`airflow.dag_processing.dagbag` is new in 3.2; 3.1 keeps both in `airflow.models.dagbag`; 3.0
has no writer, because its `dag.test()` serializes the DAG itself.
"""

from __future__ import annotations

try:
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
except ImportError:  # Airflow 3.0-3.1
    from airflow.models import dagbag as _dagbag
    from airflow.models.dagbag import DagBag

    sync_bag_to_db = getattr(_dagbag, "sync_bag_to_db", None)

__all__ = ["DagBag", "sync_bag_to_db"]
