"""`python -m jodo_sandbox`: starts, prints, writes the connection, stops."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from jodo_sandbox import JodoSandbox
from jodo_sandbox.__main__ import describe, parse_arguments

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# This tree's provider and sandbox (sandbox/ holds the jodo_sandbox package), ahead of any installed.
SOURCE_PATH = os.pathsep.join([str(PROJECT_ROOT), str(PROJECT_ROOT / "sandbox")])


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_until_signalled(tmp_path, stop_signal):
    connection_file = tmp_path / "conn.json"
    apikey, password = secrets.token_hex(10), secrets.token_hex(10)
    env = {**os.environ, "PYTHONPATH": SOURCE_PATH, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "jodo_sandbox",
        "--port",
        "0",
        "--timezone",
        "Asia/Kolkata",
        "--connection-file",
        str(connection_file),
        "--apikey",
        apikey,
        "--password",
        password,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        printed = []
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        output = "".join(printed)
        base_url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", output).group(1)
        assert apikey in output and password in output
        assert "VoiceProcess" in output and "agent.smith" in output

        connection = json.loads(connection_file.read_text())
        assert connection["host"] == base_url
        assert connection["password"] == password
        assert connection["extra"]["apikey"] == apikey
        assert connection["extra"]["timezone"] == "Asia/Kolkata"
        assert connection_file.stat().st_mode & 0o077 == 0

        query = {
            "orgidentity": connection["schema"],
            "usertype": "account",
            "user": connection["login"],
            "pwdtype": "plaintext",
            "password": connection["password"],
            "jobid": "7",
        }
        answer = requests.get(base_url + "/setevent/importStatusCJI", params=query, timeout=5).text
        assert answer == '{code:2,message:"BackMsg_91"}'

        process.send_signal(stop_signal)
        remaining_output, errors = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, errors
    assert "stopped" in remaining_output
    assert errors == ""


def test_cli_rejects_a_bad_time_zone():
    env = {**os.environ, "PYTHONPATH": SOURCE_PATH}
    result = subprocess.run(
        [sys.executable, "-m", "jodo_sandbox", "--port", "0", "--timezone", "Nowhere/City"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 2
    assert "timezone" in result.stderr


def test_the_banner_lists_the_campaign_form_and_explains_the_shared_main_table():
    with JodoSandbox() as sandbox:
        banner = describe(sandbox)
    assert (
        "campaign form:   name (Name), phone1 (Phone, required: the duplicate key), phone2 (Mobile)" in banner
    )
    assert "2, 3 (the organisation's main customer table, shared: a phone number imported into one" in banner


def test_help_gives_every_default(capsys):
    with pytest.raises(SystemExit):
        parse_arguments(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "ImportProcessData records per request (default: 500)" in help_text
    assert "seconds between looks for due import jobs (default: 0.2)" in help_text
