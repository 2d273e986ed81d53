"""Writing answers the way astercc does: JSONP whose object keys are not quoted.

The vendor's PHP builds `callback({code:1,message:"..."})` by hand, so clients must parse a
relaxed JavaScript literal, not JSON. The sandbox writes that same shape (keys unquoted,
strings double-quoted) so that the hook's tolerant parser is exercised on every call.
"""

from __future__ import annotations

import json
import re

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# jQuery names its callbacks like `jQuery112406_1700000000000`; dotted names are allowed too.
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")


def is_valid_callback(name: str) -> bool:
    """Tell whether `name` is a JavaScript function name that is safe to echo into a body."""
    return _CALLBACK.fullmatch(name) is not None


def relaxed_literal(value: object) -> str:
    """Return `value` as a JavaScript literal with unquoted keys.

    `value` holds dicts, lists, strings, numbers, booleans and None. Keys must be identifiers:
    the vendor never quotes them, so neither can we.
    """
    if isinstance(value, dict):
        members = []
        for key, member in value.items():
            if not isinstance(key, str) or not _IDENTIFIER.fullmatch(key):
                raise ValueError(f"key {key!r} cannot be written unquoted")
            members.append(f"{key}:{relaxed_literal(member)}")
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(relaxed_literal(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def jsonp_body(callback: str, value: object) -> str:
    """`callback(<literal>)`, or the bare literal when no callback was asked for."""
    literal = relaxed_literal(value)
    return f"{callback}({literal})" if callback else literal
