"""The documented tables of the two wire protocols, and nothing that encodes or parses.

This is the one part of `wire/` the sandbox shares with the hook (names, separators, formats),
so that a bug in an encoder or a parser cannot pass both sides of the suite.
"""

from __future__ import annotations

from airflow_provider_jodo.enums import CJISource

CJI_PARAMETERS = (
    "orgidentity",
    "usertype",
    "user",
    "pwdtype",
    "password",
    "modeltype",
    "model_id",
    "source",
    "context",
    "source_user",
    "source_pwd",
    "exetime",
    "delrow",
    "phone_field",
    "priority_field",
    "dialtime_field",
    "emptyagent",
    "resetstatus",
    "dupway",
    "dupdiallist",
    "changepackage",
)
CREDENTIAL_PARAMETERS = ("orgidentity", "usertype", "user", "pwdtype", "password")
"""The login that every astercc call carries."""
_NOT_REPORTED = (*CREDENTIAL_PARAMETERS, "modeltype", "source_user", "source_pwd", "exetime")
REPORTED_JOB_PARAMETERS = tuple(name for name in CJI_PARAMETERS if name not in _NOT_REPORTED)
"""The parameters of a file job that our status answer reports back, besides `exetime`, as the
submission sent them (our extension): what tells one submission's job from another's when an
answer was lost. Never the login, nor the file server's `source_user` and `source_pwd`;
`modeltype` is always `Campaign`, and `exetime` is reported on its own."""
FILE_URL_SCHEMES: dict[CJISource, tuple[str, ...]] = {
    CJISource.HTTP: ("http", "https"),
    CJISource.FTP: ("ftp",),
}
"""The URL schemes each file source accepts."""
FIELD_SEPARATOR = "||"
KEY_VALUE_SEPARATOR = "="

WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"
IMMEDIATELY = ""
"""The `exetime` the hook sends for "now"."""
IMMEDIATELY_AS_ZEROS = "0000-00-00 00:00:00"
"""The other way the vendor documents to write "now"."""
MAX_CELL_CHARACTERS = 2 * 1024 * 1024
"""The longest CSV cell, in characters (2 MiB of ASCII text), that a lead file may hold and that
a file job reads (decided: docs/protocol-decisions.md)."""


def is_ascii_digits(text: str) -> bool:
    """Tell whether `text` is one or more ASCII digits, 0 to 9: how the platform writes its ids.

    `str.isdigit()` alone is true for a superscript two (U+00B2), an Arabic-Indic one (U+0661)
    or a fullwidth seven (U+FF17) too, which `int()` reads as other numbers (or not at all) and
    the platform does not take. Every id or count a user gives is checked with this.
    """
    return text.isascii() and text.isdigit()
