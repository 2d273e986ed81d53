"""The `jodo` connection form for Airflow 3.0-3.1, built from the declaration 3.2+ reads.

Airflow 3.0 and 3.1 build a connection form from the hook's `get_connection_form_widgets` and
`get_ui_field_behaviour` only (3.2+ read `conn-fields` and `ui-field-behaviour` from the
provider info and skip these). Their UI turns the wtforms fields into the same JSON Schema
(`HookMetaService` swaps in stand-ins for wtforms' classes), so the fields are made from
`CONN_FIELDS`. wtforms is imported when Airflow asks, never at import time: it is not installed
with Airflow itself (the FAB provider brings it). Without it, Airflow 3.0 shows no provider's
extra fields (its `HookMetaService` imports wtforms to patch it); 3.1 stands in for the whole
module and shows them.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_jodo.hooks.connection_defaults import CONN_FIELDS, UI_FIELD_BEHAVIOUR


def form_widgets() -> dict[str, Any]:
    """Return one wtforms field per extra setting, keyed by the setting's name in the extra.

    Numbers are text fields (wtforms' stand-ins have none for floats); the settings accept numbers
    as text.
    :raises ImportError: wtforms is not installed (Airflow 3.0 then shows no extra fields).
    """
    from wtforms import BooleanField, IntegerField, PasswordField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, field in CONN_FIELDS.items():
        schema = field["schema"]
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        validators: list[Any] = [Optional()]
        if "enum" in schema:
            validators.append(any_of(schema["enum"]))
        if schema.get("format") == "password":
            field_class = PasswordField
        elif "boolean" in types:
            field_class = BooleanField
        elif "integer" in types:
            field_class = IntegerField
        else:
            field_class = StringField
        widgets[name] = field_class(
            field["label"],
            validators=validators,
            description=field["description"],
            default=schema.get("default"),
        )
    return widgets


def field_behaviour() -> dict[str, Any]:
    """Return `UI_FIELD_BEHAVIOUR` in the hook classmethod's form (underscores for hyphens)."""
    return {key.replace("-", "_"): value for key, value in UI_FIELD_BEHAVIOUR.items()}
