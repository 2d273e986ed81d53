"""Lead hygiene: what an import operator may clean in a record between reading and sending it.

Leads come from CRMs, forms and spreadsheets, where one phone number is written a dozen ways
(`+91 98000 00001`, `098000 00001`, `919800000001`): the platform takes 3 to 16 digits and one
leading `+`, so most of them are rejected, and a number without its country code lands as a
second customer. The step is optional and off by default (the operators then send records as
they read them). It is shared by the ImportProcessData, importCJI records and stage operators.

Phone numbers (`phone_region`): the phone fields are parsed and formatted by `phonenumbers`
(Google's libphonenumber metadata: no number rule is written here) into E.164 digits, with or
without the `+` as the connection's `phone_plus` says. A number the library calls impossible or
invalid rejects its record with the library's reason. Reasons name the field and the library's
verdict, never the number (they reach logs and error messages); the ImportProcessData report,
the place for record-level detail, keeps the text the input had.

Every record the step changes or rejects is counted under a name of `HYGIENE_COUNTS`, the same
in the XCom summary, the asset event's extra and the OpenLineage statistics.
"""

from __future__ import annotations

import csv
import math
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableSequence
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import blake2b
from typing import Any

import phonenumbers

from airflow_provider_jodo.exceptions import JodoError
from airflow_provider_jodo.loading.record_sources import sql_hook, sql_rows
from airflow_provider_jodo.loading.storage import (
    file_name_part,
    local_source,
    printable_uri,
    read_whole,
    remove_whole,
    replace_whole,
)
from airflow_provider_jodo.protocol.wire.record_values import scalar_text

PHONE_NORMALISED = "phone_normalised"
"""Records sent with at least one phone field rewritten into E.164."""
PHONE_INVALID = "phone_invalid"
"""Records rejected because a phone field is not a possible or valid number (also `rejected`)."""
SUPPRESSED = "suppressed"
"""Records left out (outcome `skipped`) because a phone number of theirs is on the do-not-call list."""
HYGIENE_COUNTS = (PHONE_NORMALISED, PHONE_INVALID)
"""The counts of the step, in the order summaries list them."""

# The library's own names for its verdicts, read from its classes (e.g. TOO_SHORT -> "too short").
_POSSIBILITY_REASONS = {
    value: name.lower().replace("_", " ")
    for name, value in vars(phonenumbers.ValidationResult).items()
    if name.isupper()
}
_PARSE_REASONS = {
    value: name.lower().replace("_", " ")
    for name, value in vars(phonenumbers.NumberParseException).items()
    if name.isupper() and isinstance(value, int)
}
_POSSIBLE = (phonenumbers.ValidationResult.IS_POSSIBLE, phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY)


def phone_region_argument(value: Any) -> str | None:
    """Return `phone_region` once it is None (off) or a region libphonenumber knows, upper-cased.

    :raises ValueError: naming `phone_region` and the value.
    """
    if value is None:
        return None
    region = value.strip().upper() if isinstance(value, str) else None
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"phone_region={value!r} is not a region libphonenumber knows "
            "(an ISO 3166 code such as 'IN' or 'US')"
        )
    return region


def phone_fields_argument(value: Any) -> tuple[str, ...]:
    """Return `phone_fields` (more fields holding phone numbers) as a tuple; None is none.

    :raises ValueError: naming `phone_fields` when it is not a list of field names.
    """
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"phone_fields={value!r} must be a list of field names")
    fields = tuple(value)
    if not all(isinstance(name, str) and name.strip() for name in fields):
        raise ValueError(f"phone_fields={value!r} must be a list of field names")
    return fields


@dataclass(frozen=True)
class PhoneNormalisation:
    """How one run rewrites phone numbers.

    It holds the region of numbers written without a country code, the fields that hold
    numbers, and whether the platform wants E.164's leading `+`.

    Thread-safe (it holds no state), so that worker threads may apply it.
    """

    region: str
    fields: frozenset[str]
    """Field names, trimmed and case-folded: records are matched the way importCJI matches them."""
    with_plus: bool

    @classmethod
    def of(cls, region: str, fields: Iterable[str], with_plus: bool) -> PhoneNormalisation:
        """Build it from the operator's arguments (`fields`: the built-in phone fields and `phone_fields`)."""
        return cls(region, frozenset(name.strip().casefold() for name in fields if name.strip()), with_plus)

    def normalise(self, record: dict[str, Any]) -> tuple[dict[str, Any], str | None, str | None]:
        """Return the record with its phone numbers rewritten, the report's note, and a rejection.

        The record comes back as it is when no number changed (not copied), else as a new dict.
        The note (None: nothing changed) says which fields changed from which text, for the
        report only: it holds lead data. The rejection (None: none) names the field and the
        library's reason, never the number. An empty or absent field is left to the other checks.
        """
        changed: dict[str, str] | None = None
        notes: list[str] = []
        for name, value in record.items():
            if not isinstance(name, str) or name.strip().casefold() not in self.fields:
                continue
            text = scalar_text(value)
            if text is None or not text.strip():
                continue
            number, problem = self._formatted(text)
            if problem is not None:
                return record, None, f"{name} is not a phone number of region {self.region}: {problem}"
            if number != text:
                changed = changed if changed is not None else {}
                changed[name] = number
                notes.append(f"{name} {text!r}")
        if changed is None:
            return record, None, None
        return {**record, **changed}, "phone numbers normalised from " + ", ".join(notes), None

    def _formatted(self, text: str) -> tuple[str, str | None]:
        """Return the number in E.164 (as the platform wants it) and None, or "" and the library's reason."""
        formatted, problem = e164(text, self.region)
        return (formatted if self.with_plus else formatted.lstrip("+")), problem


def e164(text: str, region: str) -> tuple[str, str | None]:
    """Return `text` as an E.164 number (`+919800000001`) and None, or "" and the library's reason.

    :param text: a phone number as written anywhere.
    :param region: the region of a number written without its country code.
    """
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        return "", _PARSE_REASONS.get(error.error_type, "not a number")
    possibility = phonenumbers.is_possible_number_with_reason(number)
    if possibility not in _POSSIBLE:
        return "", _POSSIBILITY_REASONS.get(possibility, "not possible")
    if not phonenumbers.is_valid_number(number):
        return "", "not a valid number (no such number range)"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def hygiene_counts(normalisation: PhoneNormalisation | None) -> dict[str, int]:
    """Return the step's counts, all 0, for a run with the step on; an empty dict when it is off.

    With the step off, summaries and asset extras keep exactly the keys they had without it.
    """
    return {name: 0 for name in HYGIENE_COUNTS} if normalisation is not None else {}


DUPLICATE_IN_INPUT = "duplicate_in_input"
"""Records whose key an earlier record of the same input already had, whatever became of them."""
ON_DUPLICATE_IN_INPUT_CHOICES = ("last", "first", "reject")
"""`last`: send every record, so that the platform keeps the last (as without the step); `first`:
send the first record of a key and skip the later ones; `reject`: send the first and reject the
later ones."""


def on_duplicate_in_input_argument(value: Any) -> str:
    """Return `on_duplicate_in_input` once it is one of `ON_DUPLICATE_IN_INPUT_CHOICES`.

    :raises ValueError: naming the parameter and the choices.
    """
    if value not in ON_DUPLICATE_IN_INPUT_CHOICES:
        choices = ", ".join(map(repr, ON_DUPLICATE_IN_INPUT_CHOICES))
        raise ValueError(f"on_duplicate_in_input={value!r} is not one of {choices}")
    return value


class InputDuplicates:
    """Which records of one input repeat an earlier record's key, and what becomes of them.

    Records are judged in input order, as they stream past: a later record can replace an
    earlier one only by being sent after it (`last`, the platform keeps the last), never by
    recalling it. The index maps each distinct key to the row that holds it now (`_KeyRows`:
    16 to 32 bytes a distinct key, about 32 MB for a million), the one part of a run that grows
    with its input. Notes name rows by number only (never a key: lead data), so they may reach
    logs. One instance judges one pass over the input.
    """

    def __init__(self, policy: str) -> None:
        """Start with no key seen.

        :param policy: the operator's checked `on_duplicate_in_input`.
        """
        self.policy = policy
        self.count = 0
        self._rows = _KeyRows()

    def judge(self, index: int, key: str | None) -> tuple[str | None, str | None]:
        """Return what becomes of record `index` of key `key` (normalised): (outcome, note).

        The outcome is None (send it), `skipped` or `rejected`; the note, None for a key not
        seen before, says which row won or which it replaced. An empty or absent key is not
        judged.
        """
        if not key:
            return None, None
        earlier = self._rows.first_row(key, index, replace=self.policy == "last")
        if earlier is None:
            return None, None
        self.count += 1
        if self.policy == "last":
            return None, f"duplicate in input: replaces records[{earlier}] (on_duplicate_in_input='last')"
        if self.policy == "first":
            return "skipped", f"duplicate in input: records[{earlier}] won (on_duplicate_in_input='first')"
        return "rejected", f"duplicate in input of records[{earlier}] (on_duplicate_in_input='reject')"


class _KeyRows:
    """Key -> row number, in two arrays of 64-bit integers with open addressing on the key's hash.

    A dict of strings would take about 125 bytes a key (125 MB for a million keys, which breaks
    the operators' memory bound); this takes 16 bytes a slot, at most half of them used. Keys
    are kept as their 64-bit hash (Python's, stable within a process): two distinct keys of one
    hash would be taken for one, a chance of about one in 30 million for a million keys.
    """

    _START_SLOTS = 1024

    def __init__(self) -> None:
        """Start empty."""
        self._hashes = array("q", bytes(8 * self._START_SLOTS))  # 0: an empty slot
        self._rows = array("q", bytes(8 * self._START_SLOTS))
        self._used = 0

    def first_row(self, key: str, row: int, *, replace: bool) -> int | None:
        """Return the row that held `key` before (None: none, and `row` holds it now).

        With `replace`, `row` holds the key from now on either way.
        """
        wanted = hash(key) or 1
        slot = self._slot(wanted)
        if self._hashes[slot] == 0:
            self._hashes[slot], self._rows[slot] = wanted, row
            self._used += 1
            if 2 * self._used > len(self._hashes):
                self._grow()
            return None
        earlier = self._rows[slot]
        if replace:
            self._rows[slot] = row
        return earlier

    def _slot(self, wanted: int) -> int:
        """Return the slot of hash `wanted`, or the empty slot where it goes (linear probing)."""
        hashes = self._hashes
        mask = len(hashes) - 1
        slot = wanted & mask
        while True:
            stored = hashes[slot]
            if stored == 0 or stored == wanted:
                return slot
            slot = (slot + 1) & mask

    def _grow(self) -> None:
        """Double the slots and place every key again."""
        hashes, rows = self._hashes, self._rows
        self._hashes = array("q", bytes(16 * len(hashes)))
        self._rows = array("q", bytes(16 * len(rows)))
        for stored, row in zip(hashes, rows, strict=True):
            if stored:
                slot = self._slot(stored)
                self._hashes[slot], self._rows[slot] = stored, row


def duplicate_counts(duplicates: InputDuplicates) -> dict[str, int]:
    """Return `{DUPLICATE_IN_INPUT: n}` when the input held duplicates or the policy is not `last`.

    With the default `last` and no duplicate, summaries keep exactly the keys they had.
    """
    if duplicates.count or duplicates.policy != "last":
        return {DUPLICATE_IN_INPUT: duplicates.count}
    return {}


_SUPPRESSION_BUCKETS = 4096
"""The list is held as this many sorted arrays, by number modulo it: each sorts in a moment and in
little memory, where one sort of ten million Python integers would take a gigabyte."""


class SuppressionList:
    """A do-not-call list: E.164 numbers as 64-bit integers, in sorted arrays, looked up by bisection.

    Ten million numbers take about 85 MB at the peak of reading (8 bytes each, where a Python
    set of strings would take over a gigabyte), and a record is checked in about 2
    microseconds. Read it with `read` (a file) or `of` (any entries: a query's rows).
    """

    def __init__(self, buckets: list[MutableSequence[int]], source: str = "suppression_path") -> None:
        """Hold the numbers as `of` sorted them.

        :param buckets: `_SUPPRESSION_BUCKETS` sorted arrays of 64-bit integers, by number modulo
            the count.
        :param source: the operator's parameter the list came from, named in the reason of a
            record it suppresses.
        """
        self._buckets = buckets
        self.source = source

    def __len__(self) -> int:
        """Return how many numbers (with repeats) the list holds."""
        return sum(map(len, self._buckets))

    def __contains__(self, number: object) -> bool:
        """Return whether the E.164 number (as an integer, without `+`) is on the list."""
        if not isinstance(number, int):
            return False
        bucket = self._buckets[number % _SUPPRESSION_BUCKETS]
        position = bisect_left(bucket, number)
        return position < len(bucket) and bucket[position] == number

    def suppresses(self, record: Mapping[str, Any], fields: frozenset[str]) -> bool:
        """Return whether a phone field of the record (already in E.164) holds a number on the list.

        :param record: a record whose phone fields `PhoneNormalisation` has rewritten.
        :param fields: the phone fields, trimmed and case-folded (`PhoneNormalisation.fields`).
        """
        for name, value in record.items():
            if isinstance(name, str) and name.strip().casefold() in fields:
                digits = scalar_text(value)
                digits = digits.strip().lstrip("+") if digits else ""
                if digits.isdigit() and int(digits) in self:
                    return True
        return False

    @classmethod
    def read(cls, path: str, column: str | None, region: str) -> SuppressionList:
        """Read a local list file: one number a line, or the CSV column `column` (header first).

        A byte-order mark, blank lines and surrounding spaces are ignored; numbers are read as
        `of` reads them.

        :param path: the local copy of `suppression_path`.
        :param column: `suppression_column` (None: one number a line).
        :param region: the operator's `phone_region`.
        :raises ValueError: naming `suppression_path` and the line (never its text: lead data)
            whose number the library refuses, or the column missing from the header.
        """
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return cls.of(_list_entries(handle, column), region, "suppression_path", "line")

    @classmethod
    def of(cls, entries: Iterable[tuple[int, str]], region: str, source: str, unit: str) -> SuppressionList:
        """Hold the numbers of `entries`, (line or row number, text trimmed, not blank), streamed.

        Numbers are normalised as records are (`e164`, region `region`); one written `+` and
        7 to 15 digits is taken as E.164 as it is, without the library (a list of ten million
        loads in seconds in that form, in minutes in others).

        :param source: the operator's parameter the entries come from (`suppression_path`,
            `suppression_sql`), named in errors and in the reason of a suppressed record.
        :param unit: what an entry's number counts, `line` or `row`, named in errors.
        :raises ValueError: naming `source` and the entry (never its text: lead data) whose
            number the library refuses.
        """
        buckets: list[MutableSequence[int]] = [array("q") for _ in range(_SUPPRESSION_BUCKETS)]
        for entry_number, text in entries:
            digits = text[1:]
            if not (text[0] == "+" and 7 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()):
                formatted, problem = e164(text, region)
                if problem is not None:
                    raise ValueError(
                        f"{source} {unit} {entry_number}: not a phone number of region {region}: "
                        f"{problem}; fix or remove the {unit} (nothing was sent)"
                    )
                digits = formatted[1:]
            number = int(digits)
            buckets[number % _SUPPRESSION_BUCKETS].append(number)
        for index, bucket in enumerate(buckets):
            buckets[index] = array("q", sorted(bucket))
        return cls(buckets, source)


def _list_entries(handle: Iterable[str], column: str | None) -> Iterator[tuple[int, str]]:
    """Yield (line number, text trimmed) of every entry of a do-not-call list that is not blank."""
    if column is None:
        for line_number, line in enumerate(handle, start=1):
            text = line.strip()
            if text:
                yield line_number, text
        return
    rows = csv.reader(handle)
    header = [name.strip() for name in next(rows, [])]
    if column.strip() not in header:
        raise ValueError(
            f"suppression_column={column!r} is not a column of suppression_path (its columns: "
            f"{', '.join(map(repr, header)) or 'none'})"
        )
    position = header.index(column.strip())
    for row in rows:
        text = row[position].strip() if len(row) > position else ""
        if text:
            yield rows.line_num, text


_SUPPRESSION_FETCH_SIZE = 10_000
"""Rows of `suppression_sql` fetched at a time: the result streams into the list's arrays."""


def _query_entries(sql: str, conn_id: str) -> Iterator[tuple[int, str]]:
    """Yield (row number, text trimmed) of every row of `sql` whose first column is not empty.

    NULLs and blank text are skipped; integers (a number column) are read written out, as are
    whole numbers of a decimal or float column (a 15-digit number is exact in either).

    :raises ValueError: naming `suppression_sql` and the row of a value that is none of those,
        or `suppression_conn_id` when it is not a SQL connection.
    :raises JodoError: the connection or the query failed, naming `suppression_sql` and the
        connection (the database's reason, without the connection's password).
    """
    rows = sql_rows(sql_hook(conn_id, "suppression_conn_id"), sql, None, _SUPPRESSION_FETCH_SIZE)
    row_number = 0
    while True:
        try:
            fetched = next(rows, None)
        except Exception as error:  # the driver's own classes: one per database
            raise _query_error(conn_id, row_number, error) from None
        if fetched is None:
            return
        row_number += 1
        value = fetched[1][0]
        text = _number_text(value)
        if text is None:
            raise ValueError(
                f"suppression_sql row {row_number}: a {type(value).__name__} value, not a phone number "
                "(text or a whole number); fix or remove the row (nothing was sent)"
            )
        if text:
            yield row_number, text


def _number_text(value: object) -> str | None:
    """Return a list's value as text (trimmed; "" for NULL or blank), None for what holds no number."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return None


def _query_error(conn_id: str, rows_read: int, error: Exception) -> JodoError:
    """Return the error of a failed `suppression_sql`, naming it, the connection and the database's reason.

    The reason loses the connection's password, should a driver quote it, and the original is
    not chained (its traceback would quote it too).
    """
    from airflow_provider_jodo.compat.airflow import BaseHook

    reason = str(error) or "no reason given"
    password = BaseHook.get_connection(conn_id).password  # found before: its hook ran the query
    if password:
        reason = reason.replace(password, "***")
    where = f"after {rows_read} rows" if rows_read else "before any row"
    return JodoError(
        f"suppression_sql failed on suppression_conn_id={conn_id!r} {where}: "
        f"{type(error).__name__}: {reason}; nothing was sent"
    )


UNCHANGED = "unchanged"
"""Records left out (outcome `skipped`) because the platform accepted them as they are in an earlier
successful run (`skip_unchanged` with `state_path`)."""
UNCHANGED_REASON = "unchanged since the last successful run (state_path)"

_DIGEST_BYTES = 16
"""blake2b digests of 128 bits, of a key and of a content: two never collide by chance."""
_ENTRY_BYTES = 2 * _DIGEST_BYTES
_NOT_TRACKED = bytes(_ENTRY_BYTES)
"""The entry of a record sent without a key: there is nothing to remember it by."""
STATE_FORMAT = 1
"""The state files' format version, in their header; a file of another version is not read."""
_STATE_KIND = b"jodo lead-hygiene state"
_STAGED_KIND = b"jodo lead-hygiene staged rows"
"""The digests of a stage-and-import run's staged rows, in row order, until its job succeeded."""
_COUNT = struct.Struct("<4sQ")
"""The trailer: `END!` and the entry count, then the blake2b-128 digest of everything before it."""
_TRAILER_BYTES = _COUNT.size + _DIGEST_BYTES


class StateFileError(ValueError):
    """A state file this provider did not write whole: cut short, of another format, or garbage."""


def _framed(kind: bytes, entries: bytes) -> bytes:
    """Return a state file of `kind` holding `entries`: a header naming the kind and format, a trailer."""
    unsigned = (
        kind + b", format %d\n" % STATE_FORMAT + entries + _COUNT.pack(b"END!", len(entries) // _ENTRY_BYTES)
    )
    return unsigned + blake2b(unsigned, digest_size=_DIGEST_BYTES).digest()


def _unframed(kind: bytes, data: bytes) -> bytes:
    """Return the entries of a state file of `kind` that `_framed` wrote.

    :raises StateFileError: it does not begin with the header of `kind` and format
        `STATE_FORMAT`, or its trailer's count or digest does not match what is there (cut
        short, written in part, changed by hand).
    """
    magic = kind + b", format "
    if not data.startswith(magic):
        raise StateFileError(f"it is not a {kind.decode()} file (no header)")
    header = magic + b"%d\n" % STATE_FORMAT
    if not data.startswith(header):
        version = data[len(magic) :].split(b"\n", 1)[0][:20].decode("ascii", "replace")
        raise StateFileError(f"it is of format {version!r}; this provider reads format {STATE_FORMAT}")
    if len(data) < len(header) + _TRAILER_BYTES:
        raise StateFileError("it is cut short (no trailer)")
    entries = data[len(header) : len(data) - _TRAILER_BYTES]
    end, count = _COUNT.unpack_from(data, len(data) - _TRAILER_BYTES)
    if end != b"END!" or len(entries) != count * _ENTRY_BYTES:
        raise StateFileError("it is cut short or written in part (its trailer does not match its length)")
    if blake2b(data[:-_DIGEST_BYTES], digest_size=_DIGEST_BYTES).digest() != data[-_DIGEST_BYTES:]:
        raise StateFileError("its digest does not match its content")
    return entries


def record_digests(key: str, record: Mapping[str, Any]) -> bytes:
    """Return the 32 bytes a record is remembered by: the digest of its key, then of its content.

    The content is every field as it is sent (`scalar_text`; any other value by its type and
    repr), in field-name order, each name and value length-prefixed: the digest does not depend
    on the dict's order, and no two different records encode alike. Give the record as it
    would be sent (after phone normalisation), so that a change of the sent form sends it again.

    :param key: the record's normalised key (update key, dial-list number).
    :param record: the record as it would be sent.
    """
    parts = []
    for name in sorted(record, key=str):
        value = record[name]
        text = scalar_text(value)
        kind = "s"
        if text is None:
            kind, text = "r", f"{type(value).__qualname__}:{value!r}"
        parts.append(f"{len(str(name))}:{name}{kind}{len(text)}:{text}")
    content = "".join(parts).encode("utf-8", "surrogatepass")
    key_digest = blake2b(key.encode("utf-8", "surrogatepass"), digest_size=_DIGEST_BYTES, person=b"jodo-key")
    return key_digest.digest() + blake2b(content, digest_size=_DIGEST_BYTES, person=b"jodo-record").digest()


class SentState:
    """What the platform accepted in earlier successful runs: a content digest per record key.

    A run judges each record against it (`unchanged`), adds what the platform accepted of its
    own records (`accept`), and writes the whole back only after it succeeded (`encode`, then
    `write_sent_state`). Entries are 32 bytes (`record_digests`: the key's digest, the
    content's), kept sorted by key in one bytes object and found by bisection on an array of
    their first 8 bytes: 40 bytes a key, 40 MB for a million, where a dict of the same digests
    would take about 160 MB. Records themselves are never kept. One thread uses it.
    """

    def __init__(self, entries: bytes = b"", *, skip_unchanged: bool = True) -> None:
        """Hold the entries of a state file (`decode`), or none.

        :param entries: 32-byte entries sorted by key digest.
        :param skip_unchanged: whether `unchanged` may say yes (False: a forced whole run that
            still refreshes the state).
        """
        self.skip_unchanged = skip_unchanged
        self._entries = entries
        self._prefixes = array("Q")
        if entries:  # the first 8 bytes of each entry, read in C, as big-endian numbers (bytes order)
            self._prefixes.frombytes(memoryview(entries).cast("Q")[:: _ENTRY_BYTES // 8].tobytes())
            if sys.byteorder == "little":
                self._prefixes.byteswap()
        self._accepted = bytearray()
        self.accepted = 0
        """Entries `accept` took that are new or changed."""

    def __len__(self) -> int:
        """Return how many keys the state held when it was read."""
        return len(self._prefixes)

    def unchanged(self, digests: bytes) -> bool:
        """Return whether a record (`record_digests`) is what the platform last accepted for its key."""
        return self.skip_unchanged and self._content(digests[:_DIGEST_BYTES]) == digests[_DIGEST_BYTES:]

    def accept(self, digests: bytes) -> None:
        """Remember a record (`record_digests`) the platform accepted in this run; later ones of a key win."""
        if digests != _NOT_TRACKED and self._content(digests[:_DIGEST_BYTES]) != digests[_DIGEST_BYTES:]:
            self._accepted += digests
            self.accepted += 1

    def encode(self) -> bytes:
        """Return the state file: the entries read, updated by those accepted, with header and trailer.

        A key absent from this run keeps its entry.
        """
        return _framed(_STATE_KIND, self._merged_entries())

    @classmethod
    def decode(cls, data: bytes, *, skip_unchanged: bool = True) -> SentState:
        """Read a state file that `encode` wrote.

        :raises StateFileError: as `_unframed` says: cut short, of another format, or garbage.
        """
        return cls(_unframed(_STATE_KIND, data), skip_unchanged=skip_unchanged)

    def _position(self, key_digest: bytes) -> int:
        """Return the index of the first entry whose key is not below `key_digest`."""
        entries, prefixes = self._entries, self._prefixes
        prefix = int.from_bytes(key_digest[:8], "big")
        index = bisect_left(prefixes, prefix)
        while (
            index < len(prefixes)
            and prefixes[index] == prefix
            and entries[index * _ENTRY_BYTES : index * _ENTRY_BYTES + _DIGEST_BYTES] < key_digest
        ):
            index += 1
        return index

    def _content(self, key_digest: bytes) -> bytes | None:
        """Return the content digest held for a key digest, None for a key not in the state."""
        index = self._position(key_digest)
        start = index * _ENTRY_BYTES
        if index < len(self._prefixes) and self._entries[start : start + _DIGEST_BYTES] == key_digest:
            return self._entries[start + _DIGEST_BYTES : start + _ENTRY_BYTES]
        return None

    def _merged_entries(self) -> bytes:
        """Return the entries read with those accepted put in, sorted by key, the last of a key winning."""
        accepted = self._accepted
        updates = sorted(
            (
                bytes(accepted[start : start + _ENTRY_BYTES])
                for start in range(0, len(accepted), _ENTRY_BYTES)
            ),
            key=lambda entry: entry[:_DIGEST_BYTES],  # stable: a key's entries stay in input order
        )
        merged = bytearray()
        entries, copied = self._entries, 0
        for number, entry in enumerate(updates):
            key_digest = entry[:_DIGEST_BYTES]
            if number + 1 < len(updates) and updates[number + 1][:_DIGEST_BYTES] == key_digest:
                continue  # a later record of the key was accepted too
            position = self._position(key_digest)
            merged += entries[copied * _ENTRY_BYTES : position * _ENTRY_BYTES]
            if entries[position * _ENTRY_BYTES : position * _ENTRY_BYTES + _DIGEST_BYTES] == key_digest:
                position += 1  # replaced
            merged += entry
            copied = position
        merged += entries[copied * _ENTRY_BYTES :]
        return bytes(merged)


def skip_unchanged_arguments(skip_unchanged: Any, state_path: str | None) -> bool:
    """Return `skip_unchanged` once it fits `state_path`.

    :raises ValueError: naming both, for `skip_unchanged=True` without a `state_path`.
    """
    if not isinstance(skip_unchanged, bool):
        raise ValueError(f"skip_unchanged={skip_unchanged!r} must be True or False")
    if skip_unchanged and state_path is None:
        raise ValueError(
            "skip_unchanged=True needs state_path: the digests of the records the last successful run "
            "sent are kept there"
        )
    return skip_unchanged


def read_sent_state(
    path: str | None, skip_unchanged: bool, conn_id: str | None, log: Any
) -> SentState | None:
    """Return the state at `path` (local or object storage), None without a `state_path`.

    No file yet (a first run) gives an empty state; a file that is not a whole state file of
    this format (`SentState.decode`) is ignored with a warning, and the whole input is sent:
    never a record left out on the word of a file that may be misread.

    :param path: the operator's rendered `state_path`.
    :param skip_unchanged: its `skip_unchanged` (False: send everything, refresh the state).
    :param conn_id: the Airflow connection of an object-storage `path` (None: the store's default).
    :param log: the task's logger.
    :raises JodoObjectStorageError: the file exists but cannot be read.
    """
    if path is None:
        return None
    data = read_whole(path, conn_id, "state_path")
    if data is None:
        log.info("state_path=%r holds no state yet: every record is sent", printable_uri(path))
        return SentState(skip_unchanged=skip_unchanged)
    try:
        state = SentState.decode(data, skip_unchanged=skip_unchanged)
    except StateFileError as error:
        log.warning(
            "Ignoring state_path=%r: %s. Every record is sent; a new state is written once the run succeeds",
            printable_uri(path),
            error,
        )
        return SentState(skip_unchanged=skip_unchanged)
    if not skip_unchanged:
        log.info("skip_unchanged=False: every record is sent; state_path is refreshed once the run succeeds")
    return state


def write_sent_state(path: str, state: SentState, conn_id: str | None, log: Any) -> None:
    """Replace the state at `path` with `state` and what this run's platform accepted; call after success.

    The file is replaced whole (`storage.replace_whole`): a reader sees the old state or the new.

    :raises JodoObjectStorageError: it cannot be written (the old state stays).
    """
    data = state.encode()
    replace_whole(path, conn_id, "state_path", data)
    log.info(
        "state_path=%r written: %d keys, %d of them new or changed in this run",
        printable_uri(path),
        _COUNT.unpack_from(data, len(data) - _TRAILER_BYTES)[1],
        state.accepted,
    )


FIRST_STAGED_ROW = 2
"""The line of a staged CSV's first record, after its header, as the job's row errors number lines."""


def staged_rows_path(state_path: str, remote_path: str) -> str:
    """Return where a stage-and-import run keeps its staged rows' digests until its job succeeded.

    Beside the state, one per staged file (`remote_path` is per run, task and map index by
    default), so that a deferred wait resumed on another worker, or a retry reusing its earlier
    try's job, finds them.
    """
    return f"{state_path}.staged-{file_name_part(remote_path)}"


def write_staged_rows(path: str, digests: bytes, conn_id: str | None) -> None:
    """Keep the digests of a run's staged rows (`LeadHygiene.staged_digests`) at `path`, whole.

    :raises JodoObjectStorageError: it cannot be written.
    """
    replace_whole(path, conn_id, "state_path", _framed(_STAGED_KIND, digests))


def commit_staged_rows(
    state_path: str,
    staged_path: str,
    failed_rows: Iterable[int] | None,
    conn_id: str | None,
    log: Any,
) -> None:
    """Put the staged rows that landed into the state, once their file job has succeeded.

    The state is read anew (the latest a run wrote), every staged row but the `failed_rows`
    gets its new digest, the state is replaced whole and the staged rows' file removed. Rows
    whose fate is unknown (`failed_rows` None: the job's error list does not name every failed
    row), or a staged rows' file that is missing or damaged, leave the state as it was, with a
    warning: those rows are staged again next time, never taken for landed.

    :param failed_rows: the staged file's lines the job reports as errors (`FIRST_STAGED_ROW`
        is the first record's).
    :raises JodoObjectStorageError: a file cannot be read, written or removed.
    """
    data = read_whole(staged_path, conn_id, "state_path")
    try:
        if data is None:
            raise StateFileError("it is missing")
        digests = _unframed(_STAGED_KIND, data)
    except StateFileError as error:
        log.warning(
            "The staged rows' digests at %r cannot be read (%s): state_path is left as it was, and the "
            "rows are staged again next time",
            printable_uri(staged_path),
            error,
        )
        return
    if failed_rows is None:
        log.warning(
            "The import job's error list does not name every failed row: state_path is left as it was, "
            "and the rows are staged again next time"
        )
    else:
        failed = set(failed_rows)
        state = read_sent_state(state_path, True, conn_id, log)
        assert state is not None  # a path gives a state
        for number, start in enumerate(range(0, len(digests), _ENTRY_BYTES)):
            if number + FIRST_STAGED_ROW not in failed:
                state.accept(digests[start : start + _ENTRY_BYTES])
        write_sent_state(state_path, state, conn_id, log)
    remove_whole(staged_path, conn_id, "state_path")


@dataclass
class LeadHygiene:
    """The step of one pass over an input: phone numbers, the do-not-call list, duplicates, unchanged records.

    An operator gets the first pass's from `HygieneSettings.lead_hygiene` and another's (its
    `on_invalid="fail"` check is a pass of its own, without `sent`) from `anew`, and calls
    `clean` on every record in input order, in one thread. With `sent`, it then calls `landed`
    once for every record `clean` let through, in input order, with whether the platform
    accepted it, and `write_state` once the run has succeeded. Its counts are the step's part
    of the summary (`summary_counts`).
    """

    normalisation: PhoneNormalisation | None
    suppression: SuppressionList | None
    duplicates: InputDuplicates
    sent: SentState | None = None
    state_location: tuple[str, str | None] | None = None
    """Where `sent` was read from and goes back to: the rendered `state_path` and the Airflow
    connection of its store (None: the store's default)."""
    counts: dict[str, int] = field(init=False)
    _sending: bytearray = field(init=False, default_factory=bytearray)
    """The `record_digests` of the records let through and not landed yet, from `_landed_bytes` on."""
    _landed_bytes: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        """Start the counts of the parts that are on: with none, summaries keep their old keys."""
        self.counts = hygiene_counts(self.normalisation)
        if self.suppression is not None:
            self.counts[SUPPRESSED] = 0
        if self.sent is not None:
            self.counts[UNCHANGED] = 0

    def clean(
        self,
        index: int,
        record: dict[str, Any],
        problem: Callable[[dict[str, Any]], str | None],
        key: Callable[[dict[str, Any]], str | None],
    ) -> tuple[dict[str, Any], str | None, str | None]:
        """Return (record to send, outcome before sending, text) for input record `index`.

        In order: phone numbers rewritten (an invalid one rejects the record as it was read),
        the operator's own checks (`problem`: the reason, or None), the do-not-call list
        (outcome `skipped`), duplicates of the record's `key`, then, with `sent`, the record as
        it would be sent against the last successful run's (outcome `skipped`). The outcome is
        None for a record to send, its text the report's note (or None); else `rejected` or
        `skipped`, with the reason.
        """
        note = None
        if self.normalisation is not None:
            normalised, note, invalid = self.normalisation.normalise(record)
            if invalid is not None:
                self.counts[PHONE_INVALID] += 1
                return record, "rejected", invalid
            record = normalised
        reason = problem(record)
        if reason is not None:
            return record, "rejected", reason
        suppression, normalisation = self.suppression, self.normalisation
        if (
            suppression is not None
            and normalisation is not None
            and suppression.suppresses(record, normalisation.fields)
        ):
            self.counts[SUPPRESSED] += 1
            return record, "skipped", f"on the do-not-call list ({suppression.source})"
        record_key = key(record)
        outcome, duplicate_note = self.duplicates.judge(index, record_key)
        if outcome is not None:
            return record, outcome, duplicate_note
        if self.sent is not None:
            digests = record_digests(record_key, record) if record_key else _NOT_TRACKED
            if digests != _NOT_TRACKED and self.sent.unchanged(digests):
                self.counts[UNCHANGED] += 1
                return record, "skipped", UNCHANGED_REASON
            self._sending += digests
        if note is not None:
            self.counts[PHONE_NORMALISED] += 1
        return record, None, "; ".join(filter(None, (note, duplicate_note))) or None

    def staged_digests(self) -> bytes:
        """Return the digests of every record `clean` let through, in input order (for the stage's file).

        A record without a key has 32 zero bytes, so that the n-th entry is the n-th staged row.
        """
        return bytes(self._sending[self._landed_bytes :])

    def landed(self, accepted: bool) -> None:
        """Say whether the platform accepted the next record `clean` let through (in input order).

        An accepted record's digests go into `sent`; a rejected one's key keeps its old entry, so
        that it is sent again next time. Nothing happens without `sent`.
        """
        if self.sent is None:
            return
        start = self._landed_bytes
        if accepted:
            self.sent.accept(bytes(self._sending[start : start + _ENTRY_BYTES]))
        self._landed_bytes = start + _ENTRY_BYTES
        if self._landed_bytes >= 2**16 and 2 * self._landed_bytes >= len(self._sending):
            del self._sending[: self._landed_bytes]  # keep only what is in flight
            self._landed_bytes = 0

    def summary_counts(self) -> dict[str, int]:
        """Return the step's counts for a summary, `duplicate_in_input` as `duplicate_counts` says."""
        return {**self.counts, **duplicate_counts(self.duplicates)}

    def anew(self) -> LeadHygiene:
        """Return the same step for another pass over the input: counts and duplicates start again.

        The phone numbers' form and the do-not-call list, read once a run, are shared.
        """
        return LeadHygiene(self.normalisation, self.suppression, InputDuplicates(self.duplicates.policy))

    @property
    def suppressed(self) -> int:
        """Return how many records the do-not-call list left out: they did not land."""
        return self.counts.get(SUPPRESSED, 0)

    @property
    def unchanged(self) -> int:
        """Return how many records were left out as unchanged: they are on the platform as they are."""
        return self.counts.get(UNCHANGED, 0)

    def write_state(self, log: Any) -> None:
        """Write what the platform accepted in this pass back where the state was read from.

        Call it once the run has succeeded. Nothing happens without a state (`state_location`).

        :param log: the task's logger.
        :raises JodoObjectStorageError: it cannot be written (the old state stays).
        """
        if self.sent is not None and self.state_location is not None:
            state_path, conn_id = self.state_location
            write_sent_state(state_path, self.sent, conn_id, log)

    def log_counts(self, log: Any) -> None:
        """Log the step's counts in one line on `log` (the task's logger) when it is on: no lead data."""
        counts = self.summary_counts()
        if counts:
            log.info("Lead hygiene: %s", ", ".join(f"{count} {name}" for name, count in counts.items()))


def hygiene_summary_counts(summary: Mapping[str, Any]) -> dict[str, int]:
    """Return the step's counts out of a summary that holds them among others (the stage's).

    In the order `LeadHygiene.summary_counts` gives them; none when the step was off.
    """
    names = (*HYGIENE_COUNTS, SUPPRESSED, UNCHANGED, DUPLICATE_IN_INPUT)
    return {name: summary[name] for name in names if name in summary}


@dataclass(frozen=True)
class HygieneSettings:
    """An import operator's lead-hygiene arguments, checked when the DAG is parsed.

    The three operators that send records share it, so that each holds only what differs:
    which of its fields hold phone numbers, and the key duplicates are judged on. The
    do-not-call list's location and query and the state's location are templated: they stay the
    operator's attributes (Airflow renders those only) and are handed over rendered to
    `lead_hygiene`.
    """

    phone_region: str | None
    """Checked by `phone_region_argument`; None: the step's phone part is off."""
    phone_fields: tuple[str, ...]
    """The user's `phone_fields`, beside the operator's own phone fields."""
    on_duplicate_in_input: str
    suppression_column: str | None
    suppression_conn_id: str | None
    skip_unchanged: bool
    """With a `state_path`: whether unchanged records are left out (False: a whole run)."""

    @classmethod
    def from_arguments(
        cls,
        *,
        phone_region: Any,
        phone_fields: Any,
        on_duplicate_in_input: Any,
        suppression_path: str | None,
        suppression_column: str | None,
        suppression_sql: str | None,
        suppression_conn_id: str | None,
        skip_unchanged: Any,
        state_path: str | None,
    ) -> HygieneSettings:
        """Check the operator's arguments of the step.

        :raises ValueError: naming the parameter: an unknown region or policy, `phone_fields`
            that are not field names, both a list file and a query, a query without its
            connection (or the reverse), a column without a list file, a list without
            `phone_region` (the list's numbers and the records' are compared in E.164, which
            needs the region), or `skip_unchanged=True` without a `state_path`.
        """
        region = phone_region_argument(phone_region)
        if suppression_path is not None and suppression_sql is not None:
            raise ValueError("give one of suppression_path and suppression_sql, not both")
        if (suppression_sql is None) != (suppression_conn_id is None):
            raise ValueError("suppression_sql and suppression_conn_id go together")
        if suppression_column is not None and suppression_path is None:
            raise ValueError(
                "suppression_column needs suppression_path (a suppression_sql list is its first column)"
            )
        for name, given in (("suppression_path", suppression_path), ("suppression_sql", suppression_sql)):
            if given is not None and region is None:
                raise ValueError(
                    f"{name} needs phone_region: the list's numbers and the records' are compared in E.164"
                )
        return cls(
            region,
            phone_fields_argument(phone_fields),
            on_duplicate_in_input_argument(on_duplicate_in_input),
            suppression_column,
            suppression_conn_id,
            skip_unchanged_arguments(skip_unchanged, state_path),
        )

    def lead_hygiene(
        self,
        own_phone_fields: Iterable[str],
        phone_plus: Callable[[], bool],
        *,
        suppression_path: str | None,
        suppression_sql: str | None,
        storage_conn_id: str | None,
        state_path: str | None,
        log: Any,
    ) -> LeadHygiene:
        """Return the step of a run's first pass over its input (`LeadHygiene.anew` for another).

        The do-not-call list and the state are read here, once a run.

        :param own_phone_fields: the operator's phone fields (`mobilenumber`, the dial list's
            `phone_field`); the user's `phone_fields` are added.
        :param phone_plus: gives the Jodo connection's `phone_plus` (reaching the hooks' layer
            is the operator's part); called only with `phone_region`.
        :param suppression_path: the operator's rendered `suppression_path`.
        :param suppression_sql: its rendered `suppression_sql`, run on `suppression_conn_id`;
            the first column of its rows holds the numbers.
        :param storage_conn_id: the Airflow connection of an object-storage list or state
            (None: the store's default).
        :param state_path: the operator's rendered `state_path` (None: no state).
        :param log: the task's logger (a state that is ignored is warned about).
        :raises ValueError: a number of the list that is none, naming the line or row (see
            `SuppressionList.of`).
        :raises JodoObjectStorageError: the list's object, or an existing state, cannot be read.
        :raises JodoError: the query failed (see `_query_entries`).
        """
        region = self.phone_region
        normalisation = suppression = None
        if region is not None:
            fields = (*own_phone_fields, *self.phone_fields)
            normalisation = PhoneNormalisation.of(region, fields, phone_plus())
            if suppression_path is not None:
                with local_source(suppression_path, storage_conn_id, "suppression_path") as local:
                    assert local is not None  # a location gives a file
                    suppression = SuppressionList.read(local, self.suppression_column, region)
            elif suppression_sql is not None:
                assert self.suppression_conn_id is not None  # checked in from_arguments
                entries = _query_entries(suppression_sql, self.suppression_conn_id)
                suppression = SuppressionList.of(entries, region, "suppression_sql", "row")
        sent = read_sent_state(state_path, self.skip_unchanged, storage_conn_id, log)
        location = None if state_path is None else (state_path, storage_conn_id)
        duplicates = InputDuplicates(self.on_duplicate_in_input)
        return LeadHygiene(normalisation, suppression, duplicates, sent, location)
