"""Fixtures for the sandbox tests: a running JodoSandbox, a requests session, callers for the
two wire protocols (built here, not with the hook, which is tested on its own), and local
HTTP/FTP file servers for import jobs."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from jodo_sandbox import JodoSandbox
from tests.support.file_servers import ftp_file_server, http_file_server

PROCESS_DATA_PATH = "/CustomerWebServices/handleCustomerWS"
IMPORT_CJI_PATH = "/setevent/importCJI"
IMPORT_STATUS_PATH = "/setevent/importStatusCJI"
CALLBACK = "jQuery1124_1700000000"
FINISHED_STATES = ("succeeded", "failed", "cancelled")
_JSONP = re.compile(r"(?P<callback>[A-Za-z_$][\w$.]*)\((?P<literal>.*)\)", re.DOTALL)
# A JSON string (left alone) or an unquoted object key (quoted): strings are matched first, so
# text inside them is never touched.
_STRING_OR_KEY = re.compile(r'"(?:\\.|[^"\\])*"|(?P<key>[A-Za-z_$][\w$]*)(?P<colon>\s*:)')


def parse_jsonp(body: str) -> tuple[str | None, Any]:
    """(callback, value) of an astercc answer: JSONP or a bare relaxed object."""
    match = _JSONP.fullmatch(body)
    callback, literal = (match["callback"], match["literal"]) if match else (None, body)
    quoted = _STRING_OR_KEY.sub(
        lambda m: f'"{m["key"]}"{m["colon"]}' if m["key"] else m.group(0),
        literal,
    )
    return callback, json.loads(quoted)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**options): JodoSandbox keyword arguments for the test")


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[JodoSandbox]:
    """A running sandbox that polls for jobs often; `@pytest.mark.sandbox(...)` sets options."""
    marker = request.node.get_closest_marker("sandbox")
    options = {"job_poll_interval": 0.05, **(marker.kwargs if marker else {})}
    with JodoSandbox(**options) as running:
        yield running


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


@pytest.fixture
def jodo(sandbox: JodoSandbox, session: requests.Session) -> Callable[..., dict[str, Any]]:
    """POST a Jodo request (a dict, or raw text for `data`) and return the JSON answer."""

    def call(request: dict[str, Any] | str) -> dict[str, Any]:
        data = request if isinstance(request, str) else json.dumps(request)
        response = session.post(sandbox.base_url + PROCESS_DATA_PATH, data={"data": data}, timeout=5)
        response.raise_for_status()
        return response.json()

    return call


@pytest.fixture
def import_request(sandbox: JodoSandbox) -> Callable[..., dict[str, Any]]:
    """A valid ImportProcessData request for the demo organisation; keywords override keys."""

    def build(records: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
        request = {
            "Method": "ImportProcessData",
            "apikey": sandbox.seed.apikey,
            "servicekey": sandbox.seed.servicekey,
            "Media": 12,
            "Data": records,
            "updateparam": "mobilenumber",
            "reqdatetime": "2024-05-01 09:30:00",
        }
        request.update(overrides)
        return request

    return build


@pytest.fixture
def credentials(sandbox: JodoSandbox) -> dict[str, str]:
    """The account login as astercc's five credential parameters."""
    return {
        "orgidentity": sandbox.seed.orgidentity,
        "usertype": "account",
        "user": sandbox.seed.account_user,
        "pwdtype": "plaintext",
        "password": sandbox.seed.account_password,
    }


@pytest.fixture
def cji_raw(
    sandbox: JodoSandbox, session: requests.Session, credentials: dict[str, str]
) -> Callable[..., Any]:
    """GET importCJI with all 21 parameters (empty unless given) and return the response."""

    def call(*, omit: tuple[str, ...] = (), **parameters: str) -> requests.Response:
        query = {
            "callback": CALLBACK,
            **credentials,
            "modeltype": "Campaign",
            "model_id": str(sandbox.seed.own_table_campaign_id),
            "source": "data",
            "context": "",
            **dict.fromkeys(
                ("source_user", "source_pwd", "exetime", "delrow", "phone_field", "priority_field"), ""
            ),
            **dict.fromkeys(
                ("dialtime_field", "emptyagent", "resetstatus", "dupway", "dupdiallist", "changepackage"), ""
            ),
            **parameters,
        }
        for name in omit:
            del query[name]
        return session.get(sandbox.base_url + IMPORT_CJI_PATH, params=query, timeout=5)

    return call


@pytest.fixture
def cji(cji_raw: Callable[..., requests.Response]) -> Callable[..., dict[str, Any]]:
    """importCJI answer as a dict `{code, message}`."""

    def call(**parameters: Any) -> dict[str, Any]:
        response = cji_raw(**parameters)
        response.raise_for_status()
        callback, answer = parse_jsonp(response.text)
        assert callback == CALLBACK
        return answer

    return call


@pytest.fixture
def job_status(
    sandbox: JodoSandbox, session: requests.Session, credentials: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """importStatusCJI answer as a dict `{code, message}`."""

    def call(job_id: str, **overrides: str) -> dict[str, Any]:
        query = {"callback": CALLBACK, **credentials, "jobid": job_id, **overrides}
        response = session.get(sandbox.base_url + IMPORT_STATUS_PATH, params=query, timeout=5)
        response.raise_for_status()
        return parse_jsonp(response.text)[1]

    return call


@pytest.fixture
def wait_for_job(job_status: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Poll the status method until the job is finished; returns its status message."""

    def wait(job_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            answer = job_status(job_id)
            assert answer["code"] == 1, answer
            if answer["message"]["state"] in FINISHED_STATES:
                return answer["message"]
            assert time.monotonic() < deadline, f"job {job_id} still {answer['message']['state']}"
            time.sleep(0.02)

    return wait


@dataclass(frozen=True)
class FileServer:
    """A local file server over `root`; `url(name)` is a file's URL."""

    root: Path
    base_url: str
    user: str = ""
    password: str = ""

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


def _serve_http(root: Path, user: str = "", password: str = "") -> Iterator[FileServer]:
    with http_file_server(root, (user, password) if user else None) as base_url:
        yield FileServer(root, base_url, user, password)


@pytest.fixture
def http_files(tmp_path: Path) -> Iterator[FileServer]:
    """An HTTP server for the files in tmp_path, without authentication."""
    yield from _serve_http(tmp_path)


@pytest.fixture
def http_files_with_auth(tmp_path: Path) -> Iterator[FileServer]:
    """An HTTP server for the files in tmp_path that wants basic auth."""
    yield from _serve_http(tmp_path, "csvreader", secrets.token_hex(8))


@pytest.fixture
def ftp_files(tmp_path: Path) -> Iterator[FileServer]:
    """An FTP server on 127.0.0.1 with one user (and anonymous read access) over tmp_path."""
    user, password = "csvreader", secrets.token_hex(8)
    with ftp_file_server(tmp_path, user, password) as base_url:
        yield FileServer(tmp_path, base_url, user, password)
