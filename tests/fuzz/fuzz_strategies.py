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
