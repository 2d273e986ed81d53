"""Airflow discovers the provider, its hook and the `jodo` connection form."""

import os
import subprocess
import sys
from pathlib import Path

from airflow_provider_jodo.get_provider_info import get_provider_info
from airflow_provider_jodo.hooks.connection_form import EXTRA_DEFAULTS


def airflow_cli(tmp_path, *arguments):
    """stdout of the `airflow` command of this environment, in a fresh AIRFLOW_HOME."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    result = subprocess.run(
        [airflow, *arguments],
        env={**os.environ, "AIRFLOW_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_providers_list_shows_the_provider(tmp_path):
    assert "airflow-provider-jodo" in airflow_cli(tmp_path, "providers", "list")


def test_providers_manager_knows_the_jodo_hook():
    # Hooks are the task runtime's business since Airflow 3.2, and ProvidersManager.hooks is
    # deprecated for this one; before, ProvidersManager was the one to ask.
    try:
        from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime as Manager
    except ImportError:  # Airflow 3.0-3.1
        from airflow.providers_manager import ProvidersManager as Manager

    manager = Manager()
    assert "airflow-provider-jodo" in manager.providers
    hook = manager.hooks["jodo"]
    assert hook is not None and hook.hook_class_name == "airflow_provider_jodo.hooks.jodo.JodoHook"


def test_every_extra_setting_has_a_form_field_and_secrets_are_masked():
    (connection_type,) = get_provider_info()["connection-types"]
    fields = connection_type["conn-fields"]
    assert set(fields) == set(EXTRA_DEFAULTS)
    assert fields["apikey"]["schema"]["format"] == "password"


def test_airflow_lists_the_job_link(tmp_path):
    assert "airflow_provider_jodo.links.jodo.JodoImportJobLink" in airflow_cli(tmp_path, "providers", "links")


def test_the_connection_form_shows_every_setting_with_its_kind_and_default():
    """What the UI's `GET /ui/connections/hook_meta` gives for `jodo`, on every supported minor.

    Airflow 3.2+ read `conn-fields`; 3.0-3.1 ask the hook's classmethods (3.0 with wtforms
    installed, 3.1 with stand-ins for it).
    """
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
    from airflow.providers_manager import ProvidersManager

    # The API server builds the form in a process whose hooks are not loaded yet; earlier tests
    # loaded them (3.0-3.1 then built the fields without the stand-ins the UI converts).
    ProvidersManager()._cleanup()
    HookMetaService.hook_meta_data.cache_clear()
    (jodo,) = [hook for hook in HookMetaService.hook_meta_data() if hook.connection_type == "jodo"]
    fields = jodo.extra_fields
    assert set(fields) == set(EXTRA_DEFAULTS)
    assert fields["apikey"]["schema"]["format"] == "password"
    assert fields["usertype"]["schema"]["enum"] == ["agent", "account"]
    assert fields["usertype"]["value"] == EXTRA_DEFAULTS["usertype"]
    assert "boolean" in fields["verify_ssl"]["schema"]["type"]
    assert "integer" in fields["max_retries"]["schema"]["type"]
    assert fields["timeout"]["value"] == EXTRA_DEFAULTS["timeout"]
    assert jodo.standard_fields.host.title == "Base URL"
    assert jodo.standard_fields.login.placeholder == "admin"
