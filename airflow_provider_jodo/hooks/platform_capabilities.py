"""What a platform can do beyond the vendors' documentation, as one hook has found out.

The vendors document importCJI and ImportProcessData's request, little more. Per-record
outcomes in ImportProcessData answers, the job status method (`importStatusCJI`, decided by us
because no vendor client has one) and the listing of a campaign's jobs (our extension) are
capabilities: used when the platform has them, detected from the answers the hook gets anyway,
and never a reason to fail an import the platform accepted. A hook learns each capability once,
from its first answer, and says in the task log, once, what it does without it.
"""

from __future__ import annotations

import threading
from enum import Enum
from typing import Any


class Capability(str, Enum):
    """An optional platform capability; the value reads in a sentence."""

    RECORD_OUTCOMES = "per-record outcomes in ImportProcessData answers"
    JOB_STATUS = "job status method"
    JOB_LISTING = "listing of a campaign's import jobs"


WITHOUT_CAPABILITY: dict[Capability, str] = {
    Capability.RECORD_OUTCOMES: (
        "every record it took counts as 'accepted' (it does not say whether it inserted or updated "
        "it); records refused before sending stay 'rejected' with their reasons"
    ),
    Capability.JOB_STATUS: (
        "import jobs can be submitted (wait_for_completion=False) but not waited for: operators "
        "and sensors that wait fail, naming the job"
    ),
    Capability.JOB_LISTING: (
        "a file job whose submission answer is lost or late is not sent again: the task fails, "
        "saying that a job may have been created"
    ),
}
"""What the provider does when the platform lacks a capability (README, "What the provider
needs from the platform")."""


class PlatformCapabilities:
    """The capabilities one hook has seen the platform have or lack (None: not asked yet).

    Thread-safe: operators call the hook from several threads. A capability is decided by the
    first answer that shows it; later answers do not change the verdict.
    """

    def __init__(self, log: Any) -> None:
        """Know nothing yet; `log` is where a missing capability is reported, once."""
        self._log = log
        self._known: dict[Capability, bool] = {}
        self._evidence: dict[Capability, str] = {}
        self._lock = threading.Lock()

    def has(self, capability: Capability) -> bool | None:
        """Tell whether the platform has `capability`: True or False once learned, None while unknown.

        :param capability: the capability.
        """
        return self._known.get(capability)

    def lacks(self, capability: Capability) -> bool:
        """Whether the platform is known to lack `capability`."""
        return self._known.get(capability) is False

    def evidence(self, capability: Capability) -> str:
        """Say what showed the capability present or missing ("" when unknown or not said).

        :param capability: the capability.
        """
        return self._evidence.get(capability, "")

    def learn(self, capability: Capability, present: bool, evidence: str = "") -> None:
        """Record what an answer showed about a capability.

        The first time a capability is found missing, the task log says so, with the
        `evidence` and what the provider does without it.

        :param capability: the capability.
        :param present: whether the answer showed it.
        :param evidence: what showed it, for the log and error messages.
        """
        with self._lock:
            if capability in self._known:
                return
            self._known[capability] = present
            self._evidence[capability] = evidence
        if not present:
            because = f" ({evidence})" if evidence else ""
            self._log.warning(
                "The platform has no %s%s: %s.", capability.value, because, WITHOUT_CAPABILITY[capability]
            )
