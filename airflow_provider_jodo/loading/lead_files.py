r"""Lead files: the CSV and JSON-lines exports the import operators read records from.

They are an operator's `source_path`, checked whole before anything is sent, then read as a
stream.

Nothing in a file is lost without a word. `check_lead_file` is a first pass over the whole
file with the csv or json module, building no records, and raises `JodoLeadFileError` before
the first request for what makes the file unreadable as a whole: bytes that are not UTF-8, a
header with an empty or repeated column name, a quote that is never closed or other broken CSV,
a cell longer than `MAX_CELL_CHARACTERS`, a line that is not JSON, or no record at all (an
export that came out empty is the classic silent failure). `lead_file_records` then yields the
records; what is wrong with one record only (a CSV row with more cells than the header, a JSON
line that is not an object) comes as an `UnreadableRecord` that the operators reject with its
reason, as they reject any invalid record.

Lines are numbered as an editor numbers them (`\n`, `\r\n` or a lone `\r` ends one), and a
record that spans lines (a quoted cell with a line break) is named by the line it starts on.
Messages name the file, the line and the column, never a cell's value: lead data is personal.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from airflow_provider_jodo.exceptions import JodoLeadFileError
from airflow_provider_jodo.protocol.wire.protocol import MAX_CELL_CHARACTERS  # the longest cell read

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")
"""A file with one of these suffixes is JSON lines; any other is CSV with a header line."""
BYTE_ORDER_MARK = "\ufeff"
_HIDDEN_CHARACTER_KINDS = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Co": "a private-use character",
    "Cs": "a surrogate",
    "Cn": "an unassigned character",
}
"""Unicode categories of what no spreadsheet shows in a header, yet makes a column's name differ
(`name` with a NUL or a U+FEFF is not `name`), by the words a message gives them."""


@dataclass(frozen=True)
class UnreadableRecord:
    """What a lead file holds where a record should be but that is no record.

    The operators reject it with `reason`, which names its line, and go on with the next one.
    """

    reason: str


def check_lead_file(source_path: str) -> int:
    """Return how many records the file holds, reading it once whole without building them.

    So a file that cannot be read whole fails the task before anything is sent.

    :raises JodoLeadFileError: naming the file, the line and the cause (see the module).
    :raises ValueError: `source_path` is not a file (it may still be on its way: retryable).
    """
    path = _lead_file(source_path)
    try:
        return _count_records(path)
    except JodoLeadFileError as error:
        raise JodoLeadFileError(f"{error}; nothing was sent") from None


def lead_file_records(source_path: str) -> Iterator[dict[str, Any] | UnreadableRecord]:
    """Yield each record of the file in order, streamed.

    A record is a CSV row as header name -> cell (header names stripped of spaces; empty and
    missing cells absent) or a JSON-lines object; an `UnreadableRecord` for a CSV row with more
    cells than the header or a JSON line that is not an object. Blank lines hold no record.

    :raises JodoLeadFileError: as `check_lead_file`, should the file have changed since.
    """
    path = _lead_file(source_path)
    if _is_json_lines(path):
        for line, value in _json_values(path):
            yield value if isinstance(value, dict) else UnreadableRecord(f"line {line} is not a JSON object")
        return
    rows = _csv_rows(path)
    header = next(rows, None)
    if header is None:
        return
    names = _column_names(path, *header)
    width = len(names)
    for line, cells in rows:
        if len(cells) > width:
            yield UnreadableRecord(f"line {line} has {len(cells)} cells, the header {width}")
        else:
            # Fewer cells than names: the missing ones are absent, as empty cells are.
            yield {name: value for name, value in zip(names, cells, strict=False) if value}


def _count_records(path: Path) -> int:
    if _is_json_lines(path):
        count = sum(1 for _ in _json_values(path))
    else:
        rows = _csv_rows(path)
        header = next(rows, None)
        if header is None:
            count = 0
        else:
            _column_names(path, *header)
            count = sum(1 for _ in rows)
            if count == 0:
                raise JodoLeadFileError(f"{path.name} holds no records, only a header (line {header[0]})")
    if count == 0:
        raise JodoLeadFileError(f"{path.name} holds no records (the file is empty)")
    return count


def _lead_file(source_path: str) -> Path:
    path = Path(str(source_path))
    if not path.is_file():
        raise ValueError(f"source_path={str(source_path)!r} is not a file")
    return path


def _is_json_lines(path: Path) -> bool:
    return path.suffix.lower() in JSON_LINES_SUFFIXES


def _open_text(path: Path) -> IO[str]:
    # utf-8-sig: spreadsheet exports often start with a byte order mark. newline="": lines end
    # at \n, \r\n or a lone \r and keep their ending, which the csv module needs for quoted
    # line breaks; JSON takes either ending as whitespace.
    return path.open(encoding="utf-8-sig", newline="")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line the row starts on, its cells) for each row that is not a blank line, the header first.

    Strict CSV: a quote still open at the end of the file, or text after a closing quote, is an
    error rather than a cell that swallows the lines after it.
    """
    # The csv module's cell limit is one per process; every reader of lead files sets the same.
    csv.field_size_limit(MAX_CELL_CHARACTERS)
    with _open_text(path) as file:
        reader = csv.reader(file, strict=True)
        end = 0  # the last line of the rows read so far
        try:
            for cells in reader:
                if cells:
                    yield end + 1, cells
                end = reader.line_num
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except csv.Error as error:
            raise _broken_csv(path, end + 1, str(error)) from None


def _column_names(path: Path, line: int, header: list[str]) -> list[str]:
    """Return the header's names, stripped of spaces, and of byte order marks at the start.

    Decoding drops one mark; a file saved twice with one starts with two. An empty or repeated
    name would leave a column's cells nowhere (or under another column), and a name holding a
    character no one sees (a NUL, a mark before another column) names no field the operators
    know, so that every record would lack it: each fails the file, naming the column.
    """
    names = [name.strip() for name in header]
    names[0] = names[0].lstrip(BYTE_ORDER_MARK).strip()
    seen: dict[str, int] = {}
    for column, name in enumerate(names, start=1):
        if not name:
            raise JodoLeadFileError(f"{path.name} line {line}: column {column} of the header has no name")
        hidden = next((c for c in name if unicodedata.category(c) in _HIDDEN_CHARACTER_KINDS), None)
        if hidden is not None:
            raise JodoLeadFileError(
                f"{path.name} line {line}: column {column} of the header, {name!r}, holds "
                f"{_describe_character(hidden)}, which no one sees but is part of the name: "
                "remove it from the header"
            )
        if name in seen:
            raise JodoLeadFileError(
                f"{path.name} line {line}: column {name!r} appears twice in the header "
                f"(columns {seen[name]} and {column})"
            )
        seen[name] = column
    return names


def _describe_character(character: str) -> str:
    """Name a character as `U+FEFF (ZERO WIDTH NO-BREAK SPACE)`, or `U+0000 (a control character)`."""
    kind = _HIDDEN_CHARACTER_KINDS[unicodedata.category(character)]
    return f"U+{ord(character):04X} ({unicodedata.name(character, '') or kind})"


def _broken_csv(path: Path, line: int, cause: str) -> JodoLeadFileError:
    """Return the error for the csv module's `cause`, met in the row that starts on `line`."""
    if cause.startswith("field larger than field limit"):
        return JodoLeadFileError(
            f"{path.name} line {line}: a cell exceeds the limit of {MAX_CELL_CHARACTERS:,} characters "
            "(or a quote opened there is never closed)"
        )
    if cause == "unexpected end of data":
        return JodoLeadFileError(f"{path.name} line {line}: a quote opened there is never closed")
    return JodoLeadFileError(f"{path.name} line {line} is not valid CSV: {cause}")


def _json_values(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for each line that is not blank."""
    with _open_text(path) as file:
        line = 0
        try:
            for line, text in enumerate(file, start=1):
                if text.strip():
                    yield line, json.loads(text)
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except (ValueError, RecursionError) as error:  # also a number too long, nesting too deep
            cause = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            raise JodoLeadFileError(f"{path.name} line {line} is not JSON ({cause})") from None


def _not_utf8(path: Path) -> JodoLeadFileError:
    """Return the error for the first bytes of `path` that are not UTF-8, with their line.

    Text is decoded ahead of the line being read, so the reader's position says nothing: the
    file is read again, a line at a time, as bytes (a line break is never part of a UTF-8
    sequence).
    """
    line = 1
    with path.open("rb") as file:
        for raw in file:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                line += _lone_carriage_returns(raw[: error.start])
                return JodoLeadFileError(
                    f"{path.name} is not UTF-8: byte 0x{raw[error.start]:02x} at line {line} "
                    "(export the file as UTF-8)"
                )
            line += 1 + _lone_carriage_returns(raw)
    return JodoLeadFileError(f"{path.name} is not UTF-8 (it changed while being read)")


def _lone_carriage_returns(raw: bytes) -> int:
    r"""Count the lines a lone `\r` ends within `raw` (one line of bytes, split at `\n`)."""
    return raw.count(b"\r") - raw.count(b"\r\n")
