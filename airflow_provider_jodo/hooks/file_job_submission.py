"""Submit an importCJI file job exactly once, even when the answer that names it is lost.

importCJI names a file job only in its answer. An answer lost, cut, late or unreadable may come
after the platform created the job, and sending the submission again would import the file
twice. So, before any resend after such a failure (`TransientFailure.maybe_processed`), the
transport asks this unit whether the submission took effect, and so does the submission itself
before it gives up on any error that may have come after the platform acted
(`exceptions.may_have_taken_effect`: a garbled 200 answer, a redirect, ...):

- with a listing of the campaign's jobs: the one job for the file that was not there before the
  submission and reports the parameters it sent is its job (`TookEffect`, nothing is sent
  again); no such job means the submission never arrived, and it is sent again; two such jobs
  raise `JodoAmbiguousJobError`, because nothing tells which one is ours;
- without a listing: nothing can tell, so `JodoSubmissionUnconfirmedError` is raised rather than
  risk a second import, saying what became of the answer.

A failure that proves the platform did not act (a refused connection, 429, 503) is resent
without asking.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import pendulum

from airflow_provider_jodo.enums import Capability
from airflow_provider_jodo.exceptions import (
    JodoAmbiguousJobError,
    JodoCapabilityMissingError,
    JodoConnectionError,
    JodoError,
    JodoSubmissionUnconfirmedError,
    may_have_taken_effect,
)
from airflow_provider_jodo.hooks.connection import JodoConnectionSettings
from airflow_provider_jodo.hooks.transport import ResendCheck, TookEffect, TransientFailure
from airflow_provider_jodo.protocol.job_matching import FileJobSubmission, submission_mismatches
from airflow_provider_jodo.protocol.models import ImportJob
from airflow_provider_jodo.protocol.wire.answers import quote_value
from airflow_provider_jodo.protocol.wire.cji_parameters import CJI_PARAMETERS
from airflow_provider_jodo.protocol.wire.job_status import parse_job_id
from airflow_provider_jodo.protocol.wire.redaction import Redactor
from airflow_provider_jodo.protocol.wire.wall_clock import to_wall_clock


class AsterccCall(Protocol):
    """The hook's astercc call (`JodoHook._astercc`), as a submission makes it."""

    def __call__(
        self, path: str, query: list[tuple[str, str]], what: str, *, before_resend: ResendCheck
    ) -> tuple[str | None, Any] | TookEffect:
        """Call an astercc method; return the (BackMsg code, message) of its success, or what the check found.

        :param path: the method's path.
        :param query: the query parameters, in order, the login included.
        :param what: the call, as messages name it.
        :param before_resend: asked before an attempt that may have been acted on is sent again.
        """
        ...


JobListing = Callable[[str, str], "list[ImportJob] | None"]
"""Lists a campaign's jobs for a file (the campaign as `campaign_model_id` gives it, the file as
submitted), newest first; None when the platform cannot (`JodoHook._list_jobs_for_file`)."""


@dataclass(frozen=True)
class FileJobSubmitter:
    """Submit file jobs exactly once, and find the job of a submission whose answer was lost.

    The hook builds one for a call, with its own astercc call and job listing.

    :param settings: the connection's settings (paths, time zone, job pages).
    :param astercc: makes the importCJI call.
    :param list_jobs: lists a campaign's jobs for a file.
    :param redactor: the secrets to remove from messages (file URLs may carry a password).
    :param log: the hook's log, where a job found after a lost answer is reported.
    """

    settings: JodoConnectionSettings
    astercc: AsterccCall
    list_jobs: JobListing
    redactor: Redactor
    log: Any

    def submit(
        self,
        parameters: Mapping[str, str],
        options: Mapping[str, str],
        what: str,
        known_job_ids: Collection[str] | None,
    ) -> str:
        """Submit a file job once; return its id, from the answer or, if that was lost, the listing.

        :param parameters: every importCJI parameter of the submission, as wire text.
        :param options: those a job's status reports back (`JodoHook.submission_options`).
        :param what: the call, as messages name it.
        :param known_job_ids: the campaign's jobs for the file before the submission; None to
            note them here first.
        :raises JodoAmbiguousJobError: the answer was lost, and more than one new job reports
            this submission's parameters.
        :raises JodoSubmissionUnconfirmedError: the answer was lost or unreadable, and the
            platform cannot list jobs to tell whether the job was created.
        :raises JodoResponseError: the answer holds no job id, and the listing shows no new job.
        """
        campaign_id, file_url = parameters["model_id"], parameters["context"]
        submitted_at = pendulum.now("UTC")
        if known_job_ids is None:
            jobs = self.list_jobs(campaign_id, file_url)
            known_job_ids = None if jobs is None else [job.job_id for job in jobs]

        def look_for_job(answer_lost: str) -> str | None:
            """Find the submission's job in the listing; without one, stop: nothing can tell."""
            if known_job_ids is None:
                raise self._unconfirmed(what, file_url, submitted_at, answer_lost)
            submission = self.submission(campaign_id, file_url, options, submitted_at)
            return self.find_new_job(submission, file_url, known_job_ids)

        look_failed = False  # what a look raised ends the call as it is, unconfirmed or ambiguous

        def took_effect(failure: TransientFailure) -> TookEffect | None:
            nonlocal look_failed
            try:
                job_id = look_for_job(f"its answer was not received ({failure.description})")
            except BaseException:
                look_failed = True
                raise
            return None if job_id is None else TookEffect(job_id)

        query = [(name, parameters[name]) for name in CJI_PARAMETERS]
        try:
            answer = self.astercc(self.settings.import_cji_path, query, what, before_resend=took_effect)
            return self._job_id(answer, what)
        except Exception as error:
            if look_failed or not may_have_taken_effect(error):
                raise
            answer_lost = self._answer_lost(error, what)
            job_id = look_for_job(answer_lost)
            if job_id is None:
                raise
            self.log.warning("%s: %s, but the platform has job %s for it", what, answer_lost, job_id)
            return job_id

    def _answer_lost(self, error: Exception, what: str) -> str:
        """Say what became of a submission's answer, for the message that stops a resend.

        :param error: what the submission raised.
        :param what: the call, as messages name it (the error's own message starts with it).
        """
        detail = str(error).removeprefix(f"{what}: ")
        if not isinstance(error, JodoError):  # not written by the hook: redact and cut it here
            detail = f"{type(error).__name__}: {quote_value(detail, self.redactor.redact)}"
        if isinstance(error, JodoConnectionError):
            return f"its answer was not received ({detail})"
        return f"its answer could not be read ({detail})"

    def _job_id(self, answer: tuple[str | None, Any] | TookEffect, what: str) -> str:
        """Take the job id from the submission's answer, or from what the listing found.

        :param answer: the astercc answer's (code, message), or the job found after a loss.
        :param what: the call, as messages name it.
        :raises JodoResponseError: the answer holds no job id.
        """
        if isinstance(answer, TookEffect):
            self.log.warning(
                "%s: the answer was lost, but the platform has job %s for it", what, answer.result
            )
            return answer.result
        return parse_job_id(answer[1], what, self.redactor.redact)

    def find_new_job(
        self, submission: FileJobSubmission, file_url: str, known_job_ids: Collection[str]
    ) -> str | None:
        """Find the job of a submission whose answer was lost; None if it never arrived.

        A new job that reports other parameters is another run's, and is logged as such.

        :param submission: what the submission sent, as its job's status would report it.
        :param file_url: the file it submitted, as sent (the submission holds it redacted).
        :param known_job_ids: the campaign's jobs for the file, noted before the submission.
        :raises JodoAmbiguousJobError: more than one new job could be the submission's; the
            message names them with their console pages.
        :raises JodoCapabilityMissingError: the platform cannot list jobs.
        """
        campaign_id = submission.parameters["model_id"]
        jobs = self.list_jobs(campaign_id, file_url)
        if jobs is None:
            raise JodoCapabilityMissingError(
                f"cannot look for the jobs of campaign {campaign_id}: the platform has no "
                f"{Capability.JOB_LISTING.value}",
                capability=Capability.JOB_LISTING.value,
            )
        candidates = self._candidates(jobs, set(known_job_ids), submission, campaign_id)
        if len(candidates) > 1:
            raise self._ambiguous(campaign_id, file_url, tuple(candidates))
        return candidates[0] if candidates else None

    def _candidates(
        self, jobs: list[ImportJob], known: set[str], submission: FileJobSubmission, campaign_id: str
    ) -> list[str]:
        """Pick, oldest first, the new jobs that report what the submission sent.

        :param jobs: the campaign's jobs for the file, newest first, as listed.
        :param known: the jobs that were there before the submission.
        :param submission: what the submission sent.
        :param campaign_id: the campaign, as log lines name it.
        """
        looked_at = pendulum.now("UTC")
        candidates = []
        for job in reversed(jobs):  # the listing is newest first
            if job.job_id in known:
                continue
            mismatches = submission_mismatches(job, submission, looked_at)
            if mismatches:
                self.log.info(
                    "Import job %s of campaign %s for this file is another submission's: "
                    "it reports another %s",
                    job.job_id,
                    campaign_id,
                    ", ".join(mismatches),
                )
            else:
                candidates.append(job.job_id)
        return candidates

    def submission(
        self,
        model_id: str,
        file_url: str,
        submitted_with: Mapping[str, str],
        submitted_at: datetime | None,
    ) -> FileJobSubmission:
        """Describe a submission as its job's status would report it back.

        The file URL is redacted as job answers are, so that the two compare equal.

        :param model_id: the campaign the submission was for, as sent (`campaign_model_id`).
        :param file_url: the file it submitted.
        :param submitted_with: the other parameters it sent (`JodoHook.submission_options`).
        :param submitted_at: when it started (aware), if known.
        """
        return FileJobSubmission(
            parameters={
                **submitted_with,
                "model_id": model_id,
                "context": self.redactor.redact(file_url),
            },
            timezone=self.settings.timezone,
            submitted_at=submitted_at,
        )

    def _unconfirmed(
        self, what: str, file_url: str, submitted_at: datetime, answer_lost: str
    ) -> JodoSubmissionUnconfirmedError:
        """Build the error that stops a resend nothing can prove safe, saying where to look.

        :param what: the call, as messages name it.
        :param file_url: the file it submitted.
        :param submitted_at: when it started (aware), shown on the platform's wall clock.
        :param answer_lost: what became of its answer ("its answer was not received (...)").
        """
        wall_clock = to_wall_clock(submitted_at, self.settings.timezone, "submitted_at")
        return JodoSubmissionUnconfirmedError(
            f"{what}: a job may have been created for {self.redactor.redact(file_url)} "
            f"(submitted at {wall_clock}, {self.settings.timezone}), but {answer_lost} and the "
            "platform cannot list a campaign's jobs to tell. It was not sent again, so that the file "
            "is not imported twice: check the campaign's import jobs in the console of the platform "
            f"at {self.settings.base_url} before importing again"
        )

    def _ambiguous(self, campaign_id: str, file_url: str, job_ids: tuple[str, ...]) -> JodoAmbiguousJobError:
        """Build the error for a lost answer that more than one new job could belong to.

        :param campaign_id: the campaign the submission was for.
        :param file_url: the file it submitted.
        :param job_ids: the jobs that report what it sent.
        """
        pages = ", ".join(f"job {job_id} ({self.settings.job_page_url(job_id)})" for job_id in job_ids)
        return JodoAmbiguousJobError(
            f"The answer to an importCJI submission of {self.redactor.redact(file_url)} into campaign "
            f"{campaign_id} was lost, and {len(job_ids)} new jobs report the parameters it sent: {pages}. "
            "Another run submitted the same file with the same parameters meanwhile, and nothing tells "
            "which job is this one's: none is taken as its own and the file is not submitted again. "
            "Check the jobs in the platform's console; they import the same file the same way",
            job_ids=job_ids,
        )
