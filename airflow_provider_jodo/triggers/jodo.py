"""JodoImportJobTrigger: waits for an importCJI job in the triggerer, freeing the worker slot.

It polls the job's status (through the same hook and the same `judge_job` verdict as the
sensor and the operator) and yields exactly one event:
`{"status": "success"|"failed"|"timeout"|"error", "job_id", "message", "job": <ImportJob dict or None>}`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_jodo.exceptions import JodoCapabilityMissingError, JodoError, JodoNotFoundError
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.protocol.job_verdict import (
    JobVerdict,
    describe_job,
    describe_job_failure,
    describe_unwaitable_job,
    judge_job,
    next_look_in,
    wait_is_over,
)


class JodoImportJobTrigger(BaseTrigger):
    """Poll import job `job_id` every `poll_interval` seconds until it ends or `end_time` passes.

    `end_time` is a Unix timestamp, None for no limit. Everything it needs is plain and
    serialised, so a triggerer restart rebuilds it as it was.
    """

    def __init__(
        self,
        job_id: str,
        jodo_conn_id: str = JodoHook.default_conn_name,
        poll_interval: float = 30.0,
        end_time: float | None = None,
    ) -> None:
        """Keep the job, the connection and the timing; the parameters are described on the class."""
        super().__init__()
        self.job_id = str(job_id)
        self.jodo_conn_id = jodo_conn_id
        self.poll_interval = float(poll_interval)
        self.end_time = end_time

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain arguments that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_id": self.job_id,
                "jodo_conn_id": self.jodo_conn_id,
                "poll_interval": self.poll_interval,
                "end_time": self.end_time,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll the job until it ends, fails to be found or the wait is over, then yield one event."""
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        try:
            while True:
                job = await hook.aget_import_job(self.job_id, deadline=self.end_time)
                verdict = judge_job(job)
                if verdict is JobVerdict.SUCCEEDED:
                    yield self._event("success", describe_job(job), job.to_dict())
                    return
                if verdict is JobVerdict.FAILED:
                    yield self._event("failed", describe_job_failure(job), job.to_dict())
                    return
                if wait_is_over(self.end_time):
                    yield self._event("timeout", f"timed out waiting: {describe_job(job)}", job.to_dict())
                    return
                self.log.info("%s; next check in %.0f s", describe_job(job), self.poll_interval)
                await asyncio.sleep(next_look_in(self.poll_interval, self.end_time))
        except JodoNotFoundError as error:  # waiting longer cannot make it appear
            yield self._event("failed", f"import job {self.job_id}: {error}", None)
        except JodoCapabilityMissingError as error:  # no status method: nor can it be asked
            message = describe_unwaitable_job(self.job_id, hook.job_page_url(self.job_id), error)
            yield self._event("failed", message, None)
        except JodoError as error:
            if wait_is_over(self.end_time):
                yield self._event("timeout", f"import job {self.job_id}: timed out waiting: {error}", None)
            else:
                yield self._event("error", f"import job {self.job_id}: {error}", None)
        finally:
            hook.close()

    def _event(self, status: str, message: str, job: dict[str, Any] | None) -> TriggerEvent:
        return TriggerEvent({"status": status, "job_id": self.job_id, "message": message, "job": job})
