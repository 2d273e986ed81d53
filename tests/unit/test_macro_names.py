"""Each template helper has one name, the same in templates and in Python code: the README's
`jodo_platform_time` is what `airflow_provider_jodo.macros` exports, not `platform_time` (issue 23)."""

from __future__ import annotations

import inspect

from airflow_provider_jodo import macros
from airflow_provider_jodo.macros import JODO_MACROS

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
