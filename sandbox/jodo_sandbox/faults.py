"""Faults the sandbox can inject into its API answers, to test clients against a flaky platform.

Per kind there is a rate (drawn from a seeded generator, for soak tests), and a script of
faults for the next calls (for exact tests). Only the two vendors' API paths get faults; the
file server and the job pages never do.

Some faults come before the platform acts on the request (5xx, 429, reset, malformed), others
after it (slow, truncated, lost, trickle, notice, cut): those leave the client unsure whether
its call took.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from collections.abc import Mapping
from enum import Enum


class Fault(str, Enum):
    """One kind of injected fault; the value is its name on the command line."""

    SERVER_ERROR = "5xx"
    """HTTP 503 with an HTML page, before processing."""
    THROTTLED = "429"
    """HTTP 429 with a Retry-After header, before processing."""
    RESET = "reset"
    """The connection is reset before processing: no answer."""
    MALFORMED = "malformed"
    """HTTP 200 whose body is a proxy's HTML error page, before processing."""
    SLOW = "slow"
    """Processed, then answered only after `slow_seconds` (beyond a client's timeout)."""
    TRUNCATED = "truncated"
    """Processed, then half the answer is sent and the connection closed."""
    LOST = "lost"
    """Processed ("accepted"), then the connection is reset: the answer is lost."""
    TRICKLE = "trickle"
    """Processed, then the answer (status line and headers included) is sent one byte every
    `trickle_seconds`: no single read waits long, but the answer takes forever."""
    NOTICE = "notice"
    """Processed, then answered 200 with a PHP notice printed before the answer (a PHP platform
    with `display_errors` on)."""
    CUT = "cut"
    """Processed, then answered 200 with no Content-Length and the connection closed halfway
    through the body: the client sees a complete answer that is only its first half."""

    @property
    def before_processing(self) -> bool:
        """Tell whether the fault strikes before the platform acts (5xx, 429, reset, malformed)."""
        return self in (Fault.SERVER_ERROR, Fault.THROTTLED, Fault.RESET, Fault.MALFORMED)


class FaultPlan:
    """Which fault, if any, the next API request gets.

    Thread-safe: requests are served by one thread per connection.

    :param rates: fault -> probability per request (their sum at most 1).
    :param seed: seeds the generator, so that a soak run can be repeated.
    :param retry_after: seconds announced in the Retry-After header of a 429.
    :param slow_seconds: how long a slow answer takes.
    :param trickle_seconds: the pause between the bytes of a trickled answer.
    """

    def __init__(
        self,
        rates: Mapping[Fault, float] | None = None,
        seed: int | None = None,
        retry_after: float = 1.0,
        slow_seconds: float = 2.0,
        trickle_seconds: float = 1.0,
    ) -> None:
        """Plan faults at these rates; the parameters are described on the class."""
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.trickle_seconds = trickle_seconds
        self.injected: Counter[Fault] = Counter()
        self.requests_seen = 0
        """API requests served so far, faulty or not."""
        self._scripted: deque[Fault | None] = deque()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.set_rates(rates or {})

    @property
    def rates(self) -> dict[Fault, float]:
        """The per-request probabilities now in force."""
        return dict(self._rates)

    def set_rates(self, rates: Mapping[Fault, float]) -> None:
        """Replace the per-request probabilities."""
        rates = {Fault(kind): float(rate) for kind, rate in rates.items()}
        if any(rate < 0 for rate in rates.values()) or sum(rates.values()) > 1:
            raise ValueError(f"fault rates must be >= 0 and add up to at most 1, got {rates}")
        with self._lock:
            self._rates = rates

    def script(self, *faults: Fault | None) -> None:
        """Give the next API requests these faults, in order, before any random ones.

        None lets a request through untouched (to aim at the second request of a call).
        """
        with self._lock:
            self._scripted.extend(None if fault is None else Fault(fault) for fault in faults)

    def next_fault(self) -> Fault | None:
        """Return the fault for the request being served now (counted in `injected`), or None."""
        with self._lock:
            self.requests_seen += 1
            fault = self._scripted.popleft() if self._scripted else self._draw()
            if fault is not None:
                self.injected[fault] += 1
            return fault

    def _draw(self) -> Fault | None:
        roll = self._random.random()
        for fault, rate in self._rates.items():
            if roll < rate:
                return fault
            roll -= rate
        return None


def parse_fault_rate(text: str) -> tuple[Fault, float]:
    """Parse `KIND=RATE` from the command line (e.g. `5xx=0.1`), with an error naming the part at fault."""
    kind, separator, rate = text.partition("=")
    try:
        fault = Fault(kind.strip())
    except ValueError:
        raise ValueError(
            f"--fault {text!r}: unknown fault {kind!r}; known: {', '.join(f.value for f in Fault)}"
        ) from None
    try:
        probability = float(rate)
    except ValueError:
        probability = -1.0
    if not separator or not 0 <= probability <= 1:
        raise ValueError(f"--fault {text!r}: the rate after '=' must be a number from 0 to 1")
    return fault, probability
