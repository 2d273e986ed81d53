"""Tolerant parsing of the vendors' answers, in one place.

The platforms answer in three shapes: strict JSON (Jodo), JSONP whose object has unquoted keys
and sometimes single-quoted strings (astercc `importCJI`), and the plain string
`|Retuen|<code>|Retuen|<message>` (astercc's POST and web-service forms). `parse_body` accepts
all three and raises `MalformedBodyError` for anything else (an HTML error page, a truncated
body), so callers never see a half-parsed value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from airflow_provider_jodo.exceptions import MalformedBodyError

_JSONP_WRAPPER = re.compile(r"^\s*[A-Za-z_$][\w$.]*\s*\((?P<inner>.*)\)\s*;?\s*$", re.DOTALL)
_RETUEN_FORM = re.compile(r"^\s*\|Retuen\|(?P<code>[^|]*)\|Retuen\|(?P<message>.*?)\s*$", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
MAX_NESTING = 64
"""Deepest nesting of objects and arrays accepted. Vendor answers nest three levels; a deeper
body is broken or hostile, and recursing into it would end in a RecursionError."""
_PLAIN_RUN = {'"': re.compile(r'[^"\\]+'), "'": re.compile(r"[^'\\]+")}
"""Characters up to the next quote or backslash: a string is read a run at a time, so that a
long one costs one slice, not a step (and a list entry) per character."""
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def parse_body(body: str) -> Any:
    """Parse a vendor answer: JSON, JSONP (relaxed object inside) or the `|Retuen|` form.

    The `|Retuen|` form becomes `{"code": <int or str>, "message": <str>}` so that callers
    handle one shape. Raises `MalformedBodyError` when the body is anything else.
    """
    retuen = _RETUEN_FORM.match(body)
    if retuen:
        code = retuen.group("code").strip()
        return {"code": int(code) if code.lstrip("-").isdigit() else code, "message": retuen.group("message")}
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # json recurses too: a deep body goes to our limit
        pass
    wrapped = _JSONP_WRAPPER.match(body)
    return parse_relaxed(wrapped.group("inner") if wrapped else body)


def parse_relaxed(text: str) -> Any:
    """Parse one relaxed-JSON value: unquoted keys, single- or double-quoted strings."""
    parser = _RelaxedParser(text)
    value = parser.value()
    parser.skip_space()
    if parser.position != len(text):
        raise MalformedBodyError("unexpected text after the value", parser.position)
    return value


class _RelaxedParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.depth = 0

    def skip_space(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def peek(self) -> str:
        self.skip_space()
        if self.position >= len(self.text):
            raise MalformedBodyError("unexpected end of body", self.position)
        return self.text[self.position]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise MalformedBodyError(f"expected {char!r}", self.position)
        self.position += 1

    def value(self) -> Any:
        char = self.peek()
        if char in "{[":
            if self.depth >= MAX_NESTING:
                raise MalformedBodyError(f"nested deeper than {MAX_NESTING} levels", self.position)
            self.depth += 1
            container = self.object() if char == "{" else self.array()
            self.depth -= 1
            return container
        if char in "\"'":
            return self.string()
        number = _NUMBER.match(self.text, self.position)
        if number:
            self.position = number.end()
            return json.loads(number.group())
        word = _IDENTIFIER.match(self.text, self.position)
        if word and word.group() in _LITERALS:
            self.position = word.end()
            return _LITERALS[word.group()]
        raise MalformedBodyError("expected a value", self.position)

    def object(self) -> dict[str, Any]:
        self.expect("{")
        result: dict[str, Any] = {}
        if self.peek() == "}":
            self.position += 1
            return result
        while True:
            key = self.key()
            self.expect(":")
            result[key] = self.value()
            if self.peek() == ",":
                self.position += 1
                if self.peek() == "}":  # trailing comma, as hand-written JavaScript has
                    self.position += 1
                    return result
                continue
            self.expect("}")
            return result

    def key(self) -> str:
        if self.peek() in "\"'":
            return self.string()
        word = _IDENTIFIER.match(self.text, self.position) or re.compile(r"\d+").match(
            self.text, self.position
        )
        if not word:
            raise MalformedBodyError("expected an object key", self.position)
        self.position = word.end()
        return word.group()

    def array(self) -> list[Any]:
        self.expect("[")
        result: list[Any] = []
        if self.peek() == "]":
            self.position += 1
            return result
        while True:
            result.append(self.value())
            if self.peek() == ",":
                self.position += 1
                if self.peek() == "]":
                    self.position += 1
                    return result
                continue
            self.expect("]")
            return result

    def string(self) -> str:
        quote = self.text[self.position]
        self.position += 1
        pieces: list[str] = []
        escaped_code_units = False
        while True:
            if self.position >= len(self.text):
                raise MalformedBodyError("unterminated string", self.position)
            char = self.text[self.position]
            if char == quote:
                self.position += 1
                text = "".join(pieces)
                if not escaped_code_units:
                    return text
                # \u escapes may encode a surrogate pair: join the halves into one character.
                return text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
            if char == "\\":
                escaped_code_units |= self.text.startswith("u", self.position + 1)
                pieces.append(self.escape())
                continue
            run = _PLAIN_RUN[quote].match(self.text, self.position)
            assert run is not None  # char is neither the quote nor a backslash
            pieces.append(run.group())
            self.position = run.end()

    def escape(self) -> str:
        code = self.text[self.position + 1 : self.position + 2]
        if code == "u":
            digits = self.text[self.position + 2 : self.position + 6]
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
                raise MalformedBodyError("bad \\u escape", self.position)
            self.position += 6
            return chr(int(digits, 16))
        if code not in _ESCAPES:
            raise MalformedBodyError("bad escape", self.position)
        self.position += 2
        return _ESCAPES[code]
