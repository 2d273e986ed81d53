"""Secret scan: every operator path runs with known secrets (the sandbox's passwords and API
keys, a file server's password, a wrong password) and everything the provider lets out is
scanned for them, plain and as MD5 digests: log records at DEBUG (urllib3's request lines
included), task output (structlog writes to stdout/stderr), exceptions with their chained
causes, XCom values, returned summaries, report files and rendered template fields.

`dag.test()` prints connections in clear on stdout by design, so the DAG test below scans the
rendered fields in the metadata database, not its stdout."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_jodo.compat.airflow import AirflowException, TaskDeferred
from airflow_provider_jodo.exceptions import ConnectionSettingError
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from airflow_provider_jodo.operators.stage import JodoStageAndImportOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from jodo_sandbox import JodoSandbox
from tests.support.airflow_runs import run_dag
from tests.support.airflow_versions import HAS_TASK_STATE_STORE
from tests.support.file_servers import ftp_file_server, http_file_server
from tests.support.sandbox_fixtures import POLL_SECONDS, sandbox_secrets
from tests.support.task_context import task_context

FILE_USER, FILE_PASSWORD = "exports", "FileSrv-Secret-77"
WRONG_PASSWORD = "Wrong-Pass-4242"
CSV = "name,phone1\nAna,5511900000001\nBia,5511900000002\n"
BAD_CSV = "shoe_size,phone1\n42,5511900000003\n"


class Scan:
    """Collects everything the provider let out during a test, then looks for secrets in it."""

    def __init__(self, sandbox: JodoSandbox) -> None:
        plain = [FILE_PASSWORD, WRONG_PASSWORD]
        self.secrets = [
            *sandbox_secrets(sandbox),
            *plain,
            *(hashlib.md5(s.encode()).hexdigest() for s in plain),
        ]
        self.texts: list[str] = []

    def value(self, value: Any) -> None:
        self.texts.append(json.dumps(value, default=repr, ensure_ascii=False))

    def error(self, error: BaseException | None) -> None:
        while error is not None:  # the message and repr of the error and of every cause
            self.texts += [str(error), repr(error)]
            error = error.__cause__ or error.__context__

    def raises(self, call: Any, expected: type[BaseException] = Exception) -> BaseException:
        with pytest.raises(expected) as raised:
            call()
        self.error(raised.value)
        return raised.value

    def assert_clean(self, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
        """No secret in what was collected, in the log records and in the task output (which
        is returned, for the caller to check that it saw the task's logs)."""
        output = capfd.readouterr()
        logged = [caplog.text, *(record.getMessage() for record in caplog.records)]
        texts = [*self.texts, *logged, output.out, output.err]
        leaked = [s for s in self.secrets if any(s in text for text in texts)]
        assert not leaked, f"{len(leaked)} secret value(s) leaked"
        assert caplog.records  # the scan saw what the paths logged
        return output.out + output.err


@pytest.fixture
def scan(sandbox: JodoSandbox) -> Scan:
    return Scan(sandbox)


@pytest.fixture
def files(tmp_path: Path, monkeypatch) -> Iterator[str]:
    """A password-protected HTTP file server, its credentials in connection `exports_files`."""
    (tmp_path / "leads.csv").write_text(CSV)
    (tmp_path / "bad.csv").write_text(BAD_CSV)
    for conn_id, password in (("EXPORTS_FILES", FILE_PASSWORD), ("WRONG_FILES", WRONG_PASSWORD)):
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{conn_id}",
            json.dumps({"conn_type": "http", "login": FILE_USER, "password": password}),
        )
    with http_file_server(tmp_path, credentials=(FILE_USER, FILE_PASSWORD)) as base:
        yield base


def cji_records(hook: JodoHook, **kwargs: Any) -> JodoImportCJIRecordsOperator:
    return JodoImportCJIRecordsOperator(
        task_id="import", campaign_id=1, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def cji_file(hook: JodoHook, **kwargs: Any) -> JodoImportCJIFileOperator:
    kwargs.setdefault("poll_interval", POLL_SECONDS)
    return JodoImportCJIFileOperator(
        task_id="import", campaign_id=1, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def run_trigger(trigger: JodoImportJobTrigger) -> dict[str, Any]:
    _, kwargs = trigger.serialize()  # rebuilt from its serialised form, as the triggerer does

    async def first_event() -> dict[str, Any]:
        return [event.payload async for event in JodoImportJobTrigger(**kwargs).run()].pop()

    return asyncio.run(first_event())


@pytest.mark.parametrize("pwdtype", ["plaintext", "md5"])
def test_process_data_operator_from_a_list_and_a_file(
    scan, caplog, capfd, connect, tmp_path, pwdtype
) -> None:
    hook = connect(extra={"pwdtype": pwdtype})
    leads = [
        {"name": "Ana", "mobilenumber": "5511900000001", "emailid": "ana@example.com"},
        {"name": "No mail", "mobilenumber": "5511900000002"},  # rejected with a reason
    ]
    (tmp_path / "leads.jsonl").write_text("\n".join(json.dumps(lead) for lead in leads))
    for source in ({"records": leads}, {"source_path": str(tmp_path / "leads.jsonl")}):
        report = tmp_path / "report.jsonl"
        summary = JodoImportProcessDataOperator(
            task_id="push",
            jodo_conn_id=hook.jodo_conn_id,
            media=12,
            update_key="mobilenumber",
            report_path=str(report),
            **source,
        ).execute(task_context())
        assert summary["rejected"] == 1
        scan.value(summary)
        scan.texts.append(report.read_text())
    scan.assert_clean(caplog, capfd)


def test_cji_data_records_with_a_rejected_and_a_duplicate_record(scan, caplog, capfd, connect) -> None:
    context = task_context()
    records = [
        {"name": "Ana", "phone1": "5511900000001"},
        {"name": "a||b", "phone1": "5511900000002"},
        {"name": "Ana", "phone1": "5511900000001"},
    ]
    summary = cji_records(connect(usertype="agent"), records=records).execute(context)
    assert (summary["inserted"], summary["rejected"], summary["skipped"]) == (1, 1, 1)
    scan.value(summary)
    scan.value(context["ti"].xcom)
    scan.assert_clean(caplog, capfd)


def test_cji_http_with_file_credentials_sync_deferred_and_failed(scan, caplog, capfd, connect, files) -> None:
    hook = connect(extra={"pwdtype": "md5"})
    context = task_context()
    done = cji_file(
        hook, source="http", file_url=f"{files}/leads.csv", source_conn_id="exports_files", delrow=1
    ).execute(context)
    assert done["inserted"] == 2
    scan.value(done)
    scan.value(context["ti"].xcom)

    deferred_context = task_context()
    task = cji_file(
        hook,
        source="http",
        file_url=f"{files}/leads.csv",
        source_conn_id="exports_files",
        delrow=1,
        deferrable=True,
        duplicate_way="update",
    )
    deferred = scan.raises(lambda: task.execute(deferred_context), TaskDeferred)
    event = run_trigger(deferred.trigger)
    scan.value(event)
    scan.value(task.execute_complete(deferred_context, event))
    scan.value(deferred_context["ti"].xcom)

    failed = cji_file(
        hook, source="http", file_url=f"{files}/bad.csv", source_conn_id="exports_files", delrow=1
    )
    assert "BackMsg_74" in str(scan.raises(lambda: failed.execute(task_context()), AirflowException))
    # The file server refuses a wrong password: the job fails (89), naming the job, no password.
    wrong = cji_file(
        hook, source="http", file_url=f"{files}/leads.csv", source_conn_id="wrong_files", delrow=1
    )
    assert "BackMsg_89" in str(scan.raises(lambda: wrong.execute(task_context()), AirflowException))
    assert "source_pwd=***" in caplog.text  # urllib3's request lines were scanned, redacted
    task_output = scan.assert_clean(caplog, capfd)
    assert "import job 1 succeeded" in task_output  # structlog's task log was captured and scanned


def test_cji_ftp_with_file_credentials(scan, caplog, capfd, connect, tmp_path, monkeypatch) -> None:
    (tmp_path / "leads.csv").write_text(CSV)
    monkeypatch.setenv(
        "AIRFLOW_CONN_FTP_FILES",
        json.dumps({"conn_type": "ftp", "login": FILE_USER, "password": FILE_PASSWORD}),
    )
    with ftp_file_server(tmp_path, FILE_USER, FILE_PASSWORD) as base:
        context = task_context()
        summary = cji_file(
            connect(), source="ftp", file_url=f"{base}/leads.csv", source_conn_id="ftp_files", delrow=1
        ).execute(context)
    assert summary["inserted"] == 2
    scan.value(summary)
    scan.value(context["ti"].xcom)
    scan.assert_clean(caplog, capfd)


def test_stage_and_import_through_ftp(scan, caplog, capfd, connect, tmp_path, monkeypatch) -> None:
    """The staging operator uploads with the FTP connection's login, which then travels to the
    platform as source_user/source_pwd: neither may show anywhere."""
    directory = tmp_path / "ftp"
    directory.mkdir()
    with ftp_file_server(directory, FILE_USER, FILE_PASSWORD, writable=True) as base:
        host, port = base.removeprefix("ftp://").rsplit(":", 1)
        conn = {
            "conn_type": "ftp",
            "host": host,
            "port": int(port),
            "login": FILE_USER,
            "password": FILE_PASSWORD,
        }
        monkeypatch.setenv("AIRFLOW_CONN_FTP_STAGE", json.dumps(conn))
        context = task_context()
        operator = JodoStageAndImportOperator(
            task_id="stage",
            campaign_id=1,
            jodo_conn_id=connect().jodo_conn_id,
            ftp_conn_id="ftp_stage",
            remote_path="leads.csv",
            columns=["name", "phone1"],
            records=[{"name": "Ana", "phone1": "5511900000001"}, {"name": "No phone"}],
            poll_interval=POLL_SECONDS,
        )
        summary = operator.execute(context)
    assert summary["inserted"] == 1
    scan.value(summary)
    scan.value(context["ti"].xcom)
    scan.value({name: getattr(operator, name) for name in operator.template_fields})
    assert "ftp_stage" not in operator.template_fields and "source_conn_id" not in operator.template_fields
    scan.assert_clean(caplog, capfd)


def test_sensor_in_poke_and_deferrable_modes(scan, caplog, capfd, connect, files) -> None:
    hook = connect()
    job_id = hook.import_cji(
        campaign_id=1,
        source="http",
        file_url=f"{files}/leads.csv",
        source_user=FILE_USER,
        source_pwd=FILE_PASSWORD,
        delrow=1,
    ).job_id
    poke_context = task_context()
    sensor = JodoImportJobSensor(
        task_id="wait", job_id=job_id, jodo_conn_id=hook.jodo_conn_id, poke_interval=POLL_SECONDS, mode="poke"
    )
    scan.value(sensor.execute(poke_context))
    scan.value(poke_context["ti"].xcom)
    scheduled = hook.import_cji(
        campaign_id=1,
        source="http",
        file_url=f"{files}/bad.csv",
        source_user=FILE_USER,
        source_pwd=FILE_PASSWORD,
        delrow=1,
        exetime=pendulum.now("UTC").add(seconds=3),
    ).job_id
    deferrable = JodoImportJobSensor(
        task_id="wait",
        job_id=scheduled,
        jodo_conn_id=hook.jodo_conn_id,
        poke_interval=POLL_SECONDS,
        deferrable=True,
    )
    deferred = scan.raises(lambda: deferrable.execute(task_context()), TaskDeferred)
    event = run_trigger(deferred.trigger)
    assert event["status"] == "failed"
    scan.raises(lambda: deferrable.execute_complete(task_context(), event), AirflowException)
    missing = JodoImportJobSensor(task_id="wait", job_id="999", jodo_conn_id=hook.jodo_conn_id, mode="poke")
    scan.raises(lambda: missing.poke(task_context()), AirflowException)
    scan.assert_clean(caplog, capfd)


def test_connection_tests_and_connection_setting_errors(scan, caplog, capfd, connect) -> None:
    assert connect().test_connection()[0] is True
    for usertype in ("account", "agent"):
        ok, message = connect(usertype=usertype, password=WRONG_PASSWORD).test_connection()
        assert not ok
        scan.texts.append(message)
    ok, message = connect(extra={"apikey": WRONG_PASSWORD}).test_connection()
    assert not ok
    scan.texts.append(message)
    for bad in (
        {"timeout": "nan"},
        {"verify_tls": False},
        {"usertype": "robot"},
        {"apikey": {"nested": WRONG_PASSWORD}},
    ):
        scan.raises(lambda bad=bad: connect(extra=bad).settings, ConnectionSettingError)
    scan.raises(lambda: connect(host="http://[::1").settings, ConnectionSettingError)
    scan.assert_clean(caplog, capfd)


def test_tls_verification_is_on_by_default_and_off_only_when_asked(connect) -> None:
    assert connect().session.verify is True
    assert connect(extra={"verify_ssl": "false"}).session.verify is False
    assert connect(extra={"verify_ssl": True}).session.verify is True


@pytest.mark.parametrize(
    ("host", "extra", "warned"),
    [
        ("http://jodo.example.com:8080", {}, "http://jodo.example.com:8080"),
        (
            "https://jodo.example.com",
            {"import_cji_path": "http://10.0.0.7/setevent/importCJI"},
            "http://10.0.0.7",
        ),
        ("https://jodo.example.com", {}, None),
        ("http://127.0.0.2:8080", {}, None),
        ("http://localhost:8080", {}, None),
        ("http://[::1]:8080", {}, None),
    ],
)
def test_credentials_over_plain_http_off_this_machine_are_warned_about_once_per_hook(
    monkeypatch, capfd, host, extra, warned
) -> None:
    connection = {
        "conn_type": "jodo",
        "host": host,
        "login": "agent",
        "password": "pass-word-1",
        "extra": extra,
    }
    monkeypatch.setenv("AIRFLOW_CONN_JODO_PLAIN", json.dumps(connection))
    hook = JodoHook(jodo_conn_id="jodo_plain")
    for _ in range(3):  # calls reuse the hook's transport: still one warning
        hook.get_conn_settings()
        hook.job_page_url(1)
    log = capfd.readouterr().out
    warning = "the API key and the astercc password travel unencrypted"
    if warned is None:
        assert warning not in log
    else:
        assert log.count(warning) == 1
        assert f"Connection 'jodo_plain' calls the platform over plain HTTP ({warned})" in log
        assert "Use an https:// URL as the connection's host" in log


def test_no_secret_at_rest_in_any_table_of_the_metadata_database(airflow_db, tmp_path, monkeypatch) -> None:
    """A real run writes rendered template fields, the task state store, XCom, task instances and
    more: no secret may be in any of them, nor a login that a templated file URL rendered with
    (that task fails before its rendered fields are stored)."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.sdk import DAG
    from airflow.utils.session import create_session

    (tmp_path / "leads.csv").write_text(CSV)
    with JodoSandbox(job_poll_interval=POLL_SECONDS) as sandbox:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", json.dumps(sandbox.connection_dict()))
        monkeypatch.setenv(
            "AIRFLOW_CONN_EXPORTS_FILES",
            json.dumps({"conn_type": "http", "login": FILE_USER, "password": FILE_PASSWORD}),
        )
        with http_file_server(tmp_path, credentials=(FILE_USER, FILE_PASSWORD)) as files:
            with DAG(
                dag_id="secret_scan_rendering",
                schedule=None,
                start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
            ) as dag:
                submit = JodoImportCJIFileOperator(
                    task_id="import",
                    campaign_id="{{ 1 }}",
                    source="http",
                    file_url=files + "/{{ 'leads' }}.csv",
                    source_conn_id="exports_files",
                    delrow=1,
                    exetime="{{ dag_run.run_after }}",
                    wait_for_completion=False,
                )
                wait = JodoImportJobSensor(
                    task_id="wait",
                    job_id="{{ ti.xcom_pull(task_ids='import', key='job_id') }}",
                    poke_interval=POLL_SECONDS,
                )
                push = JodoImportProcessDataOperator(
                    task_id="push",
                    media=12,
                    update_key="mobilenumber",
                    records=[{"name": "{{ 'Ana' }}", "mobilenumber": "5511900000001", "emailid": "a@b.c"}],
                    report_path=str(tmp_path / "report-{{ ds_nodash }}.jsonl"),
                )
                login = "{{ conn.exports_files.login }}:{{ conn.exports_files.password }}"
                JodoImportCJIFileOperator(  # a login that only rendering reveals: refused before it is stored
                    task_id="import_with_login_in_url",
                    campaign_id=1,
                    source="http",
                    file_url=files.replace("http://", f"http://{login}@") + "/leads.csv",
                    wait_for_completion=False,
                )
                submit >> wait >> push
            run = run_dag(dag)
        secrets = Scan(sandbox).secrets
    assert run.get_task_instance("push").state == "success"
    assert run.get_task_instance("import_with_login_in_url").state == "failed"
    with create_session() as session:
        rendered = {
            row.task_id: row.rendered_fields
            for row in session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag.dag_id)
        }
        state_keys = (
            [key for key, _ in _state_store_rows(session, dag.dag_id)] if HAS_TASK_STATE_STORE else []
        )
        tables = _every_table_as_text(session)
    assert set(rendered) >= {"import", "wait", "push"}
    assert rendered["import"]["file_url"] == f"{files}/leads.csv"
    assert state_keys or not HAS_TASK_STATE_STORE
    assert all(files not in key and "leads" not in key for key in state_keys)  # a digest
    assert len(tables) > 20  # every table of the metadata database was read
    # dag_code holds the source of the file that defined the DAG: this test module, whose constants
    # are the test's own secrets. Everything the run wrote is in the other tables.
    tables.pop("dag_code")
    leaked = {name for name, text in tables.items() if any(s in text for s in secrets)}
    assert not leaked, f"secrets at rest in table(s) {sorted(leaked)}"


def _state_store_rows(session: Any, dag_id: str) -> list[tuple[str, str]]:
    from sqlalchemy import text

    rows = session.execute(text("SELECT * FROM task_state_store")).mappings().all()
    return [(str(row["key"]), str(dict(row))) for row in rows if dag_id in str(dict(row))]


def _every_table_as_text(session: Any) -> dict[str, str]:
    """table name -> all its rows as text (bytes decoded leniently)."""
    from sqlalchemy import inspect, text

    texts = {}
    for table in inspect(session.get_bind()).get_table_names():
        rows = session.execute(text(f'SELECT * FROM "{table}"')).all()
        texts[table] = "\n".join(" ".join(_as_text(value) for value in row) for row in rows)
    return texts


def _as_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
