"""`jodo_platform_base_url` gives the platform's base URL with its scheme and port, whichever
documented form the connection is written in: `{{ conn.jodo_default.host }}` loses the port of
the URI form, and a file URL built from it made the platform fetch port 80 (issue 23)."""

from __future__ import annotations

import json

import pytest
from airflow.sdk import BaseOperator

from airflow_provider_jodo.macros import JODO_MACROS, jodo_platform_base_url

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
