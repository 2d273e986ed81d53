"""The README keeps up with the code: every vendor code has a troubleshooting row with the text
`codes.py` gives it, every operator and sensor parameter is in its section's table, every
connection setting is documented, and every Python snippet runs."""

import ast
import inspect
import re
from pathlib import Path

import pytest

from airflow_provider_jodo.hooks.connection_form import EXTRA_DEFAULTS
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from airflow_provider_jodo.operators.stage import JodoStageAndImportOperator
from airflow_provider_jodo.protocol.codes import BACKMSG_CODES, JODO_CODES
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def section(heading: str) -> str:
    """The text under the `## heading...` section, up to the next `## `."""
    start = README.index(f"\n## {heading}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def own_parameters(operator: type) -> list[str]:
    """The keyword parameters a DAG author gives `operator`: those of its constructor and of its
    bases up to Airflow's (`BaseOperator`, `BaseSensorOperator`)."""
    classes = operator.mro()
    last = next(
        (i for i, klass in enumerate(classes) if klass.__module__.startswith("airflow.")), len(classes)
    )
    constructors = [vars(klass)["__init__"] for klass in classes[:last] if "__init__" in vars(klass)]
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


RUN_DATE_NAMES = re.compile(
    r"\b(ds|ds_nodash|ts|ts_nodash|logical_date|data_interval_start|data_interval_end)\b"
)
EXAMPLE_DAGS = sorted((ROOT / "example_dags").glob("*.py"))
PYTHON_SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize(
    "code",
    [*PYTHON_SNIPPETS, *(path.read_text(encoding="utf-8") for path in EXAMPLE_DAGS)],
    ids=[*(s.splitlines()[0] for s in PYTHON_SNIPPETS), *(path.name for path in EXAMPLE_DAGS)],
)
def test_templates_work_on_runs_without_a_logical_date(code):
    """A UI or REST run may have no logical date: its date names are undefined, so each needs a default."""
    fragile = [
        expression
        for expression in re.findall(r"\{\{(.*?)\}\}", code)
        if RUN_DATE_NAMES.search(expression.replace("| ds", "")) and "default(" not in expression
    ]
    assert fragile == []


def test_the_readme_states_the_python_floor_that_pyproject_declares():
    floor = re.search(r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert f"only Python {floor} or newer" in section("The two commands")


def test_the_demo_installs_the_provider_and_the_sandbox_without_the_test_extras():
    makefile = (ROOT / "Makefile").read_text()
    demo_prerequisites = re.search(r"^demo: (.*)$", makefile, flags=re.MULTILINE).group(1).split()
    assert demo_prerequisites == ["$(RUNTIME)"]
    runtime_recipe = re.split(r"^\$\(RUNTIME\):.*\n", makefile, maxsplit=1, flags=re.MULTILINE)[1].split(
        "\n\n", 1
    )[0]
    assert "pip install --quiet -e . -e ./sandbox -c $(CONSTRAINTS)" in runtime_recipe
    assert "[test]" not in runtime_recipe
    assert "`pip install -e . -e ./sandbox`" in section("Install")


def test_the_tests_install_the_sandbox_and_the_demo_runs_its_command():
    """The sandbox is a distribution of its own (sandbox/): without it the suite cannot import it."""
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"pip install --quiet -e (.*)$", makefile, flags=re.MULTILINE)
    assert all("-e ./sandbox " in line for line in installs)
    assert '"$BIN/jodo-sandbox" --port 0' in (ROOT / "scripts" / "demo.sh").read_text()
    assert "`pip install ./sandbox`" in section("Install")


def test_every_install_takes_the_constraints_file():
    """Without it pip backtracks through the test extras for over an hour on a fresh machine."""
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"pip install --quiet -e (.*)$", makefile, flags=re.MULTILINE)
    assert len(installs) == 2 and all(line.endswith("-c $(CONSTRAINTS)") for line in installs)
    constraints = re.search(r"^CONSTRAINTS := (.*)$", makefile, flags=re.MULTILINE).group(1)
    matrix = (ROOT / "scripts" / "test_matrix.py").read_text()
    minor, release = ast.literal_eval(
        re.search(r"^NEWEST_RELEASE = (.*)$", matrix, flags=re.MULTILINE).group(1)
    )
    assert constraints == f"constraints/airflow-{minor}.txt"
    assert f"\napache-airflow=={release}\n" in (ROOT / constraints).read_text()


def test_the_sandbox_section_lists_the_campaign_form():
    from jodo_sandbox.campaign_form import CAMPAIGN_FORM

    sandbox = " ".join(section("The sandbox").split())
    assert all(f"`{name}` ({display}" in sandbox for name, display in CAMPAIGN_FORM)


def test_the_stage_examples_placeholder_for_sqlite_runs_on_sqlite():
    """The stage example's query, with the placeholder the README gives for SQLite, binds its parameter."""
    import sqlite3

    stage = section("Staging large imports")
    query = re.search(r'sql="(SELECT [^"]*)"', stage).group(1)
    (sqlite_row,) = [line for line in stage.splitlines() if line.startswith("| SQLite")]
    placeholder = re.search(r"`([^`]*since[^`]*)`", sqlite_row).group(1)
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE leads (full_name, mobile, mail, created)")
        db.execute("INSERT INTO leads VALUES ('Ana', '5511987654321', 'ana@example.com', '2026-11-30')")
        rows = db.execute(query.replace("%(since)s", placeholder), {"since": "2026-11-29"}).fetchall()
        with pytest.raises(sqlite3.OperationalError):  # the PostgreSQL form, as the snippet has it
            db.execute(query, {"since": "2026-11-29"})
    assert rows == [("Ana", "5511987654321", "ana@example.com")]


def test_the_differences_left_between_hook_and_operators_are_tabled():
    """One vocabulary: what still differs (one record per hook call) is said, not found out."""
    hook_section = section("Quick example (hook)")
    rows = [line for line in hook_section.splitlines() if line.startswith("| importCJI records |")]
    assert len(rows) == 1 and "record={...}" in rows[0] and "records=[...]" in rows[0]
    assert "| word | ImportProcessData | importCJI `source=data` |" in section("Duplicate policies")
