"""Suite-wide Airflow settings: a throwaway AIRFLOW_HOME, no example DAGs.

Set before anything imports Airflow's configuration, which reads them once. Under pytest-xdist
(`make test` runs `-n 2`) every worker gets a home, and so a metadata database, of its own: the
workers inherit the controller's environment, and two `dag.test()` runs must not share one
SQLite file."""

import os
import tempfile
from pathlib import Path

EXAMPLE_DAGS = Path(__file__).resolve().parent.parent / "example_dags"

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if XDIST_WORKER or "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix=f"airflow-home-{XDIST_WORKER or 'main'}-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(EXAMPLE_DAGS)
