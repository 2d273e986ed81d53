"""Template helpers answer in the platform's time zone, for every kind of run."""

from __future__ import annotations

import inspect
import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pendulum
import pytest
from airflow.sdk import BaseOperator

from airflow_provider_jodo import macros
from airflow_provider_jodo.macros import (
    JODO_MACROS,
    jodo_platform_base_url,
    jodo_platform_date,
    jodo_platform_time,
    jodo_platform_timezone,
)

EVENING_UTC = "2026-11-30T20:00:00+00:00"  # already 1 December, 01:30, in Kolkata


def test_the_platform_date_is_the_platforms_calendar_day_not_utcs():
    assert jodo_platform_date(EVENING_UTC, timezone="Asia/Kolkata") == "2026-12-01"
    assert jodo_platform_date(EVENING_UTC, timezone="UTC") == "2026-11-30"
    assert jodo_platform_date(EVENING_UTC, days=-1, timezone="Asia/Kolkata") == "2026-11-30"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (EVENING_UTC, "2026-12-01T02:30:00+05:30"),  # 01:30 local: 02:30 is an hour away, same day
        ("2026-11-30T17:00:00+00:00", "2026-12-01T02:30:00+05:30"),  # 22:30 local: the next day
        ("2026-11-30T21:00:00+00:00", "2026-12-01T02:30:00+05:30"),  # 02:30 local exactly: now
        ("2026-11-30T21:30:00+00:00", "2026-12-02T02:30:00+05:30"),  # 03:00 local: the next night
    ],
)
def test_the_platform_time_is_the_next_time_its_clock_shows_it(at, expected):
    assert jodo_platform_time("02:30", at, timezone="Asia/Kolkata") == expected


def test_a_platform_time_is_what_exetime_takes_and_lands_on_that_wall_clock():
    from airflow_provider_jodo.protocol.exetime import resolve_exetime
    from airflow_provider_jodo.protocol.wire.wall_clock import to_wall_clock

    moment = resolve_exetime(
        jodo_platform_time("02:30:15", EVENING_UTC, timezone="Asia/Kolkata"), pendulum.now()
    )
    assert to_wall_clock(moment, "Asia/Kolkata", "exetime") == "2026-12-01 02:30:15"


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (
            lambda: jodo_platform_time("half past two", EVENING_UTC, timezone="UTC"),
            "wall_clock='half past two'",
        ),
        (lambda: jodo_platform_time("02:30", "2026-11-30 20:00", timezone="UTC"), "at=2026-11-30T20:00:00"),
        (lambda: jodo_platform_date(datetime(2026, 11, 30), timezone="UTC"), "at=2026-11-30T00:00:00"),
    ],
)
def test_bad_input_names_the_argument(call, names):
    with pytest.raises(ValueError, match=names):
        call()


def test_the_zone_comes_from_the_connection(monkeypatch):
    conn = {"conn_type": "jodo", "host": "http://127.0.0.1:1", "extra": {"timezone": "Asia/Kolkata"}}
    conn["extra"].update(apikey="k", servicekey="s")
    monkeypatch.setenv("AIRFLOW_CONN_JODO_PLATFORM", json.dumps(conn))
    assert jodo_platform_timezone("jodo_platform") == "Asia/Kolkata"
    assert jodo_platform_date(EVENING_UTC, jodo_conn_id="jodo_platform") == "2026-12-01"


def test_templates_render_with_run_after_as_airflow_passes_it():
    """`dag_run.run_after` reaches templates as a plain aware datetime, on every kind of run."""
    task = BaseOperator(task_id="render")
    context = {
        **JODO_MACROS,
        "dag_run": SimpleNamespace(run_after=datetime(2026, 11, 30, 20, tzinfo=timezone.utc)),
    }
    template = (
        "leads-{{ jodo_platform_date(dag_run.run_after, timezone='Asia/Kolkata') }}.csv "
        "{{ jodo_platform_time('02:30', dag_run.run_after, timezone='Asia/Kolkata') }}"
    )
    assert task.render_template(template, context) == "leads-2026-12-01.csv 2026-12-01T02:30:00+05:30"


# Each template helper has one name, the same in templates and in Python code: the README's
# `jodo_platform_time` is what `airflow_provider_jodo.macros` exports, not `platform_time` (issue 23).


HELPERS = ("jodo_platform_base_url", "jodo_platform_date", "jodo_platform_time", "jodo_platform_timezone")


def test_templates_and_python_call_each_helper_by_the_same_name():
    assert sorted(JODO_MACROS) == sorted(HELPERS)
    for name, helper in JODO_MACROS.items():
        assert helper.__name__ == name
        assert getattr(macros, name) is helper


def test_the_module_exports_no_second_name_for_a_helper():
    public_functions = {
        name
        for name, value in inspect.getmembers(macros, inspect.isfunction)
        if value.__module__ == macros.__name__ and not name.startswith("_")
    }
    assert public_functions == set(HELPERS)


# `jodo_platform_base_url` gives the platform's base URL with its scheme and port, whichever
# documented form the connection is written in: `{{ conn.jodo_default.host }}` loses the port of
# the URI form, and a file URL built from it made the platform fetch port 80 (issue 23).


CREDENTIALS = {"apikey": "k", "servicekey": "VoiceProcess"}


FORMS = {
    # The README's URI form: the host keeps its scheme, the port is the URI's own.
    "URI": (
        "jodo://http://admin:secret@127.0.0.1:8765/myteam?apikey=k&servicekey=VoiceProcess",
        "http://127.0.0.1:8765",
    ),
    "URI, https on a named host": (
        "jodo://https://admin:secret@Jodo.example.com:9443/myteam?apikey=k&servicekey=VoiceProcess",
        "https://jodo.example.com:9443",  # Airflow lowercases a URI's host
    ),
    "URI, IPv6 address": (
        "jodo://https://admin:secret@[2001:db8::7]:9443/myteam?apikey=k&servicekey=VoiceProcess",
        "https://[2001:db8::7]:9443",
    ),
    "JSON, port in host": (
        json.dumps({"conn_type": "jodo", "host": "http://127.0.0.1:8765", "extra": CREDENTIALS}),
        "http://127.0.0.1:8765",
    ),
    "JSON, port apart": (
        json.dumps(
            {"conn_type": "jodo", "host": "https://jodo.example.com", "port": 9443, "extra": CREDENTIALS}
        ),
        "https://jodo.example.com:9443",
    ),
    "JSON, bare host name": (
        json.dumps({"conn_type": "jodo", "host": "jodo.example.com", "extra": CREDENTIALS}),
        "https://jodo.example.com",
    ),
    "JSON, base URL with a path": (
        json.dumps({"conn_type": "jodo", "host": "https://example.com:9443/jodo/", "extra": CREDENTIALS}),
        "https://example.com:9443/jodo",
    ),
}


@pytest.mark.parametrize(("connection", "base_url"), FORMS.values(), ids=FORMS.keys())
def test_the_base_url_keeps_scheme_and_port_in_every_connection_form(monkeypatch, connection, base_url):
    monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", connection)
    assert jodo_platform_base_url() == base_url


def test_the_uri_forms_host_alone_has_no_port_which_is_why_the_helper_exists():
    from airflow.models.connection import Connection

    connection, base_url = FORMS["URI"]
    assert Connection(conn_id="jodo_default", uri=connection).host == "http://127.0.0.1"
    assert base_url == "http://127.0.0.1:8765"


def test_a_template_builds_a_url_the_platform_serves_from_a_named_connection(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_JODO_PLATFORM", FORMS["URI"][0])
    template = "{{ jodo_platform_base_url('jodo_platform') ~ '/files/nightly-leads.csv' }}"
    rendered = BaseOperator(task_id="render").render_template(template, dict(JODO_MACROS))
    assert rendered == "http://127.0.0.1:8765/files/nightly-leads.csv"
