"""Keep the sandbox platform's import jobs: scheduled, claimed when due, their progress and status.

Times are the platform's wall-clock strings (see `clock.py`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_jodo.enums import JobState
from jodo_sandbox.database import StoreDatabase
from jodo_sandbox.schema import JOB_COUNTS


@dataclass(frozen=True)
class QueuedImportJob:
    """Hold what the scheduler needs to run an import job.

    `options` are its policy parameters as they came over the wire.
    """

    id: int
    campaign_id: int
    source: str
    url: str
    source_user: str
    source_pwd: str = field(repr=False)
    delrow: int
    options: dict[str, str]


@dataclass(frozen=True)
class JobError:
    """Hold a rejected CSV row (`row` is its line number) or, with `row` None, a failed file."""

    row: int | None
    code: str
    message: str


class ImportJobQueue(StoreDatabase):
    """Schedule import jobs, hand due ones to the scheduler and answer their status."""

    def create_import_job(
        self,
        org_id: int,
        campaign_id: int,
        source: str,
        url: str,
        source_user: str,
        source_pwd: str,
        delrow: int,
        options: Mapping[str, str],
        exetime: str,
    ) -> int:
        """Schedule an import job to run at `exetime` (platform wall-clock); returns its id."""
        return self._insert(
            "INSERT INTO import_jobs (org_id, campaign_id, source, url, source_user, source_pwd, delrow, "
            "options, state, exetime) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                org_id,
                campaign_id,
                source,
                url,
                source_user,
                source_pwd,
                delrow,
                json.dumps(dict(options)),
                JobState.SCHEDULED.value,
                exetime,
            ),
        )

    def claim_due_import_job(self) -> QueuedImportJob | None:
        """Mark the oldest scheduled job whose `exetime` has come as running and return it."""
        now = self._clock.now_text()
        with self.transaction():
            row = self._one(
                "SELECT * FROM import_jobs WHERE state = ? AND exetime <= ? ORDER BY exetime, id LIMIT 1",
                (JobState.SCHEDULED.value, now),
            )
            if row is None:
                return None
            self._write(
                "UPDATE import_jobs SET state = ?, started = ? WHERE id = ?",
                (JobState.RUNNING.value, now, row["id"]),
            )
        return QueuedImportJob(
            id=row["id"],
            campaign_id=row["campaign_id"],
            source=row["source"],
            url=row["url"],
            source_user=row["source_user"],
            source_pwd=row["source_pwd"],
            delrow=row["delrow"],
            options=json.loads(row["options"]),
        )

    def record_import_job_progress(
        self,
        job_id: int,
        counts: Mapping[str, int],
        new_errors: Sequence[JobError],
        state: JobState | None = None,
    ) -> None:
        """Save a running job's counts and newly rejected rows; with a final `state`, finish it."""
        finished = self._clock.now_text() if state is not None else None
        with self.transaction():
            self._write(
                f"UPDATE import_jobs SET {''.join(f'{count} = ?, ' for count in JOB_COUNTS)}"
                "state = coalesce(?, state), finished = coalesce(?, finished) WHERE id = ?",
                (*(counts.get(count, 0) for count in JOB_COUNTS), state and state.value, finished, job_id),
            )
            self._write_many(
                "INSERT INTO import_job_errors (job_id, row, code, message) VALUES (?, ?, ?, ?)",
                [(job_id, error.row, error.code, error.message) for error in new_errors],
            )

    def import_job_of_organisation(self, org_id: int, job_id: int) -> dict[str, Any] | None:
        """Return the status answer of a job of this organisation, or None (unknown or not its own)."""
        row = self._one("SELECT * FROM import_jobs WHERE id = ? AND org_id = ?", (job_id, org_id))
        return self._import_job_answer(row) if row else None

    def import_jobs_for_file(self, org_id: int, campaign_id: int, url: str) -> list[dict[str, Any]]:
        """Return the status answers of this organisation's jobs importing `url` into the campaign.

        Newest first, at most 20.
        """
        rows = self._all(
            "SELECT * FROM import_jobs WHERE org_id = ? AND campaign_id = ? AND url = ? "
            "ORDER BY id DESC LIMIT 20",
            (org_id, campaign_id, url),
        )
        return [self._import_job_answer(row) for row in rows]

    # --- inspection and setup API for tests -----------------------------------------------

    def import_job(self, job_id: int | str) -> dict[str, Any]:
        """Return a job's status answer, whatever its organisation.

        :param job_id: as importCJI answered it (a string) or as a number.
        :raises KeyError: for an unknown job.
        """
        row = self._one("SELECT * FROM import_jobs WHERE id = ?", (int(job_id),))
        if row is None:
            raise KeyError(f"no import job {job_id}")
        return self._import_job_answer(row)

    def import_job_ids_by_file(self) -> dict[tuple[int, str], list[str]]:
        """Map (campaign id, file URL) to the ids of every job importing that file into that campaign.

        The ids are oldest first: this is how tests count duplicate jobs on the platform's side.
        """
        jobs: dict[tuple[int, str], list[str]] = {}
        for row in self._all("SELECT id, campaign_id, url FROM import_jobs ORDER BY id"):
            jobs.setdefault((row["campaign_id"], row["url"]), []).append(str(row["id"]))
        return jobs

    def cancel_job(self, job_id: int | str) -> bool:
        """Cancel a job that has not started; False when it is already running or done.

        :raises KeyError: for an unknown job.
        """
        cursor = self._write(
            "UPDATE import_jobs SET state = ?, finished = ? WHERE id = ? AND state = ?",
            (JobState.CANCELLED.value, self._clock.now_text(), int(job_id), JobState.SCHEDULED.value),
        )
        if cursor.rowcount == 0:
            self.import_job(job_id)  # raises KeyError when the job does not exist
        return cursor.rowcount == 1

    def _import_job_answer(self, row: sqlite3.Row) -> dict[str, Any]:
        errors = self._all(
            "SELECT row, code, message FROM import_job_errors WHERE job_id = ? ORDER BY rowid", (row["id"],)
        )
        return {
            "jobid": str(row["id"]),
            "state": row["state"],
            "total": sum(row[count] for count in JOB_COUNTS),
            **{count: row[count] for count in JOB_COUNTS},
            "errors": [
                {"row": error["row"], "code": error["code"], "message": error["message"]} for error in errors
            ],
            "exetime": row["exetime"],
            "started": row["started"],
            "finished": row["finished"],
            # What the job was submitted with (never source_pwd): how a client whose submission
            # answer was lost tells its job from another's (protocol-decisions.md).
            "model_id": str(row["campaign_id"]),
            "source": row["source"],
            "context": row["url"],
            "delrow": str(row["delrow"]),
            **json.loads(row["options"]),
        }
