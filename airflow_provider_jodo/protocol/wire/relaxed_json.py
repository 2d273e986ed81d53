"""Tolerant parsing of the vendors' answers, in one place, in time linear in the answer's size.

The platforms answer in three shapes: strict JSON (Jodo), JSONP whose object has unquoted keys
and sometimes single-quoted strings (astercc `importCJI`), and the plain string
`|Retuen|<code>|Retuen|<message>` (astercc's POST and web-service forms). `parse_body` accepts
all three and raises `MalformedBodyError` for anything else (an HTML error page, a truncated
body), so callers never see a half-parsed value. A PHP platform with `display_errors` on may
print notices before the answer: `split_php_notices` takes them off.

Answers are read after the transfer, and in the triggerer a slow parse holds every trigger of
the process: nothing here looks at a character more than a bounded number of times. The
wrappers are taken off by scanning, and a relaxed literal is rewritten to JSON by one regular
expression whose every repeat is possessive, then read by `json.loads`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from airflow_provider_jodo.exceptions import MalformedBodyError
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits

_RETUEN = "|Retuen|"
_JSONP_CALLEE = re.compile(r"[A-Za-z_$][\w$.]*+")
_CALLEE_QUOTE_LIMIT = 40
"""How much of a callback name a message quotes: a hostile one may be megabytes long."""
_RELAXED_TOKEN = re.compile(
    r"""(?P<string>"[^"\\]*+(?:\\.[^"\\]*+)*+"?|'[^'\\]*+(?:\\.[^'\\]*+)*+'?)"""
    r"""|(?P<key>[A-Za-z_$0-9](?<![\w$][A-Za-z_$0-9])[\w$]*+)(?=\s*+:)"""
    r"""|(?P<trailing_comma>,)(?=\s*+[]}])""",
    re.DOTALL,
)
"""What a relaxed literal has that JSON lacks: single-quoted strings (double-quoted ones are
matched too, so that nothing inside a string is taken for a key), unquoted keys (identifiers
or digits, never the end of a longer word) and trailing commas. A string without its closing
quote still matches, to the end of the text, so that no position is scanned twice."""
_STRING_ESCAPE = re.compile(r"""\\(.)|(")""", re.DOTALL)
_PHP_NOTICE = re.compile(
    r"<br />\r?\n<b>(?:Notice|Warning|Deprecated|Strict Standards)</b>: [^\n]*? on line "
    r"(?:<b>)?[0-9]{1,10}(?:</b>)?<br />\r?\n"
    r"|\s*+(?:PHP )?(?:Notice|Warning|Deprecated|Strict Standards): [^\n]*? on line [0-9]{1,10}\r?\n"
)
"""One notice or warning as PHP prints it, in its HTML form (`html_errors` on) or its plain
one (`PHP Notice:  ...` as in the CLI, or `Notice: ...`): it always ends `on line N`."""


def split_php_notices(body: str) -> tuple[str, str]:
    """Split PHP's notices and warnings off the front of an answer: `(notices, answer)`.

    Only PHP's own formats are taken off; anything else before the answer stays in it, for the
    parser to refuse. `notices` is "" when there are none.
    """
    position = 0
    while notice := _PHP_NOTICE.match(body, position):
        position = notice.end()
    return body[:position], body[position:]


def parse_body(body: str, callback: str | None = None) -> Any:
    """Parse a vendor answer: JSON, JSONP (relaxed object inside) or the `|Retuen|` form.

    The `|Retuen|` form becomes `{"code": <int or str>, "message": <str>}` so that callers
    handle one shape.

    :param body: the answer, notices already split off.
    :param callback: the JSONP function name the call asked for; an answer wrapped in another
        one is refused (None: the call asked for none, so no wrapper is taken).
    :raises MalformedBodyError: the body is none of the shapes, or wrapped in another callback.
    """
    text = body.strip()
    if text.startswith(_RETUEN):
        return _retuen_form(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # a number beyond int's digit limit is a ValueError too
        pass
    return parse_relaxed(_jsonp_inner(text, callback))


def parse_relaxed(text: str) -> Any:
    """Parse one relaxed-JSON value: unquoted keys, single- or double-quoted strings.

    :raises MalformedBodyError: not one such value; its position is in the text as rewritten
        to JSON (keys quoted), close to the original's.
    """
    try:
        return json.loads(_RELAXED_TOKEN.sub(_as_json, text), strict=False)
    except MalformedBodyError:  # an unterminated string, found while rewriting
        raise
    except json.JSONDecodeError as error:
        raise MalformedBodyError(error.msg, error.pos) from None
    except RecursionError:
        raise MalformedBodyError("nested too deep", 0) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise MalformedBodyError(str(error).split(";")[0], 0) from None


def _retuen_form(text: str) -> dict[str, Any]:
    """Read `|Retuen|<code>|Retuen|<message>`; the code is an int when it is a number."""
    end = text.find(_RETUEN, len(_RETUEN))
    code = text[len(_RETUEN) : end].strip()
    if end < 0 or "|" in code:
        raise MalformedBodyError("a |Retuen| answer without its second |Retuen|", len(_RETUEN))
    number = code.removeprefix("-")
    return {
        "code": int(code) if is_ascii_digits(number) and len(number) <= 20 else code,
        "message": text[end + len(_RETUEN) :],
    }


def _jsonp_inner(text: str, callback: str | None) -> str:
    """Return what a JSONP wrapper `name(...)`, with an optional `;`, holds; or `text` when unwrapped.

    :raises MalformedBodyError: the wrapper's name is not `callback`.
    """
    callee = _JSONP_CALLEE.match(text)
    if callee is None:
        return text
    after_name = text[callee.end() :]
    opening = len(text) - len(after_name.lstrip())
    if not text.startswith("(", opening):
        return text  # a bare word: `true`, `null`, or text the relaxed parser refuses
    closing = len(text.removesuffix(";").rstrip()) - 1
    if closing <= opening or text[closing] != ")":
        raise MalformedBodyError("a JSONP answer without its closing parenthesis", len(text))
    name = callee.group()
    if name != callback:
        sent = f"not the {callback!r} the call sent" if callback else "the call sent none"
        raise MalformedBodyError(f"JSONP callback {name[:_CALLEE_QUOTE_LIMIT]!r}: {sent}", 0)
    return text[opening + 1 : closing]


def _as_json(token: re.Match[str]) -> str:
    """Rewrite one relaxed token as JSON (see `_RELAXED_TOKEN`)."""
    text = token.group()
    if token.lastgroup == "key":
        return f'"{text}"'
    if token.lastgroup == "trailing_comma":
        return ""
    if len(text) < 2 or text[-1] != text[0]:
        raise MalformedBodyError("unterminated string", token.start())
    inner = text[1:-1]
    if text[0] == '"' and "\\'" not in inner:
        return text
    return '"' + _STRING_ESCAPE.sub(_json_escape, inner) + '"'


def _json_escape(escape: re.Match[str]) -> str:
    """Give a string's escape or quote as JSON writes it: an escaped `'` is `'`, a bare `"` is escaped."""
    if escape.group(2):
        return '\\"'
    return "'" if escape.group(1) == "'" else escape.group()
