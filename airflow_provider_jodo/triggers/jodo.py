"""JodoImportJobTrigger: waits for an importCJI job in the triggerer, freeing the worker slot.

It looks at the job's status through the same hook and the same wait step (`JobWait`) as the
sensor and the operator, and yields exactly one event (`WaitStep.to_event`):
`{"status": "success"|"failed"|"timeout"|"error", "job_id", "message", "job": <ImportJob dict or None>}`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.protocol.job_verdict import JobWait, WaitOutcome


class JodoImportJobTrigger(BaseTrigger):
    """Look at import job `job_id` every `poll_interval` seconds until it ends or `deadline` passes.

    `deadline` is a Unix time, None for no limit. Everything it needs is plain and serialised,
    so a triggerer restart rebuilds it as it was.
    """

    def __init__(
        self,
        job_id: str,
        jodo_conn_id: str = JodoHook.default_conn_name,
        poll_interval: float = 30.0,
        deadline: float | None = None,
    ) -> None:
        """Keep the job, the connection and the timing; the parameters are described on the class."""
        super().__init__()
        self.job_id = str(job_id)
        self.jodo_conn_id = jodo_conn_id
        self.poll_interval = float(poll_interval)
        self.deadline = deadline

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain arguments that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_id": self.job_id,
                "jodo_conn_id": self.jodo_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Look at the job until the wait ends (`JobWait`), then yield its one event."""
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        wait = JobWait(self.job_id, self.poll_interval, self.deadline, hook.job_page_url)
        try:
            while (step := await wait.alook(hook.aget_import_job)).outcome is WaitOutcome.LOOK_AGAIN:
                self.log.info("%s; next look in %.1f s", step.message, step.look_again_in)
                await asyncio.sleep(step.look_again_in)
        finally:
            hook.close()
        yield TriggerEvent(step.to_event(self.job_id))
