"""Apache Airflow provider for loading customer and lead data into Jodo/astercc contact-center campaigns.

DAG authors import from ``hooks``, ``operators``, ``sensors``, ``triggers``, ``enums`` and
``exceptions``; ``docs/architecture.md`` maps the rest.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import packaging.version

MIN_AIRFLOW_VERSION = "3.0"
"""The oldest Airflow the provider runs on: pyproject's ``apache-airflow>=`` floor (a test checks)."""

try:
    __version__ = version("airflow-provider-jodo")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"


def installed_airflow_version() -> str | None:
    """Return the installed Airflow's version, or None when Airflow is not installed.

    Read from the distribution's metadata rather than ``airflow.__version__``: importing
    ``airflow`` initialises its settings (seconds, and files under ``AIRFLOW_HOME``), which
    ``get_provider_info`` and the sandbox do not need. Airflow 3 ships the ``airflow`` package
    in ``apache-airflow-core``; older releases in ``apache-airflow``.
    """
    for distribution in ("apache-airflow-core", "apache-airflow"):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    return None


def check_airflow_version(airflow_version: str | None) -> None:
    """Refuse an Airflow older than ``MIN_AIRFLOW_VERSION``, as Airflow's own providers do.

    A pre-release or a local build counts as its release (``3.0.0rc1`` is ``3.0.0``).

    :param airflow_version: the installed Airflow's version; None (not installed) passes, and
        the first Airflow import names what is missing.
    :raises RuntimeError: naming the provider, the installed Airflow and the minimum.
    """
    if airflow_version is None:
        return
    release = packaging.version.parse(packaging.version.parse(airflow_version).base_version)
    if release < packaging.version.parse(MIN_AIRFLOW_VERSION):
        raise RuntimeError(
            f"The package `airflow-provider-jodo:{__version__}` needs Apache Airflow "
            f"{MIN_AIRFLOW_VERSION}+; Apache Airflow {airflow_version} is installed"
        )


check_airflow_version(installed_airflow_version())
