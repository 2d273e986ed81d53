"""The sandbox's profiles: `full` answers with our extensions, `documented` only as the vendors
document (plus the decided status lookup by jobid), `documented-no-status` without any status
method. Called over raw HTTP, as a platform written from the docs would be."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from airflow_provider_jodo.protocol.wire.cji_parameters import REPORTED_JOB_PARAMETERS
from jodo_sandbox import JodoSandbox, SandboxProfile
from tests.sandbox.conftest import IMPORT_STATUS_PATH, parse_jsonp

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# This tree's provider and sandbox (sandbox/ holds the jodo_sandbox package), ahead of any installed.
SOURCE_PATH = os.pathsep.join([str(PROJECT_ROOT), str(PROJECT_ROOT / "sandbox")])
LEADS = [{"name": "Ana", "mobilenumber": "919800000001", "emailid": "ana@example.com"}]


@pytest.mark.sandbox(profile="documented")
def test_documented_import_process_data_answers_success_without_records(sandbox, jodo, import_request):
    answer = jodo(import_request(LEADS))
    assert (answer["status"], answer["statusdesc"]) == ("001", "success") and answer["uniqueid"]
    assert "records" not in answer
    assert [c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess")] == ["919800000001"]


@pytest.mark.sandbox(profile="documented")
def test_documented_status_has_no_listing_and_a_plain_text_unknown_job(sandbox, cji, job_status, http_files):
    (http_files.root / "a.csv").write_text("name,phone1\nAna,5511900000001\n")
    job_id = cji(source="http", context=http_files.url("a.csv"), delrow="1")["message"]
    status = job_status(job_id)
    assert status["code"] == 1  # the decided lookup by jobid is there, without our extra fields
    assert set(status["message"]).isdisjoint(REPORTED_JOB_PARAMETERS)
    assert job_status("424242") == {"code": 2, "message": "job not found"}
    listing = job_status(
        "", model_id=str(sandbox.seed.own_table_campaign_id), context=http_files.url("a.csv")
    )
    assert listing == {"code": 2, "message": "job not found"}
    assert job_status("424242", password="wrong")["message"] == "BackMsg_63"  # credentials keep codes


@pytest.mark.sandbox(profile="full")
def test_full_profile_keeps_our_extensions(sandbox, cji, job_status, jodo, import_request, http_files):
    assert jodo(import_request(LEADS))["records"][0]["outcome"] == "inserted"
    assert job_status("424242") == {"code": 2, "message": "BackMsg_91"}
    (http_files.root / "a.csv").write_text("name,phone1\nAna,5511900000001\n")
    job_id = cji(source="http", context=http_files.url("a.csv"), delrow="1")["message"]
    listing = job_status(
        "", model_id=str(sandbox.seed.own_table_campaign_id), context=http_files.url("a.csv")
    )
    assert [job["jobid"] for job in listing["message"]] == [job_id]
    assert (
        listing["message"][0]["context"]
        == job_status(job_id)["message"]["context"]
        == http_files.url("a.csv")
    )


@pytest.mark.sandbox(profile="documented-no-status")
def test_documented_no_status_has_no_status_method(sandbox, session, credentials, cji, http_files):
    (http_files.root / "a.csv").write_text("name,phone1\nAna,5511900000001\n")
    assert cji(source="http", context=http_files.url("a.csv"), delrow="1")["code"] == 1
    response = session.get(
        sandbox.base_url + IMPORT_STATUS_PATH,
        params={"callback": "cb", **credentials, "jobid": "1"},
        timeout=5,
    )
    assert response.status_code == 404


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="'vendor'"):
        JodoSandbox(profile="vendor")


def test_cli_takes_the_profile_from_a_flag_or_the_environment(tmp_path):
    """`--profile documented`, or `JODO_SANDBOX_PROFILE=documented` (what `make demo` passes on)."""
    for arguments, environment in (
        (["--profile", "documented"], {}),
        ([], {"JODO_SANDBOX_PROFILE": "documented"}),
    ):
        env = {**os.environ, **environment, "PYTHONPATH": SOURCE_PATH, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "jodo_sandbox", "--port", "0", *arguments]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            banner = process.stdout.readline()
            assert "profile documented" in banner
            base_url = banner.split("listening on ")[1].split(" ")[0]
            answer = requests.get(base_url + IMPORT_STATUS_PATH, params={"jobid": "1"}, timeout=5).text
            assert parse_jsonp(answer)[1]["code"] == 2
        finally:
            process.terminate()
            process.communicate(timeout=10)
    assert SandboxProfile("documented") is SandboxProfile.DOCUMENTED
