"""A local sandbox of the Jodo and astercc platforms, for airflow-provider-jodo's tests, demos and benchmarks.

Run it with `jodo-sandbox` (or `python -m jodo_sandbox`), or `with JodoSandbox() as sandbox: ...`.
It needs the standard library and, of the provider, only the tables both sides share
(`airflow_provider_jodo.enums`, `.protocol.codes`, `.protocol.wire.protocol`): it reads requests and
writes answers with code of its own, and imports no Airflow.
"""

from __future__ import annotations

from jodo_sandbox.faults import Fault, FaultPlan
from jodo_sandbox.profile import SandboxProfile
from jodo_sandbox.sandbox import JodoSandbox
from jodo_sandbox.seed import SandboxSeed

__all__ = ["Fault", "FaultPlan", "JodoSandbox", "SandboxProfile", "SandboxSeed"]
