"""The ImportProcessData request on the wire: JSON in the `data` form field, kept as bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PreparedImport:
    """An ImportProcessData request encoded for the wire (`JodoHook.prepare_import`): its form
    body, which carries the API key (never log it), and the update-key value of each record it
    holds, in order (as text, None when absent), for the outcomes when the answer has none."""

    body: bytes = field(repr=False)
    keys: tuple[str | None, ...] = field(repr=False)

    @property
    def record_count(self) -> int:
        return len(self.keys)


def encode_jodo_request(request: dict[str, Any]) -> str:
    """The request as compact JSON; a value JSON cannot carry (a date, a set, ...) raises a
    ValueError naming its record, found only on failure so the common path stays one dumps."""
    try:
        return json.dumps(request, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        for index, record in enumerate(request.get("Data", ())):
            try:
                json.dumps(record)
            except (TypeError, ValueError):
                raise ValueError(
                    f"records[{index}] holds a value JSON cannot carry ({error}); convert dates to "
                    "YYYY-MM-DD strings"
                ) from None
        raise ValueError(f"the request cannot be encoded as JSON: {error}") from None
