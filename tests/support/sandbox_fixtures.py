"""The sandbox and hooks on it, for the integration and fuzz tests: a fresh sandbox per test on
an ephemeral port, hooks wired to it through `AIRFLOW_CONN_*` environment connections, and the
helpers that read what the sandbox reports (its secrets, a record's outcome, a summary's counts).

A conftest imports the fixtures it offers its folder; the integration folder also parametrises
`sandbox_profile` over the sandbox profiles (`tests/integration/conftest.py`), the fuzz folder
pins it to one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_jodo.hooks.jodo import JodoHook
from jodo_sandbox import JodoSandbox, SandboxProfile
from tests.support.file_servers import http_file_server
from tests.support.hostile_platforms import ScriptedPlatform, scripted_platform

POLL_SECONDS = 0.05


@pytest.fixture
def sandbox(request, sandbox_profile: SandboxProfile) -> Iterator[JodoSandbox]:
    """A fresh sandbox of profile `sandbox_profile`; `@pytest.mark.platform_timezone("Zone/Name")`
    sets its time zone (the connections made by `connect` follow it, as a real deployment's
    would) and `@pytest.mark.sandbox_latency(seconds)` holds its answers back, so that
    concurrent calls overlap on the platform's side."""
    marker = request.node.get_closest_marker("platform_timezone")
    timezone = marker.args[0] if marker else "UTC"
    latency_marker = request.node.get_closest_marker("sandbox_latency")
    latency = latency_marker.args[0] if latency_marker else 0.0
    with JodoSandbox(
        job_poll_interval=POLL_SECONDS, timezone=timezone, latency=latency, profile=sandbox_profile
    ) as running:
        request.node.sandbox_secrets = sandbox_secrets(running)
        yield running


def reported(sandbox: JodoSandbox, outcome: str) -> str:
    """A record's ImportProcessData outcome as the hook reports it from this sandbox: where
    the answers carry no per-record outcomes, a record the platform took reads `accepted`."""
    if outcome in ("inserted", "updated") and not sandbox.profile.reports_record_outcomes:
        return "accepted"
    return outcome


def landed_counts(sandbox: JodoSandbox, *, inserted: int = 0, updated: int = 0) -> dict[str, int]:
    """The `inserted`, `updated` and `accepted` counts of a summary from this sandbox, for
    records that the platform inserted and updated."""
    if sandbox.profile.reports_record_outcomes:
        return {"inserted": inserted, "updated": updated, "accepted": 0}
    return {"inserted": 0, "updated": 0, "accepted": inserted + updated}


def summary_counts(summary: dict[str, Any]) -> dict[str, int]:
    """The `inserted`, `updated` and `accepted` counts of an ImportProcessData summary."""
    return {name: summary[name] for name in ("inserted", "updated", "accepted")}


def sandbox_secrets(sandbox: JodoSandbox) -> list[str]:
    """Every secret the suite's connections hold, plain and as sent (MD5)."""
    values = []
    for usertype in ("account", "agent"):
        conn = sandbox.connection_dict(usertype=usertype)
        values += [conn["password"], conn["extra"]["apikey"]]
    return [*values, *(hashlib.md5(v.encode()).hexdigest() for v in values)]


def assert_secret_free(sandbox: JodoSandbox, error: BaseException) -> None:
    """The error's text and repr carry none of the sandbox's secrets."""
    text = f"{error}\n{error!r}"
    assert not [s for s in sandbox_secrets(sandbox) if s in text]


@pytest.fixture
def files(tmp_path: Path) -> Iterator[str]:
    """The base URL of an HTTP file server with CSV files to import into a campaign:
    `leads.csv` (a header and two leads), `other.csv` (another lead) and `broken.csv` (a header
    the campaign form does not know, so its job fails)."""
    (tmp_path / "leads.csv").write_text("name,phone1\nAna,5511900000001\nBia,5511900000002\n")
    (tmp_path / "other.csv").write_text("name,phone1\nCai,5511900000004\n")
    (tmp_path / "broken.csv").write_text("shoe_size,phone1\n42,5511900000003\n")
    with http_file_server(tmp_path) as base:
        yield base


@pytest.fixture
def connect(connect_to, sandbox: JodoSandbox) -> Callable[..., JodoHook]:
    """Make a hook on a connection to the sandbox; keyword overrides change connection fields
    (`extra` is merged)."""

    def _connect(usertype: str = "account", **overrides: Any) -> JodoHook:
        return connect_to(sandbox, usertype, **overrides)

    return _connect


@pytest.fixture
def connect_to(monkeypatch) -> Callable[..., JodoHook]:
    """`connect` for a sandbox the test made itself (e.g. with faults)."""
    counter = iter(range(1000))

    def _connect(sandbox: JodoSandbox, usertype: str = "account", **overrides: Any) -> JodoHook:
        conn = sandbox.connection_dict(usertype=usertype)
        extra = {**conn.pop("extra"), **overrides.pop("extra", {})}
        conn.update(overrides)
        conn["extra"] = extra
        conn_id = f"jodo_test_{next(counter)}"
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return JodoHook(jodo_conn_id=conn_id)

    return _connect


@pytest.fixture
def scripted(monkeypatch) -> Iterator[tuple[ScriptedPlatform, JodoHook]]:
    """A platform answering every call with one scripted body (`platform.body`), and a hook on it."""
    with scripted_platform() as platform:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_SCRIPTED", platform.connection_json())
        yield platform, JodoHook(jodo_conn_id="jodo_scripted")


def stored(sandbox):
    """The ImportProcessData customers the sandbox holds, by mobile number."""
    return {c["mobilenumber"]: c for c in sandbox.store.process_customers("VoiceProcess")}
