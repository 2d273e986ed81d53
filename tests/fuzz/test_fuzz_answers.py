"""Properties of answer parsing: any body, from the vendors or from a broken proxy, either
parses or raises a JodoError naming the call; a well-formed body in any vendor shape parses to
the value it holds; and the trigger, served any status answer, yields one event."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from airflow_provider_jodo.exceptions import JodoError, JodoResponseError
from airflow_provider_jodo.protocol.codes import parse_backmsg
from airflow_provider_jodo.protocol.wire.answers import (
    astercc_message,
    data_record_answer,
    jodo_payload,
    parse_answer,
)
from airflow_provider_jodo.protocol.wire.customer_web_service import parse_record_outcomes
from airflow_provider_jodo.protocol.wire.job_status import parse_import_job, parse_job_id
from airflow_provider_jodo.protocol.wire.relaxed_json import MalformedBodyError, parse_body
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from tests.support.fuzz_strategies import (
    JSON_VALUES,
    JSONP_CALLBACKS,
    ODD_NUMBERS,
    ODD_VALUES,
    PHP_NOTICES,
    TEXT,
    as_json,
    truncations,
)
from tests.support.hostile_platforms import ScriptedPlatform, scripted_platform

WHAT = "importCJI source=data into campaign 1"
CALLBACK = "airflowJodo"
HTML_ERROR_PAGES = st.builds(
    "<html><head><title>{0} {1}</title></head><body><h1>{1}</h1><p>{2}</p></body></html>".format,
    st.sampled_from([200, 404, 500, 502, 503]),
    st.sampled_from(["Bad Gateway", "Service Unavailable", "Internal Server Error"]),
    TEXT,
)
GOOD_ANSWERS = st.sampled_from(
    [
        'airflowJodo({code:1,message:"BackMsg_83"})',
        "airflowJodo({code:1,message:'4711'});",
        'airflowJodo({code:2,message:"BackMsg_07"})',
        "|Retuen|1|Retuen|4711",
        '{"method":"ImportProcessData","status":"001","statusdesc":"success","uniqueid":"r1","records":[]}',
        '{"method":"getProcessData","statuscode":1107,"statusdesc":"fail","message":"API key not found"}',
        'airflowJodo({code:1,message:{jobid:"7",state:"running",total:3,inserted:1,updated:0,skipped:0,'
        'failed:0,errors:[{row:2,code:"BackMsg_75",message:"bad"}]}})',
    ]
)
BODIES = st.one_of(
    TEXT,
    HTML_ERROR_PAGES,
    GOOD_ANSWERS.flatmap(truncations),
    GOOD_ANSWERS.map(lambda body: body.replace(":", "", 1)),
    JSON_VALUES.map(as_json).flatmap(lambda body: st.sampled_from([body, f"cb({body})", f"cb({body}"])),
    st.integers(min_value=1, max_value=50_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=1, max_value=50_000).map(
        lambda depth: "cb(" + "{a:" * depth + "1" + "}" * depth + ")"
    ),
)
SHAPED_BODIES = st.builds(
    "{0}{1}({{code:{2},message:{3}}})".format,
    PHP_NOTICES | st.just(""),
    JSONP_CALLBACKS,
    ODD_NUMBERS | st.sampled_from(["1", "2", "'1'"]),
    ODD_NUMBERS | st.sampled_from(["'4711'", "'BackMsg_83'", "'BackMsg_\u00b2'", "{jobid:7,total:-1}"]),
)
BODIES = st.one_of(
    BODIES,
    SHAPED_BODIES,
    st.builds("|Retuen|{0}|Retuen|{1}".format, ODD_NUMBERS, TEXT),
    st.builds("{0}{1}".format, PHP_NOTICES, BODIES),
    st.builds("[{0}]".format, ODD_NUMBERS),
)


def no_redaction(text: str) -> str:
    return text


def _relaxed(value: Any) -> str:
    """`value` written as astercc writes it: unquoted identifier keys, single-quoted strings."""
    if isinstance(value, dict):
        members = []
        for key, item in value.items():
            name = key if re.fullmatch(r"[A-Za-z_$][\w$]*", key, re.ASCII) else json.dumps(key)
            members.append(f"{name}:{_relaxed(item)}")
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_relaxed(item) for item in value) + "]"
    if isinstance(value, str):
        return "'" + json.dumps(value)[1:-1].replace('\\"', '"').replace("'", "\\'") + "'"
    return json.dumps(value)


@given(BODIES)
@example("[" * 5_000)  # found by hypothesis: deep nesting raised RecursionError
@example("cb(" + "[" * 5_000 + ")")
@example("[" + "9" * 4_301 + "]")  # int's digit limit: a ValueError from json.loads
@example("airflowJodo({n:" + "9" * 4_301 + "})")
@example("|Retuen|\u00b2|Retuen|x")  # '²'.isdigit() is True, int('²') raises
def test_parse_body_returns_a_value_or_raises_malformed_body(body: str) -> None:
    try:
        parse_body(body, CALLBACK)
    except MalformedBodyError as error:
        assert error.position >= 0


@given(JSON_VALUES)
def test_any_json_value_parses_back_as_json_jsonp_and_relaxed_jsonp(value: Any) -> None:
    assert parse_body(as_json(value)) == value
    assert parse_body(f"airflowJodo({as_json(value)});", CALLBACK) == value
    assert parse_body(f"airflowJodo({_relaxed(value)})", CALLBACK) == value


@given(body=BODIES, http_status=st.sampled_from([200, 201, 204, 302, 400, 404, 429, 500, 502]))
@example(body="[" * 5_000, http_status=200)
@example(body='{"code":1,"message":{"state":"running","total":Infinity}}', http_status=200)
@example(body='{"status":"\u00b2"}', http_status=200)
@example(body="airflowJodo({code:'\u0661',message:'x'})", http_status=200)
def test_any_body_parses_or_raises_a_jodo_error_naming_the_call(body: str, http_status: int) -> None:
    for read, callback in ((jodo_payload, None), (astercc_message, CALLBACK)):
        try:
            answer = parse_answer(body, http_status, WHAT, no_redaction, callback=callback)
            code, message = (
                read(answer, body, WHAT, no_redaction) if read is astercc_message else (None, None)
            )
            data_record_answer(code, message, WHAT, no_redaction)
            parse_job_id(message, WHAT, no_redaction)
            parse_import_job(message, WHAT, no_redaction, asked_job_id="7")
        except JodoError as error:
            assert WHAT in str(error)
            assert not isinstance(error, JodoResponseError) or 200 <= http_status < 300 or error.http_status


JOB_MESSAGES = st.one_of(
    ODD_VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "jobid": ODD_VALUES,
            "state": st.sampled_from(["scheduled", "running", "succeeded", "failed", "cancelled", "RUNNING"])
            | ODD_VALUES,
            "total": st.integers() | ODD_VALUES,
            "inserted": st.integers() | ODD_VALUES,
            "failed": st.integers() | ODD_VALUES,
            "errors": st.lists(
                st.fixed_dictionaries(
                    {}, optional={"row": ODD_VALUES, "code": ODD_VALUES, "message": ODD_VALUES}
                )
                | ODD_VALUES,
                max_size=3,
            )
            | ODD_VALUES,
        },
    ),
)


@given(JOB_MESSAGES)
@example({"state": "running", "total": math.inf})  # found by hypothesis: int(inf) raised OverflowError
@example({"state": "running", "total": 1e400})  # how infinity arrives: JSON numbers beyond float range
@example({"state": "running", "errors": [{"row": math.nan}]})
@example({"state": "running", "total": "\u00b2", "jobid": "\u0661"})
@example({"state": "running", "total": "9" * 5_000})
def test_any_job_status_message_becomes_a_job_or_a_response_error(message: Any) -> None:
    what = "importStatusCJI for job 7"
    for asked_job_id in ("7", None):
        try:
            job = parse_import_job(message, what, no_redaction, asked_job_id=asked_job_id)
        except JodoResponseError as error:
            assert what in str(error)
        else:
            counts = (
                job.total,
                job.inserted,
                job.updated,
                job.skipped,
                job.failed,
                *(e.row for e in job.errors),
            )
            assert all(type(count) is int and count >= 0 for count in counts)
            assert job.job_id == "7" if asked_job_id else job.job_id.isascii() and job.job_id.isdigit()


@given(st.one_of(ODD_VALUES, ODD_NUMBERS, TEXT, st.integers()))
def test_a_job_id_is_ascii_digits_or_a_response_error(value: Any) -> None:
    try:
        job_id = parse_job_id(value, WHAT, no_redaction)
    except JodoResponseError as error:
        assert WHAT in str(error) and len(str(error)) < 400
    else:
        assert job_id.isascii() and job_id.isdigit() and 1 <= len(job_id) <= 20


@given(
    message=st.one_of(ODD_VALUES, ODD_NUMBERS.map("BackMsg_{}".format), st.sampled_from(["BackMsg_83", "ok"]))
)
def test_a_data_record_answer_is_an_outcome_or_a_response_error(message: Any) -> None:
    try:
        data_record_answer(parse_backmsg(message), message, WHAT, no_redaction)
    except JodoResponseError as error:
        assert WHAT in str(error)


@given(
    raw=st.one_of(
        ODD_VALUES,
        st.lists(
            st.fixed_dictionaries(
                {"index": st.integers(0, 3) | ODD_VALUES},
                optional={
                    "outcome": st.sampled_from(["inserted", "updated", "rejected", "INSERTED"]) | ODD_VALUES,
                    "key": ODD_VALUES,
                    "reason": ODD_VALUES,
                },
            )
            | ODD_VALUES,
            max_size=4,
        ),
    ),
    expected=st.integers(1, 4),
)
def test_record_outcomes_are_one_per_input_record_or_none(raw: Any, expected: int) -> None:
    outcomes = parse_record_outcomes(raw, expected)
    if outcomes is not None:
        assert [outcome.index for outcome in outcomes] == list(range(expected))
        assert all(outcome.key is None or isinstance(outcome.key, str) for outcome in outcomes)
        assert all(outcome.reason is None or isinstance(outcome.reason, str) for outcome in outcomes)


@pytest.mark.parametrize("body", ["", "   ", "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"])
def test_empty_and_html_bodies_are_response_errors_that_quote_the_body(body: str) -> None:
    with pytest.raises(JodoResponseError, match=re.escape(WHAT)) as raised:
        parse_answer(body, 200, WHAT, no_redaction)
    assert body.strip()[:20] in str(raised.value)


STATUS_ANSWERS = st.one_of(
    BODIES,
    JOB_MESSAGES.map(lambda job: f"airflowJodo({{code:1,message:{json.dumps(job, default=repr)}}})"),
    st.builds(
        "airflowJodo({{code:1,message:{{jobid:{0},state:'running',total:{1},errors:[{{row:{1}}}]}}}})".format,
        ODD_NUMBERS | st.just("7"),
        ODD_NUMBERS,
    ),
)


@pytest.fixture
def status_platform(monkeypatch) -> Iterator[ScriptedPlatform]:
    """A scripted platform; connection `jodo_fuzz` points at it."""
    with scripted_platform() as platform:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_FUZZ", platform.connection_json())
        yield platform


@settings(max_examples=12)  # each example runs the trigger on an event loop: slow
@given(body=STATUS_ANSWERS)
@example(body="airflowJodo({code:1,message:{jobid:7,state:'running',total:" + "9" * 4_301 + "}})")
@example(body="airflowJodo({code:1,message:{jobid:'\u0661',state:'running'}})")
@example(body="airflowJodo({code:'\u00b2',message:'x'})")
@example(body="airflowJodo({code:1,message:{jobid:'7',state:'running'}})")
@example(body="airflowJodo({code:1,message:{jobid:'7',state:'succeeded',total:1,inserted:1}})")
@example(body="airflowJodo({code:2,message:'BackMsg_91'})")
def test_the_trigger_yields_one_event_for_any_status_answer(
    status_platform: ScriptedPlatform, body: str
) -> None:
    status_platform.body = body
    trigger = JodoImportJobTrigger("7", "jodo_fuzz", poll_interval=0.01, deadline=time.time() + 0.5)

    async def events() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    (event,) = asyncio.run(events())
    assert event["status"] in {"success", "failed", "timeout", "error"} and event["job_id"] == "7"
