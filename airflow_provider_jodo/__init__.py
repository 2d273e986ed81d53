"""Apache Airflow provider for loading customer and lead data into Jodo/astercc contact-center campaigns.

DAG authors import from ``hooks``, ``operators``, ``sensors``, ``triggers``, ``enums`` and
``exceptions``; ``docs/architecture.md`` maps the rest.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from airflow_provider_jodo.compat import moved_modules

try:
    __version__ = version("airflow-provider-jodo")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

moved_modules.install()
