"""Suite-wide Airflow settings: a throwaway AIRFLOW_HOME, no example DAGs.

Set before anything imports Airflow's configuration, which reads them once."""

import os
import tempfile

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
