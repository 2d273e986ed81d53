"""Build the hook's parts together, once its connection's settings are loaded.

Each part takes what it needs explicitly, so they are wired here, in one place, in the order
they depend on each other: transport, the two APIs' calls, then the jobs, the file submission,
the importCJI and ImportProcessData calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_jodo.hooks.cji_import import CJIImports
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.file_submission import FileJobSubmitter
from airflow_provider_jodo.hooks.import_jobs import ImportJobs
from airflow_provider_jodo.hooks.platform_calls import PlatformCalls
from airflow_provider_jodo.hooks.platform_capabilities import PlatformCapabilities
from airflow_provider_jodo.hooks.process_data import ProcessDataCalls
from airflow_provider_jodo.hooks.retry_policy import RetryPolicy
from airflow_provider_jodo.hooks.transport import Transport
from airflow_provider_jodo.protocol.wire.redaction import Redactor


@dataclass(frozen=True)
class HookParts:
    """What a hook does its work with, for one connection's settings.

    :param settings: the connection's settings.
    :param transport: sends the HTTP calls.
    :param calls: the two APIs' calling conventions.
    :param jobs: asks about import jobs.
    :param submitter: submits file jobs exactly once.
    :param cji: makes importCJI calls.
    :param process_data: makes the Jodo calls on customer records.
    """

    settings: JodoConnectionSettings
    transport: Transport
    calls: PlatformCalls
    jobs: ImportJobs
    submitter: FileJobSubmitter
    cji: CJIImports
    process_data: ProcessDataCalls


def build_parts(
    settings: JodoConnectionSettings,
    retry_policy: RetryPolicy,
    capabilities: PlatformCapabilities,
    redactor: Redactor,
    log: Any,
) -> HookParts:
    """Build every part of a hook for `settings`.

    :param settings: the connection's settings.
    :param retry_policy: when to try a call again.
    :param capabilities: the hook's record of what the platform can do, shared by the parts.
    :param redactor: the hook's secrets, shared by the parts.
    :param log: the hook's log.
    """
    transport = Transport(settings, retry_policy, redactor, log)
    calls = PlatformCalls(settings, transport, redactor)
    jobs = ImportJobs(settings, calls, capabilities, redactor)
    submitter = FileJobSubmitter(settings, calls, jobs, redactor, log)
    return HookParts(
        settings=settings,
        transport=transport,
        calls=calls,
        jobs=jobs,
        submitter=submitter,
        cji=CJIImports(settings, calls, submitter, redactor, log),
        process_data=ProcessDataCalls(settings, calls, capabilities, redactor),
    )
