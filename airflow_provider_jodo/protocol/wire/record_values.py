"""A record value as the text both platforms receive: the wire's one rule for values.

It is used by the importCJI context encoder and by the lead rules (which re-export it).
"""

from __future__ import annotations


def scalar_text(value: object) -> str | None:
    """Return a record value as text: strings as they are, integers written out; None otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def field_text(name: object, value: object) -> str:
    r"""Return record field `name`'s value as the text both platforms receive (`scalar_text`).

    :raises ValueError: naming the field, for a name that is not a string, a value that is
        neither a string nor an integer (objects, lists, booleans and floats have no agreed
        text form: sending `str(value)` would store "True" or "{'a': 1}"), or text that UTF-8
        cannot carry (a lone surrogate, which a JSON `\ud800` escape decodes to): requests
        would otherwise fail deep inside with a UnicodeEncodeError while encoding the call.
    """
    if not isinstance(name, str) or not _utf8_encodable(name):
        raise ValueError(f"field name {name!r} is not text that can be sent")
    text = scalar_text(value)
    if text is None:
        raise ValueError(f"{name} must be a string or an integer, got {type(value).__name__}")
    if not _utf8_encodable(text):
        raise ValueError(f"{name} holds a lone surrogate, which is not Unicode text")
    return text


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
