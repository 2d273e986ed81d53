"""The documentation site keeps up with the code.

Every DAG snippet of the pages is parsed as Airflow's DAG processor parses a DAG file (its DAG
imports and builds, with no connection defined: a DAG file must not read one), every other
Python snippet runs against a fresh sandbox as `jodo_default`, every vendor code has a
troubleshooting row with the text `codes.py` gives it, every operator and sensor parameter is in
its page's table, every connection setting has its row, and the README stays short and links
every page.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_jodo.hooks.connection_form import EXTRA_DEFAULTS
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from airflow_provider_jodo.operators.stage import JodoStageAndImportOperator
from airflow_provider_jodo.protocol.codes import BACKMSG_CODES, JODO_CODES
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor
from jodo_sandbox import JodoSandbox

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted(
    path for path in DOCS.rglob("*.md") if not path.relative_to(DOCS).parts[0].startswith(("_", "api"))
)
EXAMPLE_DAGS = sorted((ROOT / "example_dags").glob("*.py"))
SANDBOX_FILES = ROOT / "example_dags" / "data"
"""The files the sandbox serves at /files/ in the snippets, as `make demo` and the docs start it."""


def page_text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def python_snippets() -> list[tuple[str, str]]:
    """(id, code) of every ```python block of the pages and the README; the id is the file and the
    block's line."""
    found = []
    for page in [*PAGES, ROOT / "README.md"]:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{page.relative_to(ROOT)}:{line}", match.group(1)))
    return found


SNIPPETS = python_snippets()
DAG_SNIPPETS = [(name, code) for name, code in SNIPPETS if "DAG(" in code]
OTHER_SNIPPETS = [(name, code) for name, code in SNIPPETS if "DAG(" not in code]


def table_rows(text: str, heading: str) -> list[str]:
    """The table lines (`| ...`, the header included, not its `|---` line) of the section under
    `heading`, up to the next heading."""
    start = text.index(f"\n{heading}\n")
    end = re.compile(r"^#{1,3} ", flags=re.MULTILINE).search(text, start + len(heading) + 2)
    section = text[start : end.start() if end else None]
    return [line for line in section.splitlines() if line.startswith("| ")]


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


@pytest.fixture
def environment() -> Iterator[None]:
    """Give the environment (connections included) back as it was, whatever a snippet set."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def sandbox_as_jodo_default(environment) -> Iterator[JodoSandbox]:
    """A fresh sandbox serving the example's CSV files, as the connection `jodo_default`."""
    with JodoSandbox(files_dir=SANDBOX_FILES, job_poll_interval=0.05) as sandbox:
        os.environ["AIRFLOW_CONN_JODO_DEFAULT"] = json.dumps(sandbox.connection_dict())
        yield sandbox


def test_the_pages_hold_dag_and_hook_snippets():
    """The checks below would pass on pages without code: keep both kinds there."""
    assert len(DAG_SNIPPETS) >= 15 and len(OTHER_SNIPPETS) >= 8


@pytest.mark.parametrize(("name", "code"), DAG_SNIPPETS, ids=[name for name, _ in DAG_SNIPPETS])
def test_every_dag_snippet_parses_as_a_dag_file_without_any_connection(name, code, tmp_path, environment):
    """As the DAG processor parses it: imports, operator arguments, DAG structure. No connection is
    defined, so a snippet that reads one at parse time fails here."""
    from airflow.dag_processing.dagbag import DagBag

    for variable in [variable for variable in os.environ if variable.startswith("AIRFLOW_CONN_")]:
        del os.environ[variable]
    dag_file = tmp_path / "snippet_dag.py"
    dag_file.write_text(code, encoding="utf-8")
    bag = DagBag(dag_folder=str(dag_file))
    assert bag.import_errors == {}
    assert bag.dags, f"{name} defines no DAG"
    assert all(dag.task_dict for dag in bag.dags.values())


@pytest.mark.parametrize(("name", "code"), OTHER_SNIPPETS, ids=[name for name, _ in OTHER_SNIPPETS])
def test_every_other_snippet_runs_against_the_sandbox(name, code, sandbox_as_jodo_default):
    exec(compile(code, name, "exec"), {"__name__": "docs_snippet"})


@pytest.mark.parametrize(
    ("code", "text", "row_start"),
    [(c.code, c.text, f"| Jodo `{c.code}` |") for c in JODO_CODES.values()]
    + [(c.code, c.text, f"| `BackMsg_{c.code}` |") for c in BACKMSG_CODES.values()],
)
def test_every_vendor_code_has_a_troubleshooting_row_with_its_text(code, text, row_start):
    rows = [
        line
        for line in table_rows(page_text("troubleshooting.md"), "## Vendor codes")
        if line.startswith(row_start)
    ]
    assert len(rows) == 1, f"no single troubleshooting row for code {code}"
    assert rows[0].split("|")[2].strip() == text


@pytest.mark.parametrize(
    ("cls", "page"),
    [
        (JodoImportProcessDataOperator, "operators/process-data.md"),
        (JodoImportCJIRecordsOperator, "operators/cji-records.md"),
        (JodoImportCJIFileOperator, "operators/cji-file.md"),
        (JodoStageAndImportOperator, "operators/stage-and-import.md"),
        (JodoImportJobSensor, "sensor-and-trigger.md"),
    ],
)
def test_every_parameter_is_in_its_pages_table(cls, page):
    rows = [line for line in page_text(page).splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert set(own_parameters(cls)) - documented == set()


def test_every_importcji_policy_is_in_the_policies_table():
    from airflow_provider_jodo.protocol.cji_policies import CJIPolicies

    rows = table_rows(page_text("operators/cji-file.md"), "## Policies")
    documented = {re.findall(r"`(\w+)`", row.split("|")[1])[0] for row in rows[1:]}
    assert documented == set(CJIPolicies.__dataclass_fields__)


def test_every_connection_setting_has_its_row():
    rows = table_rows(page_text("connection.md"), "## Extra fields")
    documented = [re.findall(r"`(\w+)`", row.split("|")[1]) for row in rows[1:]]
    assert [names[0] for names in documented] == list(EXTRA_DEFAULTS)


@pytest.mark.parametrize(
    "field", ["request_ids", "total", "inserted", "updated", "accepted", "skipped", "rejected", "report_path"]
)
def test_every_importprocessdata_summary_field_is_described(field):
    rows = table_rows(page_text("outcomes.md"), "## ImportProcessData summary")
    assert any(row.startswith(f"| `{field}` |") for row in rows)


def test_every_file_job_field_is_described():
    from airflow_provider_jodo.protocol.models import ImportJob

    rows = table_rows(page_text("outcomes.md"), "## File job result")
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert set(ImportJob.__dataclass_fields__) - documented == set()


RUN_DATE_NAMES = re.compile(
    r"\b(ds|ds_nodash|ts|ts_nodash|logical_date|data_interval_start|data_interval_end)\b"
)


@pytest.mark.parametrize(
    "code",
    [*(code for _, code in SNIPPETS), *(path.read_text(encoding="utf-8") for path in EXAMPLE_DAGS)],
    ids=[*(name for name, _ in SNIPPETS), *(path.name for path in EXAMPLE_DAGS)],
)
def test_templates_work_on_runs_without_a_logical_date(code):
    """A UI or REST run may have no logical date: its date names are undefined, so each needs a default."""
    fragile = [
        expression
        for expression in re.findall(r"\{\{(.*?)\}\}", code)
        if RUN_DATE_NAMES.search(expression.replace("| ds", "")) and "default(" not in expression
    ]
    assert fragile == []


def test_the_macro_names_of_the_docs_are_those_templates_get():
    from airflow_provider_jodo.macros import JODO_MACROS

    in_templates = set(re.findall(r"\{\{ (jodo_\w+)\(", page_text("scheduling.md")))
    assert in_templates and in_templates <= set(JODO_MACROS)


def test_the_stage_examples_placeholder_for_sqlite_runs_on_sqlite():
    """The stage example's query, with the placeholder the page gives for SQLite, binds its parameter."""
    import sqlite3

    stage = page_text("operators/stage-and-import.md")
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
    rows = [
        line for line in page_text("operators/cji-records.md").splitlines() if line.startswith("| records |")
    ]
    assert len(rows) == 1 and "record={...}" in rows[0] and "records=[...]" in rows[0]
    assert "| word | ImportProcessData | importCJI `source=data` |" in page_text("outcomes.md")


def test_the_sandbox_page_lists_the_campaign_form_and_every_flag():
    from jodo_sandbox.campaign_form import CAMPAIGN_FORM

    sandbox = page_text("sandbox.md")
    assert all(f"`{name}` ({display}" in " ".join(sandbox.split()) for name, display in CAMPAIGN_FORM)
    usage = subprocess.run(
        [sys.executable, "-m", "jodo_sandbox", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flags = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", usage))
    rows = table_rows(sandbox, "## Running it")
    assert flags - {"--help"} - {flag for row in rows for flag in re.findall(r"`(--[\w-]+)", row)} == set()


def test_the_install_page_gives_the_commands_of_every_tested_minor():
    matrix = (ROOT / "scripts" / "test_matrix.py").read_text()
    releases = ast.literal_eval(re.search(r"^AIRFLOW_RELEASES = (.*)$", matrix, flags=re.MULTILINE).group(1))
    minor, release = ast.literal_eval(
        re.search(r"^NEWEST_RELEASE = (.*)$", matrix, flags=re.MULTILINE).group(1)
    )
    releases[minor] = release
    installing = page_text("installing.md")
    for minor, release in releases.items():
        assert (ROOT / "constraints" / f"airflow-{minor}.txt").exists()
        assert (
            f'pip install "apache-airflow=={release}" airflow-provider-jodo -c airflow-{minor}.txt'
            in installing
        )
        assert f"/constraints/airflow-{minor}.txt" in installing
    assert "pip install ./sandbox" in installing
    assert "pip install -e . -e ./sandbox" in installing


def test_the_readme_is_short_and_links_every_page():
    assert len(README.splitlines()) <= 150
    linked = set(re.findall(r"\]\((docs/[\w/.-]+\.md)(?:#[\w-]+)?\)", README))
    assert {f"docs/{page.relative_to(DOCS)}" for page in PAGES} - linked == set()


def test_the_readme_states_the_python_floor_that_pyproject_declares():
    floor = re.search(r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert f"only Python {floor} or newer" in README


def makefile_installs(makefile: str) -> list[str]:
    """What the Makefile's recipes install into the venv (the arguments of each `$(UV_INSTALL)`)."""
    return re.findall(r"^\t\$\(UV_INSTALL\) (.*)$", makefile, flags=re.MULTILINE)


def test_the_demo_installs_the_provider_and_the_sandbox_without_the_test_extras():
    makefile = (ROOT / "Makefile").read_text()
    demo_prerequisites = re.search(r"^demo: (.*)$", makefile, flags=re.MULTILINE).group(1).split()
    assert demo_prerequisites == ["$(RUNTIME)"]
    runtime_recipe = re.split(r"^\$\(RUNTIME\):.*\n", makefile, maxsplit=1, flags=re.MULTILINE)[1].split(
        "\n\n", 1
    )[0]
    assert "$(UV_INSTALL) -e . -e ./sandbox" in runtime_recipe
    assert "[test" not in runtime_recipe


def test_the_tests_install_the_sandbox_and_the_demo_runs_its_command():
    """The sandbox is a distribution of its own (sandbox/): without it the suite cannot import it."""
    makefile = (ROOT / "Makefile").read_text()
    installs = makefile_installs(makefile)
    assert len(installs) == 2 and all(line.endswith(" -e ./sandbox") for line in installs)
    assert '"$BIN/jodo-sandbox" --port 0' in (ROOT / "scripts" / "demo.sh").read_text()


def test_every_install_takes_the_constraints_file():
    """Without it pip backtracks through the test extras for over an hour on a fresh machine."""
    makefile = (ROOT / "Makefile").read_text()
    # Every install goes through UV_INSTALL, which pins it; pip installs only uv, at its pinned version.
    assert len(makefile_installs(makefile)) == 2
    assert re.search(r"^UV_INSTALL := .* -c \$\(CONSTRAINTS\)$", makefile, flags=re.MULTILINE)
    pip_installs = re.findall(r"python -m pip install (.*?)(?:;|$)", makefile, flags=re.MULTILINE)
    assert pip_installs and set(pip_installs) == {"--quiet \"$$(grep '^uv==' $(CONSTRAINTS))\""}
    constraints = re.search(r"^CONSTRAINTS := (.*)$", makefile, flags=re.MULTILINE).group(1)
    matrix = (ROOT / "scripts" / "test_matrix.py").read_text()
    minor, release = ast.literal_eval(
        re.search(r"^NEWEST_RELEASE = (.*)$", matrix, flags=re.MULTILINE).group(1)
    )
    assert constraints == f"constraints/airflow-{minor}.txt"
    assert f"\napache-airflow=={release}\n" in (ROOT / constraints).read_text()


def test_lint_builds_the_site_with_warnings_as_errors():
    """A broken reference in the docs fails `make lint`, and so CI."""
    makefile = (ROOT / "Makefile").read_text()
    build = re.search(r"^SPHINX_BUILD := (.*)$", makefile, flags=re.MULTILINE).group(1).split()
    assert {"-W", "-n", "--keep-going"} <= set(build)
    lint_recipe = re.split(r"^lint: .*\n", makefile, maxsplit=1, flags=re.MULTILINE)[1].split("\n\n", 1)[0]
    assert "$(SPHINX_BUILD)" in lint_recipe
    stamp_recipe = re.split(r"^\$\(STAMP\):.*\n", makefile, maxsplit=1, flags=re.MULTILINE)[1].split(
        "\n\n", 1
    )[0]
    assert '-e ".[test,docs]"' in stamp_recipe
