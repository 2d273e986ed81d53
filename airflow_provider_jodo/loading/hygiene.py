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
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableSequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import phonenumbers

from airflow_provider_jodo.exceptions import JodoError
from airflow_provider_jodo.loading.record_sources import sql_hook, sql_rows
from airflow_provider_jodo.loading.storage import local_source
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


@dataclass
class LeadHygiene:
    """The step of one pass over an input: phone numbers, the do-not-call list, duplicates.

    An operator gets the first pass's from `HygieneSettings.lead_hygiene` and another's (its
    `on_invalid="fail"` check is a pass of its own) from `anew`, and calls `clean` on every
    record in input order, in one thread. Its counts are the step's
    part of the summary (`summary_counts`).
    """

    normalisation: PhoneNormalisation | None
    suppression: SuppressionList | None
    duplicates: InputDuplicates
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        """Start the counts of the parts that are on: with none, summaries keep their old keys."""
        self.counts = hygiene_counts(self.normalisation)
        if self.suppression is not None:
            self.counts[SUPPRESSED] = 0

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
        (outcome `skipped`), duplicates of the record's `key`. The outcome is None for a record
        to send, its text the report's note (or None); else `rejected` or `skipped`, with the
        reason.
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
        outcome, duplicate_note = self.duplicates.judge(index, key(record))
        if outcome is not None:
            return record, outcome, duplicate_note
        if note is not None:
            self.counts[PHONE_NORMALISED] += 1
        return record, None, "; ".join(filter(None, (note, duplicate_note))) or None

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

    def log_counts(self, log: Any) -> None:
        """Log the step's counts in one line on `log` (the task's logger) when it is on: no lead data."""
        counts = self.summary_counts()
        if counts:
            log.info("Lead hygiene: %s", ", ".join(f"{count} {name}" for name, count in counts.items()))


def hygiene_summary_counts(summary: Mapping[str, Any]) -> dict[str, int]:
    """Return the step's counts out of a summary that holds them among others (the stage's).

    In the order `LeadHygiene.summary_counts` gives them; none when the step was off.
    """
    names = (*HYGIENE_COUNTS, SUPPRESSED, DUPLICATE_IN_INPUT)
    return {name: summary[name] for name in names if name in summary}


@dataclass(frozen=True)
class HygieneSettings:
    """An import operator's lead-hygiene arguments, checked when the DAG is parsed.

    The three operators that send records share it, so that each holds only what differs:
    which of its fields hold phone numbers, and the key duplicates are judged on. The
    do-not-call list's location and query are templated: they stay the operator's attributes
    (Airflow renders those only) and are handed over rendered to `lead_hygiene`.
    """

    phone_region: str | None
    """Checked by `phone_region_argument`; None: the step's phone part is off."""
    phone_fields: tuple[str, ...]
    """The user's `phone_fields`, beside the operator's own phone fields."""
    on_duplicate_in_input: str
    suppression_column: str | None
    suppression_conn_id: str | None

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
    ) -> HygieneSettings:
        """Check the operator's arguments of the step.

        :raises ValueError: naming the parameter: an unknown region or policy, `phone_fields`
            that are not field names, both a list file and a query, a query without its
            connection (or the reverse), a column without a list file, or a list without
            `phone_region` (the list's numbers and the records' are compared in E.164, which
            needs the region).
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
        )

    def lead_hygiene(
        self,
        own_phone_fields: Iterable[str],
        phone_plus: Callable[[], bool],
        *,
        suppression_path: str | None,
        suppression_sql: str | None,
        storage_conn_id: str | None,
    ) -> LeadHygiene:
        """Return the step of a run's first pass over its input (`LeadHygiene.anew` for another).

        The do-not-call list is read here, once a run.

        :param own_phone_fields: the operator's phone fields (`mobilenumber`, the dial list's
            `phone_field`); the user's `phone_fields` are added.
        :param phone_plus: gives the Jodo connection's `phone_plus` (reaching the hooks' layer
            is the operator's part); called only with `phone_region`.
        :param suppression_path: the operator's rendered `suppression_path`.
        :param suppression_sql: its rendered `suppression_sql`, run on `suppression_conn_id`;
            the first column of its rows holds the numbers.
        :param storage_conn_id: the Airflow connection of an object-storage list (None: the
            store's default).
        :raises ValueError: a number of the list that is none, naming the line or row (see
            `SuppressionList.of`).
        :raises JodoObjectStorageError: the list's object cannot be read.
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
        return LeadHygiene(normalisation, suppression, InputDuplicates(self.on_duplicate_in_input))
