"""Template helpers for the platform's address, calendar and wall clock.

Airflow renders times in UTC, while a contact center's "today" and its "02:30 tonight" are in
the platform's time zone (the connection's ``timezone`` extra). ``{{ ds }}`` also fails on a run
triggered from the UI or the REST API without a logical date. These helpers take the moment a
run stands for (``dag_run.run_after``, set on every run) and answer in the platform's zone.

``{{ conn.jodo_default.host }}`` is not the platform's address either: the URI form of the
connection keeps the port apart (``jodo://https://user:pw@jodo.example.com:9443/...`` has the
host ``https://jodo.example.com``), so ``jodo_platform_base_url`` gives the base URL as the
hook calls it, scheme and port included, whichever form the connection was written in.

Each helper has one name, the same in Python and in templates. Give them to a DAG as macros::

    from airflow_provider_jodo.macros import JODO_MACROS

    with DAG(..., user_defined_macros=JODO_MACROS):
        JodoImportCJIFileOperator(
            file_url="https://exports.example.com/leads-{{ jodo_platform_date(dag_run.run_after) }}.csv",
            exetime="{{ jodo_platform_time('02:30', dag_run.run_after) }}",
            ...,
        )

or call them from Python code (``from airflow_provider_jodo.macros import jodo_platform_time``).
They read the connection when called: in a template, when the task runs, never when the DAG file
is parsed.
"""

from __future__ import annotations

from datetime import datetime

import pendulum

from airflow_provider_jodo.hooks.connection import JodoConnectionSettings
from airflow_provider_jodo.protocol.exetime import resolve_exetime

DEFAULT_CONN_ID = "jodo_default"


def jodo_platform_base_url(jodo_conn_id: str = DEFAULT_CONN_ID) -> str:
    """Return the base URL of the platform that connection ``jodo_conn_id`` points at.

    The URL the hook calls, with its scheme and port, a path if the host gives one, and no
    trailing slash: ``http://127.0.0.1:8765`` for the URI form ``jodo://http://...@127.0.0.1:8765/...``
    and for the JSON forms with the port in ``host`` or in ``port`` alike. A file the platform
    serves itself is then ``{{ jodo_platform_base_url() ~ '/files/leads.csv' }}``.

    :param jodo_conn_id: the ``jodo`` connection.
    :raises ConnectionSettingError: the connection has no host, or its host is not an http(s) URL.
    """
    return JodoConnectionSettings.from_connection_id(jodo_conn_id).base_url


def jodo_platform_timezone(jodo_conn_id: str = DEFAULT_CONN_ID) -> str:
    """Return the IANA time zone of the platform that connection ``jodo_conn_id`` points at.

    :param jodo_conn_id: the ``jodo`` connection whose ``timezone`` extra names the zone.
    """
    return JodoConnectionSettings.from_connection_id(jodo_conn_id).timezone


def jodo_platform_date(
    at: datetime | str | None = None,
    days: int = 0,
    jodo_conn_id: str = DEFAULT_CONN_ID,
    timezone: str | None = None,
) -> str:
    """Return the platform's calendar date (``YYYY-MM-DD``) at moment ``at``, shifted by ``days``.

    :param at: an aware datetime or a string with a UTC offset (``dag_run.run_after`` in a
        template); None means now.
    :param days: whole days to add (``-1``: the platform's yesterday at ``at``).
    :param jodo_conn_id: the connection whose ``timezone`` extra is the platform's zone.
    :param timezone: the zone itself, instead of reading the connection.
    :raises ValueError: ``at`` has no time zone, naming it.
    """
    zone = timezone or jodo_platform_timezone(jodo_conn_id)
    return _moment(at).in_timezone(zone).add(days=days).to_date_string()


def jodo_platform_time(
    wall_clock: str,
    at: datetime | str | None = None,
    jodo_conn_id: str = DEFAULT_CONN_ID,
    timezone: str | None = None,
) -> str:
    """Return the first moment at or after ``at`` when the platform's clock shows ``wall_clock``.

    The answer is an ISO date-time with its UTC offset, which ``exetime`` takes as it is: "02:30"
    at 20:00 is 02:30 the next morning, at 01:00 the same morning, in the platform's zone (a
    daylight-saving gap moves it forward, as pendulum does).

    :param wall_clock: ``HH:MM`` or ``HH:MM:SS`` on the platform's clock.
    :param at: an aware datetime or a string with a UTC offset (``dag_run.run_after`` in a
        template); None means now.
    :param jodo_conn_id: the connection whose ``timezone`` extra is the platform's zone.
    :param timezone: the zone itself, instead of reading the connection.
    :raises ValueError: ``wall_clock`` is not a time of day, or ``at`` has no time zone.
    """
    try:
        time_of_day = pendulum.Time.fromisoformat(wall_clock.strip())
    except (AttributeError, ValueError):
        raise ValueError(f"wall_clock={wall_clock!r} is not a time of day (HH:MM or HH:MM:SS)") from None
    local = _moment(at).in_timezone(timezone or jodo_platform_timezone(jodo_conn_id))
    candidate = local.set(
        hour=time_of_day.hour, minute=time_of_day.minute, second=time_of_day.second, microsecond=0
    )
    if candidate < local:
        candidate = candidate.add(days=1)
    return candidate.to_iso8601_string()


def _moment(at: datetime | str | None) -> pendulum.DateTime:
    """Read ``at`` with the rules of ``exetime`` (aware only), None meaning now."""
    now = pendulum.now("UTC")
    resolved = resolve_exetime(at, now, "at")
    return pendulum.instance(resolved or now)


JODO_MACROS = {
    helper.__name__: helper
    for helper in (jodo_platform_base_url, jodo_platform_date, jodo_platform_time, jodo_platform_timezone)
}
"""The helpers under their own names, for templates: ``DAG(user_defined_macros=JODO_MACROS)``."""
