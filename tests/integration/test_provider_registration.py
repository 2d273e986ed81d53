"""Airflow discovers the provider, its hook and the `jodo` connection form."""

import os
import subprocess
import sys
from pathlib import Path

from airflow_provider_jodo.get_provider_info import get_provider_info
from airflow_provider_jodo.hooks.connection_settings import EXTRA_DEFAULTS


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
    # Hooks are the task runtime's business: ProvidersManager.hooks is deprecated for this one.
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    manager = ProvidersManagerTaskRuntime()
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
