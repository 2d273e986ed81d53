"""Compatibility with the Airflow minors the provider supports: `airflow` says where each keeps a name."""
