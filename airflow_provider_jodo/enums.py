"""Closed sets of vendor values, each mapped to its wire string in one place.

Operators and the hook accept either the enum member or its wire string; `coerce` turns
either into the member and names the parameter when the value is not one of the set. The
platform's optional capabilities are a closed set too (`Capability`).

Every member prints as its wire value (`str(JobState.SUCCEEDED) == "succeeded"`, also in
f-strings and log lines): the text sets are `StrEnum`s, and `Media`, an `IntEnum`, prints its
number.
"""

from __future__ import annotations

from enum import Enum, IntEnum, StrEnum
from typing import TypeVar

_E = TypeVar("_E", bound=Enum)

UNPROCESSED_HTTP_STATUSES = frozenset({429, 503})
"""HTTP statuses that say the platform did not act on the request: "slow down", "unavailable"."""


class CodeCategory(StrEnum):
    """What kind of problem a code reports; the hook raises one exception type per category."""

    SUCCESS = "success"
    AUTHENTICATION = "authentication"
    NOT_FOUND = "not_found"
    INVALID_REQUEST = "invalid_request"
    DUPLICATE = "duplicate"
    PLATFORM = "platform"


class Media(IntEnum):
    """Jodo channel codes for `Media` in ImportProcessData."""

    EMAIL_IN = 1
    EMAIL_OUT = 2
    SMS_IN = 3
    SMS_OUT = 4
    CHAT = 8
    VOICE_IN = 11
    VOICE_OUT = 12
    TWITTER = 21
    FACEBOOK = 22
    VIDEO = 31

    @property
    def is_voice(self) -> bool:
        """Voice records with a valid number become dialable on the platform."""
        return self in (Media.VOICE_IN, Media.VOICE_OUT)


class UpdateKey(StrEnum):
    """Jodo `updateparam`: the record field that decides insert versus update."""

    MOBILE_NUMBER = "mobilenumber"
    CUSTOMER_CODE = "customercode"
    CRM_UNIQUE_FIELD = "crmuniquefield"


class ProcessDataSearch(StrEnum):
    """Jodo `searchparam` of getProcessData: how records are looked up."""

    MOBILE_NUMBER = "mobilenumber"
    CUSTOMER_CODE = "customercode"
    CRM_UNIQUE_FIELD = "crmuniquefield"
    DATE_RANGE = "daterange"


class RecordOutcomeKind(StrEnum):
    """What the platform did with one input record, in the same words on both APIs.

    `accepted`: ImportProcessData took it but its answer carries no per-record outcomes, so
    whether it inserted or updated it is unknown. `skipped`: a duplicate the importCJI policies
    left as it was (ImportProcessData upserts, so it never skips).
    """

    INSERTED = "inserted"
    UPDATED = "updated"
    ACCEPTED = "accepted"
    SKIPPED = "skipped"
    REJECTED = "rejected"


class UserType(StrEnum):
    """astercc `usertype`: who logs in to importCJI."""

    AGENT = "agent"
    ACCOUNT = "account"


class PasswordType(StrEnum):
    """astercc `pwdtype`: md5 sends the lowercase hex MD5 digest of the password."""

    PLAINTEXT = "plaintext"
    MD5 = "md5"


class CJISource(StrEnum):
    """astercc `source`: one inline record, or a CSV file the platform fetches."""

    DATA = "data"
    HTTP = "http"
    FTP = "ftp"


class DuplicateWay(StrEnum):
    """astercc `dupway`: what happens to the fields of a duplicate customer."""

    UPDATE = "update"
    SKIP = "skip"


class DialListDuplicatePolicy(StrEnum):
    """astercc `dupdiallist`: whether a duplicate customer enters the dial list."""

    IGNORE_DUPLICATE = "ignoreDuplicate"
    ALL = "all"
    IGNORE_SUCCESS = "ignoreSuccess"


class ChangePackagePolicy(StrEnum):
    """astercc `changepackage`: whether a duplicate customer is moved into this campaign's package.

    It applies to campaigns on the main customer table.
    """

    SKIP = "skip"
    UNASSIGN_TO_CURRENT = "unassignToCurrent"
    REASSIGN_TO_CURRENT = "reassignToCurrent"


class JobState(StrEnum):
    """State of an importCJI job as reported by the status method."""

    SCHEDULED = "scheduled"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Capability(StrEnum):
    """An optional platform capability; the value reads in a sentence.

    The vendors document importCJI and ImportProcessData's request, little more. Per-record
    outcomes in ImportProcessData answers, the job status method (`importStatusCJI`, decided by
    us because no vendor client has one) and the listing of a campaign's jobs (our extension)
    are used when the platform has them, and learned by the hook from the answers it gets anyway
    (`JodoHook.capabilities`). `JodoCapabilityMissingError.capability` is one of these values.
    """

    RECORD_OUTCOMES = "per-record outcomes in ImportProcessData answers"
    JOB_STATUS = "job status method"
    JOB_LISTING = "listing of a campaign's import jobs"


def coerce(enum_type: type[_E], value: _E | str | int, parameter: str) -> _E:
    """Return the member of `enum_type` for `value` (a member or its wire value).

    Raises ValueError naming `parameter` and listing the allowed wire values, so that a typo
    in a DAG fails at parse or render time instead of reaching the platform.
    """
    if isinstance(value, enum_type):
        return value
    # Only text and integers name a member: True == 1 and 12.0 == 12 would otherwise pick one.
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        for member in enum_type:
            if member.value == value or (isinstance(value, str) and str(member.value) == value):
                return member
    allowed = ", ".join(repr(member.value) for member in enum_type)
    raise ValueError(f"{parameter}={value!r} is not one of {allowed}")


def coerce_optional(enum_type: type[_E], value: _E | str | int | None, parameter: str) -> _E | None:
    """`coerce` for settings where None or "" means "the platform's default"."""
    if value is None or value == "":
        return None
    return coerce(enum_type, value, parameter)
