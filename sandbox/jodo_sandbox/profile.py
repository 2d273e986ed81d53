"""How much of the platform the sandbox shows: ours, or only what the vendors document.

The hook may rely only on what `protocol.md` marks as documented or decided; everything else
the sandbox can do is an optional capability the hook detects. The `documented` profiles
answer as a platform written from the vendors' documentation alone would, so that the suite
proves the hook works there too.
"""

from __future__ import annotations

from enum import Enum


class SandboxProfile(str, Enum):
    """What the sandbox answers beyond the vendors' documentation.

    - `full` (default): every decision and extension of ours: per-record outcomes in
      ImportProcessData answers, the job status method with our `BackMsg_91` for an unknown
      job, the parameters a job was submitted with in its status, and the listing of a
      campaign's jobs for a file (empty `jobid`).
    - `documented`: only the documented surface plus the decided status lookup by `jobid`:
      ImportProcessData success answers without `records`, job status without the submission's
      parameters, no job listing (an empty `jobid` is an unknown job), and an unknown job
      answered with the plain text `job not found`.
    - `documented-no-status`: `documented` without any job status method (HTTP 404 there).
    """

    FULL = "full"
    DOCUMENTED = "documented"
    DOCUMENTED_NO_STATUS = "documented-no-status"

    @property
    def reports_record_outcomes(self) -> bool:
        """Whether ImportProcessData success answers carry one `records` entry per input record."""
        return self is SandboxProfile.FULL

    @property
    def lists_jobs(self) -> bool:
        """Whether importStatusCJI with an empty `jobid`, `model_id` and `context` lists jobs."""
        return self is SandboxProfile.FULL

    @property
    def reports_job_parameters(self) -> bool:
        """Whether a job's status carries the parameters it was submitted with.

        Those are `model_id`, `context`, `delrow`, the dial-list fields and the duplicate policies.
        """
        return self is SandboxProfile.FULL

    @property
    def has_status_method(self) -> bool:
        """Whether importStatusCJI exists at all."""
        return self is not SandboxProfile.DOCUMENTED_NO_STATUS

    @property
    def unknown_job_message(self) -> str | None:
        """The plain-text answer to a status query for an unknown job; None: our BackMsg_91."""
        return None if self is SandboxProfile.FULL else "job not found"
