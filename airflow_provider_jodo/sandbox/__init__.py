"""A local sandbox of the Jodo and astercc platforms. Standard library only.

Run it with `python -m airflow_provider_jodo.sandbox` or `with JodoSandbox() as sandbox: ...`.
"""

from __future__ import annotations

from airflow_provider_jodo.sandbox.faults import Fault, FaultPlan
from airflow_provider_jodo.sandbox.jodo_sandbox import JodoSandbox
from airflow_provider_jodo.sandbox.profile import SandboxProfile
from airflow_provider_jodo.sandbox.seed import SandboxSeed

__all__ = ["Fault", "FaultPlan", "JodoSandbox", "SandboxProfile", "SandboxSeed"]
