"""Properties of parameter handling: any value a DAG author or a connection may hold ends in a
valid setting or a ValueError naming the parameter, never another exception from deep inside
and never a silently different value."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pendulum
from hypothesis import example, given
from hypothesis import strategies as st

from airflow_provider_jodo.enums import (
    CJISource,
    DialListDuplicatePolicy,
    Media,
    UpdateKey,
    UserType,
    coerce,
    coerce_optional,
)
from airflow_provider_jodo.exceptions import ConnectionSettingError
from airflow_provider_jodo.hooks.connection import JodoConnectionSettings
from airflow_provider_jodo.hooks.connection_form import EXTRA_DEFAULTS
from airflow_provider_jodo.loading.lead_rules import REQUIRED_RECORD_FIELDS, check_lead
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from airflow_provider_jodo.protocol.exetime import resolve_exetime
from airflow_provider_jodo.protocol.wire.wall_clock import (
    WIRE_FORMAT,
    is_date,
    is_time,
    is_wall_clock,
    to_wall_clock,
)
from tests.support.fuzz_strategies import ODD_VALUES, TEXT

NOW = pendulum.datetime(2026, 11, 23, 6, 0, tz="UTC")
ZONES = st.sampled_from(["UTC", "Asia/Kolkata", "America/Sao_Paulo", "Europe/London", "Pacific/Kiritimati"])
AWARE = st.datetimes(
    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-12)), timezone(timedelta(hours=14))])
)
LEADS = st.dictionaries(
    st.sampled_from([*REQUIRED_RECORD_FIELDS, "customercode", "dateofleadcreation", "callDateTime"]) | TEXT,
    ODD_VALUES
    | st.sampled_from(
        ["Ana", "5511987654321", "+5511987654321", "a@b.c", "2026-02-30", "2026-11-23 25:00:00"]
    ),
    max_size=6,
) | st.dictionaries(ODD_VALUES.filter(lambda key: key.__hash__ is not None), TEXT, max_size=3)


@given(record=LEADS, update_key=st.sampled_from(UpdateKey))
@example(
    record={"name": "Ana", "mobilenumber": "5511987654321", "emailid": "a@b", "note": "\ud800"},
    update_key=UpdateKey.MOBILE_NUMBER,
)
@example(
    record={"name": "Ana", "mobilenumber": "5511987654321", "emailid": "a@b", (1, 2): "x"},
    update_key=UpdateKey.MOBILE_NUMBER,
)
def test_a_lead_is_accepted_as_sendable_text_or_rejected_naming_a_field(
    record: dict[Any, Any], update_key: UpdateKey
) -> None:
    fields, reason = check_lead(record, update_key)
    if reason is None:
        assert all(fields.get(name, "").strip() for name in (*REQUIRED_RECORD_FIELDS, update_key.value))
        json.dumps(fields, ensure_ascii=False).encode("utf-8")  # what the hook sends
        assert fields == {name: str(value) for name, value in record.items() if value is not None}
    else:
        assert any(str(name) in reason for name in (*record, *REQUIRED_RECORD_FIELDS, update_key.value))


@given(
    st.one_of(
        ODD_VALUES,
        AWARE,
        st.datetimes(),
        st.timedeltas(),
        TEXT,
        AWARE.map(str),
        AWARE.map(lambda d: d.isoformat()),
    )
)
@example(timedelta.max)  # found by hypothesis: now + a huge delay raised OverflowError
@example("2026-11-23 07:00:00")  # no zone: refused
@example("2026-11-23")  # a date alone: refused
@example(datetime(2026, 11, 23, 7))  # naive: refused
def test_exetime_resolves_to_an_aware_moment_or_is_refused_naming_the_parameter(value: Any) -> None:
    try:
        moment = resolve_exetime(value, NOW, "exetime")
    except ValueError as error:
        assert "exetime" in str(error)
    else:
        assert moment is None or moment.utcoffset() is not None


@given(moment=st.one_of(AWARE, st.datetimes(), ODD_VALUES), zone=ZONES)
@example(moment=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), zone="UTC")  # found: OverflowError
@example(moment=datetime(999, 5, 1, tzinfo=timezone.utc), zone="UTC")  # found: written "999-05-01 ..."
def test_wall_clock_is_the_moment_in_the_zone_or_refused_naming_the_parameter(moment: Any, zone: str) -> None:
    try:
        text = to_wall_clock(moment, zone, "exetime")
    except ValueError as error:
        assert "exetime" in str(error)
        return
    assert is_wall_clock(text)
    expected = pendulum.instance(moment).in_timezone(zone).naive().replace(microsecond=0)
    assert datetime.strptime(text, WIRE_FORMAT) == expected


@given(st.one_of(ODD_VALUES, st.dates().map(str), st.times().map(str), st.datetimes().map(str)))
def test_format_checks_accept_exactly_the_wire_formats(value: Any) -> None:
    for check, form in ((is_date, "%Y-%m-%d"), (is_time, "%H:%M:%S"), (is_wall_clock, WIRE_FORMAT)):
        if check(value):
            assert datetime.strptime(value, form) and len(value) == len(datetime(2000, 1, 1).strftime(form))


ENUM_TYPES = st.sampled_from([Media, UpdateKey, UserType, CJISource, DialListDuplicatePolicy])


@given(enum_type=ENUM_TYPES, value=ODD_VALUES | st.sampled_from(["12", 12, "agent", "all", " data", "DATA"]))
@example(enum_type=Media, value=True)  # found by hypothesis: True == 1 coerced to Media.EMAIL_IN
@example(enum_type=Media, value=12.0)
def test_enum_values_coerce_to_their_member_or_are_refused_naming_the_parameter(
    enum_type: Any, value: Any
) -> None:
    try:
        member = coerce(enum_type, value, "the_parameter")
    except ValueError as error:
        assert str(error).startswith("the_parameter=")
        assert coerce_optional(enum_type, value, "the_parameter") is None if value in (None, "") else True
        return
    assert isinstance(member, enum_type)
    assert value is member or (type(value) in (str, int) and str(member.value) == str(value))


EXTRAS = (
    st.fixed_dictionaries(
        {},
        optional={name: ODD_VALUES | st.just(default) | TEXT for name, default in EXTRA_DEFAULTS.items()}
        | {"verify_tls": st.booleans(), "apiKey": TEXT},
    )
    | ODD_VALUES
)


class FakeConnection:
    """The attributes `from_connection` reads, without Airflow's own validation in the way."""

    def __init__(self, host: Any, port: Any, extra: Any) -> None:
        self.conn_id, self.host, self.port, self.extra_dejson = "jodo_fuzz", host, port, extra
        self.schema, self.login, self.password = "team", "admin", "pass-word-1"


@given(
    host=TEXT
    | st.sampled_from(
        ["https://jodo.example.com", "jodo.example.com", "http://[::1", "http://h:99999", "ftp://h"]
    ),
    port=st.none() | st.integers(min_value=0, max_value=70_000),
    extra=EXTRAS,
)
@example(host="https://jodo.example.com", port=None, extra=[1, 2])  # found: extra JSON not an object
@example(host="http://[::1", port=None, extra={})  # found: urlsplit's ValueError did not name the field
@example(host="https://h", port=None, extra={"timeout": "nan"})  # found: a NaN timeout was accepted
@example(host="https://h", port=None, extra={"apikey": {"a": 1}})  # found: sent as "{'a': 1}"
def test_connection_settings_are_valid_or_refused_naming_the_field(host: Any, port: Any, extra: Any) -> None:
    try:
        settings = JodoConnectionSettings.from_connection(FakeConnection(host, port, extra))
    except ConnectionSettingError as error:
        assert "jodo_fuzz" in str(error)
        assert "pass-word-1" not in str(error)
        return
    assert settings.base_url.startswith(("http://", "https://"))
    assert 0 < settings.timeout < float("inf")
    assert isinstance(settings.verify_tls, bool)
    text_settings = (
        settings.api_key,
        settings.service_key,
        settings.process_data_path,
        settings.import_cji_path,
    )
    assert all(isinstance(value, str) and not value.startswith(("{", "[")) for value in text_settings)


PROCESS_DATA_ARGUMENTS = st.fixed_dictionaries(
    {"media": ODD_VALUES | st.sampled_from([12, "11"]), "update_key": ODD_VALUES | st.just("mobilenumber")},
    optional={
        "records": st.just([{"name": "Ana"}]) | ODD_VALUES,
        "batch_size": ODD_VALUES | st.integers(-2, 600),
        "on_invalid": ODD_VALUES | st.sampled_from(["reject", "fail"]),
        "column_mapping": ODD_VALUES | st.dictionaries(TEXT, TEXT, max_size=2),
    },
)


@given(PROCESS_DATA_ARGUMENTS)
@example({"media": 12, "update_key": "mobilenumber", "records": [], "column_mapping": 5})  # found: TypeError
def test_process_data_operator_arguments_are_checked_naming_the_parameter(arguments: dict[str, Any]) -> None:
    arguments.setdefault("records", [])
    try:
        JodoImportProcessDataOperator(task_id="push", **arguments)
    except ValueError as error:
        assert any(name in str(error) for name in (*arguments, "source_path"))


CJI_ARGUMENTS = st.fixed_dictionaries(
    {"source": ODD_VALUES | st.sampled_from(["data", "http", "ftp"])},
    optional={
        "delrow": ODD_VALUES | st.integers(-1, 3),
        "empty_agent": ODD_VALUES,
        "reset_status": ODD_VALUES,
        "duplicate_way": ODD_VALUES | st.sampled_from(["update", "skip", ""]),
        "dial_list_duplicates": ODD_VALUES,
        "poll_interval": ODD_VALUES | st.floats(-1, 100),
        "timeout": ODD_VALUES | st.floats(-1, 100),
    },
)


@given(CJI_ARGUMENTS)
@example({"source": "http", "poll_interval": "soon"})  # found: TypeError comparing str and int
@example({"source": "http", "empty_agent": "no"})  # found: the text "no" was sent as emptyagent=yes
@example({"source": "http", "delrow": "1"})  # found: accepted here, refused only when the task ran
def test_cji_operator_arguments_are_checked_naming_the_parameter(arguments: dict[str, Any]) -> None:
    try:
        task = JodoImportCJIFileOperator(
            task_id="import", campaign_id=1, file_url="http://h/a.csv", **arguments
        )
    except ValueError as error:
        assert any(name in str(error) for name in arguments), error
        return
    assert all(
        getattr(task.policies, flag) in (None, True, False) for flag in ("empty_agent", "reset_status")
    )
    assert task.policies.delrow is None or (
        isinstance(task.policies.delrow, int) and task.policies.delrow >= 0
    )
    assert task.poll_interval > 0 and (task.timeout_seconds is None or task.timeout_seconds > 0)
