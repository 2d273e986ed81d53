"""Typed results of the hook's calls.

Plain frozen dataclasses with `to_dict()` so that operators can push them to XCom as JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from airflow_provider_jodo.enums import JobState, RecordOutcomeKind


@dataclass(frozen=True)
class RecordOutcome:
    """What ImportProcessData did with the record at `index` (0-based, in request order)."""

    index: int
    key: str | None
    outcome: RecordOutcomeKind
    reason: str | None = None


@dataclass(frozen=True)
class ProcessDataImport:
    """One ImportProcessData call: the platform's request id and one outcome per record."""

    request_id: str
    records: tuple[RecordOutcome, ...]

    def count(self, outcome: RecordOutcomeKind) -> int:
        """Return how many records had this outcome."""
        return sum(1 for record in self.records if record.outcome is outcome)

    def to_dict(self) -> dict[str, Any]:
        """Return the call's result as JSON-serialisable values, outcomes as their wire strings."""
        return {
            "request_id": self.request_id,
            "records": [{**asdict(r), "outcome": r.outcome.value} for r in self.records],
        }


@dataclass(frozen=True)
class ProcessDataRecords:
    """What getProcessData returned.

    That is the platform's request id and the records as laid out by the process's form.
    """

    request_id: str
    records: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class CJIImportResult:
    """One importCJI call the platform did not refuse.

    For `source=http|ftp`, `job_id` is the import job's id and `outcome` is None. For
    `source=data`, `job_id` is None, `code` is the BackMsg code of the answer (83 imported with
    a dial-list entry, 84 imported, 80 put in the dial list, 78 updated, 77 status reset, 81 and
    82 a duplicate left as it was) when the platform sent one, and `outcome` says what became of
    the record in the operators' words: `inserted`, `updated` or `skipped`.
    """

    message: str
    description: str
    code: str | None = None
    job_id: str | None = None
    outcome: RecordOutcomeKind | None = None


@dataclass(frozen=True)
class JobRowError:
    """A CSV row the platform rejected; `row` is its 1-based line number in the file."""

    row: int
    code: str | None
    message: str


@dataclass(frozen=True)
class ImportJob:
    """An importCJI job as the status method reports it. Counts add up to `total`.

    Times are the platform's wall-clock strings (`YYYY-MM-DD hh:mm:ss`, platform time zone),
    empty when not reached yet. `submitted_with` holds the importCJI parameters the job was
    submitted with as the answer reports them (`wire.cji_parameters.REPORTED_JOB_PARAMETERS`,
    as text; the file URL in `context` redacted): our extension, so any or all may be missing.
    They tell one submission's job from another's (`job_matching`).
    """

    job_id: str
    state: JobState
    total: int
    inserted: int
    updated: int
    skipped: int
    failed: int
    errors: tuple[JobRowError, ...]
    exetime: str
    started: str
    finished: str
    submitted_with: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the job as JSON-serialisable values, its state as the wire string."""
        return {**asdict(self), "state": self.state.value, "errors": [asdict(e) for e in self.errors]}
