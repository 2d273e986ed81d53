"""The importCJI policies: how a file's lines are read, what goes on the dial list, what a duplicate does.

One frozen, validated value that the operators, the hook and the encoder pass along, so that
the nine policies are named once: here. DAG authors may still write them as flat keyword
arguments of an operator or of ``JodoHook.import_cji``; ``CJIPolicies.from_arguments`` takes
them from there.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from airflow_provider_jodo.enums import (
    ChangePackagePolicy,
    DialListDuplicatePolicy,
    DuplicateWay,
    coerce_optional,
)
from airflow_provider_jodo.protocol.wire.cji_parameters import encode_delrow, yes_no


@dataclass(frozen=True)
class CJIPolicies:
    """The policies of one importCJI call; a field left None or empty takes the platform's default.

    Checked when built, so that a typo fails the DAG at parse time, not a 6 a.m. run.

    :param delrow: leading lines of the file to drop (1 for a header line); file jobs only.
    :param phone_field: the column whose number goes on the dial list.
    :param priority_field: the column holding each dial-list entry's priority.
    :param dialtime_field: the column holding when each entry may be dialled.
    :param empty_agent: clear the agent of a duplicate customer (``emptyagent``).
    :param reset_status: reset the call status of a duplicate customer (``resetstatus``).
    :param duplicate_way: ``update`` or ``skip`` a duplicate customer (``dupway``).
    :param dial_list_duplicates: ``ignoreDuplicate``, ``all`` or ``ignoreSuccess``
        (``dupdiallist``).
    :param change_package: ``skip``, ``unassignToCurrent`` or ``reassignToCurrent``
        (``changepackage``).
    :raises ValueError: naming the argument at fault.
    """

    delrow: int | None = None
    phone_field: str = ""
    priority_field: str = ""
    dialtime_field: str = ""
    empty_agent: bool | None = None
    reset_status: bool | None = None
    duplicate_way: DuplicateWay | None = None
    dial_list_duplicates: DialListDuplicatePolicy | None = None
    change_package: ChangePackagePolicy | None = None

    def __post_init__(self) -> None:
        """Refuse a value the wire cannot carry, and turn enum values given as text into members."""
        encode_delrow(self.delrow)
        yes_no(self.empty_agent, "empty_agent")
        yes_no(self.reset_status, "reset_status")
        for name in ("phone_field", "priority_field", "dialtime_field"):
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, "")
            elif not isinstance(value, str):
                raise ValueError(f"{name}={value!r} must be a column name")
        for name, enum_type in _ENUM_FIELDS.items():
            object.__setattr__(self, name, coerce_optional(enum_type, getattr(self, name), name))

    @classmethod
    def from_arguments(cls, policies: CJIPolicies | None, arguments: MutableMapping[str, Any]) -> CJIPolicies:
        """Build the policies from flat keyword arguments, removing them from ``arguments``.

        An operator or a hook method that takes ``**kwargs`` passes them here, so that the
        policy names are listed only in this class; what is left in ``arguments`` is theirs.

        :param policies: a value given whole (``policies=CJIPolicies(...)``), if any.
        :param arguments: the caller's keyword arguments; the policy names are popped.
        :raises TypeError: both a whole value and flat policy arguments were given.
        """
        flat = {name: arguments.pop(name) for name in POLICY_NAMES if name in arguments}
        if policies is None:
            return cls(**flat)
        if flat:
            raise TypeError(f"give policies= or {', '.join(sorted(flat))}, not both")
        if not isinstance(policies, CJIPolicies):
            raise TypeError(f"policies must be a CJIPolicies, got {type(policies).__name__}")
        return policies

    def to_wire(self) -> dict[str, str]:
        """Return the policies as importCJI's wire parameters (empty text: the platform's default)."""
        return {
            "delrow": encode_delrow(self.delrow),
            "phone_field": self.phone_field,
            "priority_field": self.priority_field,
            "dialtime_field": self.dialtime_field,
            "emptyagent": yes_no(self.empty_agent, "empty_agent"),
            "resetstatus": yes_no(self.reset_status, "reset_status"),
            "dupway": _member_value(self.duplicate_way),
            "dupdiallist": _member_value(self.dial_list_duplicates),
            "changepackage": _member_value(self.change_package),
        }

    def to_arguments(self) -> dict[str, Any]:
        """Return the policies as flat keyword arguments, enums as their values (JSON-safe)."""
        return {
            name: _member_value(value) if name in _ENUM_FIELDS and value is not None else value
            for name, value in asdict(self).items()
        }


_ENUM_FIELDS: Mapping[str, Any] = {
    "duplicate_way": DuplicateWay,
    "dial_list_duplicates": DialListDuplicatePolicy,
    "change_package": ChangePackagePolicy,
}
POLICY_NAMES = tuple(field.name for field in fields(CJIPolicies))
"""The flat keyword arguments that ``CJIPolicies.from_arguments`` takes."""


def _member_value(member: Any) -> str:
    return "" if member is None else member.value
