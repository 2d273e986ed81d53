"""Hypothesis strategies for the dirty input that lead files and vendor answers bring."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Text that hits the separators of a `source=data` context and the characters that break naive
# encoders: `||`, `=`, `|` at either end, `&`, `%`, `+`, `#`, quotes, NUL, line breaks,
# non-BMP characters and lone surrogates (a JSON `\ud800` escape decodes to one).
SEPARATOR_BITS = st.sampled_from(
    [
        "||",
        "=",
        "|",
        "&",
        "%",
        "+",
        "#",
        "'",
        '"',
        "\\",
        "\x00",
        "\n",
        "\r\n",
        " ",
        "\t",
        "\u00a0",
        "😀",
        "\ud800",
    ]
)
TEXT = st.one_of(
    st.text(max_size=30),
    st.lists(st.one_of(SEPARATOR_BITS, st.text(max_size=4)), max_size=6).map("".join),
)
HUGE_TEXT = st.integers(min_value=1_000, max_value=20_000).map(lambda n: "x" * n)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
ODD_VALUES = st.one_of(
    SCALARS, NESTED, st.sets(st.integers(), max_size=2), st.dates(), st.datetimes(), st.binary(max_size=8)
)


def truncations(text: str) -> st.SearchStrategy[str]:
    """`text` cut at any point (a body lost mid-transfer)."""
    return st.integers(min_value=0, max_value=max(len(text) - 1, 0)).map(lambda n: text[:n])


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# What breaks number parsing: Python refuses to convert integers of 4,300+ digits (a ValueError,
# not a JSON error), other scripts' digits pass `str.isdigit` but not `int`, and 1e400 is
# infinity once read.
ODD_NUMBERS = st.one_of(
    st.integers(min_value=4_300, max_value=6_000).map(lambda digits: "9" * digits),
    st.sampled_from(["1e400", "-1e400", "-0", "2.5", "-1", "00", "\u00b2", "\u0661", "\uff17", "1\u00b2"]),
)
# What a PHP platform with display_errors on prints before an answer, in PHP's own formats,
# and text that only looks like it.
PHP_NOTICES = st.sampled_from(
    [
        "<br />\n<b>Notice</b>:  Undefined index: x in <b>/var/www/x.php</b> on line <b>12</b><br />\n",
        "<br />\n<b>Warning</b>:  Undefined index: x in /var/www/x.php on line 12<br />\n",
        "PHP Deprecated:  each() is deprecated in /var/www/x.php on line 3\n",
        "\nStrict Standards: Only variables should be passed by reference in /x.php on line 7\n",
        "Notice: no line number\n",
        "<b>Notice</b>: x on line 1",
    ]
)
JSONP_CALLBACKS = st.sampled_from(["airflowJodo", "cb", "jQuery1113_0123", "a.b", "airflowJodo2", ""])
