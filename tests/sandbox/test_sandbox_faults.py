"""Injected faults: each kind reaches the client as a real flaky platform's would, faults that
come after processing leave the request applied, and only the API paths get them."""

from __future__ import annotations

import pytest
import requests

from jodo_sandbox import Fault, FaultPlan, JodoSandbox
from jodo_sandbox.__main__ import build_fault_plan, parse_arguments
from jodo_sandbox.faults import parse_fault_rate
from jodo_sandbox.server import PHP_NOTICE

RECORD = {"name": "Ravi", "phone1": "5550101"}


def send_record(cji_raw, phone="5550101"):
    return cji_raw(context=f"name={RECORD['name']}||phone1={phone}")


def customers(sandbox):
    return [c["phone1"] for c in sandbox.store.campaign_customers(sandbox.seed.own_table_campaign_id)]


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.THROTTLED, Fault.RESET, Fault.MALFORMED])
def test_faults_before_processing_leave_nothing_applied(sandbox, cji_raw, fault):
    sandbox.faults.retry_after = 7
    sandbox.faults.script(fault)
    if fault is Fault.RESET:
        with pytest.raises(requests.ConnectionError):
            send_record(cji_raw)
    else:
        response = send_record(cji_raw)
        expected = {Fault.SERVER_ERROR: 503, Fault.THROTTLED: 429, Fault.MALFORMED: 200}[fault]
        assert response.status_code == expected
        if fault is Fault.THROTTLED:
            assert response.headers["Retry-After"] == "7"
        else:
            assert response.text.startswith("<html>")
    assert customers(sandbox) == []
    assert send_record(cji_raw).status_code == 200  # the next request is served normally
    assert customers(sandbox) == ["5550101"]


def test_lost_and_truncated_answers_leave_the_request_applied(sandbox, cji_raw):
    sandbox.faults.script(Fault.LOST, Fault.TRUNCATED)
    with pytest.raises(requests.ConnectionError):
        send_record(cji_raw, "5550101")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        send_record(cji_raw, "5550102")
    assert customers(sandbox) == ["5550101", "5550102"]
    assert sandbox.faults.injected == {Fault.LOST: 1, Fault.TRUNCATED: 1}


def test_a_notice_or_a_cut_answer_reads_as_a_whole_200_answer_and_leaves_the_request_applied(
    sandbox, cji_raw
):
    sandbox.faults.script(Fault.NOTICE, Fault.CUT, None)
    notice, cut, whole = (send_record(cji_raw, phone) for phone in ("5550101", "5550102", "5550103"))
    assert notice.status_code == cut.status_code == 200
    assert notice.text == PHP_NOTICE + whole.text  # the same answer (a BackMsg code), after a notice
    assert PHP_NOTICE.startswith("<br />\n<b>Notice</b>:  Undefined index:")
    assert "Content-Length" not in cut.headers and cut.headers["Connection"] == "close"
    assert whole.text.startswith(cut.text) and len(cut.text) == len(whole.text) // 2
    assert customers(sandbox) == ["5550101", "5550102", "5550103"]
    assert sandbox.faults.injected == {Fault.NOTICE: 1, Fault.CUT: 1}


def test_a_slow_answer_outlasts_the_client_timeout_but_the_request_is_applied(sandbox, session):
    sandbox.faults.slow_seconds = 1.0
    sandbox.faults.script(Fault.SLOW)
    query = {"callback": "cb", "orgidentity": sandbox.seed.orgidentity, "usertype": "account"}
    query |= {"user": sandbox.seed.account_user, "pwdtype": "plaintext", "jobid": "1"}
    query["password"] = sandbox.seed.account_password
    with pytest.raises(requests.ReadTimeout):
        session.get(f"{sandbox.base_url}/setevent/importStatusCJI", params=query, timeout=0.2)
    assert sandbox.faults.injected[Fault.SLOW] == 1


def test_file_downloads_and_job_pages_never_get_faults(tmp_path):
    (tmp_path / "a.csv").write_text("name,phone1\n")
    with JodoSandbox(files_dir=tmp_path, faults=FaultPlan({Fault.SERVER_ERROR: 1.0})) as sandbox:
        assert requests.get(sandbox.file_url("a.csv"), timeout=5).status_code == 200
        assert requests.get(f"{sandbox.base_url}/shelljobs/1", timeout=5).status_code == 404
        status = requests.get(f"{sandbox.base_url}/setevent/importStatusCJI", timeout=5).status_code
        assert status == 503
        assert sandbox.faults.requests_seen == 1


def test_rates_are_drawn_from_a_seeded_generator():
    def draws(seed):
        plan = FaultPlan({Fault.SERVER_ERROR: 0.1, Fault.RESET: 0.05, Fault.LOST: 0.02}, seed=seed)
        return [plan.next_fault() for _ in range(2000)]

    first = draws(7)
    assert first == draws(7)
    assert 150 < sum(f is Fault.SERVER_ERROR for f in first) < 250  # ~10% of 2000
    assert 0 < sum(f is Fault.LOST for f in first) < 100


@pytest.mark.parametrize(
    ("rates", "message"),
    [({Fault.RESET: -0.1}, "must be >= 0"), ({Fault.RESET: 0.6, Fault.LOST: 0.6}, "at most 1")],
)
def test_bad_rates_are_refused(rates, message):
    with pytest.raises(ValueError, match=message):
        FaultPlan(rates)


def test_command_line_fault_flags():
    arguments = parse_arguments(["--fault", "5xx=0.1", "--fault", "lost=0.02", "--fault-seed", "3"])
    plan = build_fault_plan(arguments)
    assert plan.rates == {Fault.SERVER_ERROR: 0.1, Fault.LOST: 0.02}
    assert parse_fault_rate("429=1") == (Fault.THROTTLED, 1.0)
    with pytest.raises(ValueError, match="unknown fault 'boom'"):
        parse_fault_rate("boom=0.1")
    with pytest.raises(ValueError, match="number from 0 to 1"):
        parse_fault_rate("reset=2")
