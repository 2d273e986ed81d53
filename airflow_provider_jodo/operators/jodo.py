"""The import operators under the names DAGs have always imported, and `JodoImportCJIOperator`.

`JodoImportProcessDataOperator` lives in `process_data`; importCJI has one operator per
behaviour, `JodoImportCJIRecordsOperator` (`cji_records`: inline records, a summary) and
`JodoImportCJIFileOperator` (`cji_file`: one file job, the job). `JodoImportCJIOperator` keeps
DAGs written before the split working: it builds the one that `source` names.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_jodo.enums import CJISource, coerce
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from airflow_provider_jodo.vendor.cji_policies import CJIPolicies

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = [
    "JodoImportCJIFileOperator",
    "JodoImportCJIOperator",
    "JodoImportCJIRecordsOperator",
    "JodoImportProcessDataOperator",
]


class _ImportCJIOperatorDispatcher:
    """Build the importCJI operator that `source` names: a dispatcher kept for existing DAGs.

    `JodoImportCJIOperator(source="data", ...)` is a `JodoImportCJIRecordsOperator` and
    returns its summary; `source="http"|"ftp"` is a `JodoImportCJIFileOperator` that returns
    the job's final state and counts, or, with `wait_for_completion=False`, the job id as a
    string (as it always has; the file operator itself returns `{"job_id", "job_url"}`).
    New DAGs may use those two operators directly. `partial(...).expand(...)` works when
    `source` is given to `partial`; it cannot be mapped, since it decides the task's class.
    A parameter of the other kind (`records` or `max_in_flight` for a file,
    `file_url` or `poll_interval` for records) fails the DAG when it is parsed.

    `JodoImportCJIOperator` is the dispatcher's one instance, not a class: calling it returns an
    operator of another class, which a class's constructor cannot say to a type checker.

    :param source: `data` (inline `records`), `http` or `ftp` (the CSV at `file_url`).
    :param kwargs: the parameters of the operator that `source` names (`campaign_id`,
        `records` or `file_url`, the policies, ...; see each operator).
    """

    def __call__(self, *, source: CJISource | str, **kwargs: Any) -> BaseOperator:
        """Return the operator for `source`, built with `kwargs`."""
        operator_class, arguments = _operator_for(source, kwargs)
        # Left out, it fails as None, after the other arguments' checks, as it always has.
        arguments.setdefault(_TAKES[operator_class], None)
        return operator_class(**arguments)

    def partial(self, *, source: CJISource | str, **kwargs: Any) -> Any:
        """Start a mapped task of the operator for `source` (`.expand(...)` it as usual).

        :param source: `data`, `http` or `ftp`; not mappable.
        :param kwargs: the operator's arguments that are the same for every mapped task.
        """
        operator_class, arguments = _operator_for(source, kwargs)
        # Airflow checks partial()'s arguments against the signatures: flat policies go whole.
        arguments["policies"] = CJIPolicies.from_arguments(arguments.get("policies"), arguments)
        return operator_class.partial(**arguments)


JodoImportCJIOperator = _ImportCJIOperatorDispatcher()


class _FileOperatorReturningJobId(JodoImportCJIFileOperator):
    """`JodoImportCJIOperator`'s file task: the job id alone (a str) when it does not wait.

    DAGs pull that id as `return_value` (e.g. a sensor's `job_id` template), so the dispatcher
    keeps the shape it has always had.
    """

    custom_operator_name = "JodoImportCJIOperator"

    def execute(self, context: Context) -> Any:
        """Run the file job; return the job id alone when not waiting for it."""
        job = super().execute(context)
        return job if self.wait_for_completion else job["job_id"]


_TAKES = {JodoImportCJIRecordsOperator: "records", _FileOperatorReturningJobId: "file_url"}
"""What each operator imports: the argument that only it takes, and must be given."""


def _operator_for(source: Any, kwargs: Mapping[str, Any]) -> tuple[type[BaseOperator], dict[str, Any]]:
    """Return the operator class for `source` and its arguments; refuse those of the other kind.

    :raises ValueError: naming `source`, or the arguments it does not take.
    """
    source = coerce(CJISource, source, "source")
    operator_class: type[BaseOperator]
    other_class: type[BaseOperator]
    if source is CJISource.DATA:
        operator_class, other_class = JodoImportCJIRecordsOperator, JodoImportCJIFileOperator
        arguments = dict(kwargs)
    else:
        operator_class, other_class = _FileOperatorReturningJobId, JodoImportCJIRecordsOperator
        arguments = {**kwargs, "source": source}
    foreign = sorted((_parameters(other_class) - _parameters(operator_class)) & set(arguments))
    if foreign:
        raise ValueError(f"source={source.value!r} takes {_TAKES[operator_class]}, not {', '.join(foreign)}")
    return operator_class, arguments


def _parameters(operator_class: type[BaseOperator]) -> set[str]:
    """Return the keyword parameters of `operator_class` and of its bases below `BaseOperator`."""
    classes = operator_class.mro()
    return {
        name
        for klass in classes[: classes.index(BaseOperator)]
        if "__init__" in vars(klass)
        for name, parameter in inspect.signature(vars(klass)["__init__"]).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
