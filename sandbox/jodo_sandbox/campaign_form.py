"""The form of the seeded astercc campaigns: which fields a customer has and how they may be named.

A field may be named in a `context` or a CSV header by its field name or display name, in any
case.
"""

from __future__ import annotations

# (field name, display name), in form order: a CSV without a header lists its columns so.
CAMPAIGN_FORM: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("phone1", "Phone"),
    ("phone2", "Mobile"),
    ("email", "E-mail"),
    ("address", "Address"),
    ("priority", "Priority"),
    ("dialtime", "Dial time"),
    ("note", "Note"),
)
CAMPAIGN_FIELDS: tuple[str, ...] = tuple(name for name, _ in CAMPAIGN_FORM)
DUPLICATE_KEY_FIELD = "phone1"
"""The required field; two customers with the same value are duplicates."""

STATUS_NEW = "new"
"""A customer not yet worked on; `resetstatus=yes` puts a duplicate back here."""
STATUS_SUCCESS = "success"
"""A customer whose call succeeded; `dupdiallist=ignoreSuccess` keeps it off the dial list."""

_FIELD_BY_LABEL = {label.casefold(): name for name, display in CAMPAIGN_FORM for label in (name, display)}


def resolve_field(label: str) -> str | None:
    """Return the field name for a field or display name (case-insensitive), or None if unknown."""
    return _FIELD_BY_LABEL.get(label.strip().casefold())


def describe_campaign_form() -> str:
    """Describe the form's fields for people: field name, display name, the required duplicate key."""
    return ", ".join(
        f"{name} ({display}{', required: the duplicate key' if name == DUPLICATE_KEY_FIELD else ''})"
        for name, display in CAMPAIGN_FORM
    )
