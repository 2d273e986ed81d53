"""The README keeps up with the code: every vendor code has a troubleshooting row with the text
`codes.py` gives it, every operator and sensor parameter is in its section's table, every
connection setting is documented, and every Python snippet runs."""

import inspect
import re
from pathlib import Path

import pytest

from airflow_provider_jodo.hooks.connection_settings import EXTRA_DEFAULTS
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.jodo import JodoImportCJIOperator, JodoImportProcessDataOperator
from airflow_provider_jodo.operators.stage import JodoStageAndImportOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor
from airflow_provider_jodo.vendor.codes import BACKMSG_CODES, JODO_CODES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def section(heading: str) -> str:
    """The text under the `## heading...` section, up to the next `## `."""
    start = README.index(f"\n## {heading}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def own_parameters(cls: type) -> list[str]:
    """The keyword parameters a DAG author gives `cls`: those of its constructor and of its bases
    up to Airflow's (`BaseOperator`, `BaseSensorOperator`), or of its `__new__` for a dispatcher."""
    classes = cls.mro()
    last = next(
        (i for i, klass in enumerate(classes) if klass.__module__.startswith("airflow.")), len(classes)
    )
    constructors = [
        vars(klass)[method]
        for klass in classes[:last]
        for method in ("__new__", "__init__")
        if method in vars(klass) and klass is not object
    ]
    return [
        name
        for constructor in constructors
        for name, parameter in inspect.signature(constructor).parameters.items()
        if name not in ("self", "cls")
        and parameter.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    ]


@pytest.mark.parametrize(
    ("code", "text", "row_start"),
    [(c.code, c.text, f"| Jodo `{c.code}` |") for c in JODO_CODES.values()]
    + [(c.code, c.text, f"| `BackMsg_{c.code}` |") for c in BACKMSG_CODES.values()],
)
def test_every_vendor_code_has_a_troubleshooting_row_with_its_text(code, text, row_start):
    rows = [line for line in section("Troubleshooting").splitlines() if line.startswith(row_start)]
    assert len(rows) == 1, f"no single troubleshooting row for code {code}"
    assert rows[0].split("|")[2].strip() == text


@pytest.mark.parametrize(
    ("cls", "heading"),
    [
        (JodoImportProcessDataOperator, "Pushing leads"),
        (JodoImportCJIOperator, "Importing into a campaign"),
        (JodoImportCJIRecordsOperator, "Importing into a campaign"),
        (JodoImportCJIFileOperator, "Importing into a campaign"),
        (JodoImportJobSensor, "Waiting for an import job"),
        (JodoStageAndImportOperator, "Staging large imports"),
    ],
)
def test_every_parameter_is_in_its_sections_table(cls, heading):
    table_rows = [line for line in section(heading).splitlines() if line.startswith("| `")]
    documented = {name for row in table_rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert set(own_parameters(cls)) - documented == set()


def test_every_connection_setting_is_documented():
    connection = section("Connection")
    assert [name for name in EXTRA_DEFAULTS if f"extra `{name}`" not in connection] == []


@pytest.mark.parametrize(
    "snippet", re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL), ids=lambda s: s.splitlines()[0]
)
def test_every_python_snippet_runs(snippet):
    """Snippets build DAGs and operators: a renamed parameter or a bad value fails here."""
    exec(compile(snippet, "README.md", "exec"), {"__name__": "readme_snippet"})
