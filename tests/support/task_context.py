"""A task context reduced to what the provider's operators and sensor use: `ti.xcom_push`, the
task's own XComs read back with `ti.xcom_pull`, and, as in Airflow 3.3, a task state store that
outlives a try."""

from __future__ import annotations

from typing import Any


class RecordingTaskInstance:
    """The task instance: an identity (as an unmapped task's first try) and the XComs it pushed."""

    def __init__(self) -> None:
        self.dag_id = "jodo_test"
        self.run_id = "manual__2026-12-01T02:30:00+00:00"
        self.task_id = "import"
        self.map_index = -1
        self.try_number = 1
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value

    def xcom_pull(self, task_ids: str, key: str) -> Any:
        """What this task instance pushed under `key` (the only task a test's context knows)."""
        assert task_ids == self.task_id
        return self.xcom.get(key)


class TaskStateStore(dict):
    """What `context["task_state_store"]` offers."""

    def set(self, key: str, value: Any) -> None:
        self[key] = value

    def delete(self, key: str) -> None:
        self.pop(key, None)


def task_context(store: TaskStateStore | None = None, *, with_store: bool = True) -> dict[str, Any]:
    """A fresh context; `with_store=False` is Airflow < 3.3, which has no task state store."""
    context: dict[str, Any] = {"ti": RecordingTaskInstance()}
    if with_store:
        context["task_state_store"] = store if store is not None else TaskStateStore()
    return context
