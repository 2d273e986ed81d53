"""Locations of inputs and reports (`loading.storage`) and the default report's name under
`[jodo] report_base` (`loading.import_report`), without a store: local paths, `file://` URIs,
redaction, names."""

import re

import pytest

from airflow_provider_jodo.exceptions import JodoObjectStorageError
from airflow_provider_jodo.loading.storage import (
    file_name_part,
    is_uri,
    local_source,
    local_target,
    printable_uri,
)


def test_a_local_path_and_a_file_uri_are_used_in_place(tmp_path):
    source = tmp_path / "leads file.csv"
    source.write_text("name\nAna\n")
    with local_source(str(source), None, "source_path") as path:
        assert path == str(source)
    with local_source(source.as_uri(), None, "source_path") as path:
        assert path == str(source)  # percent-decoded
    with local_source(None, None, "source_path") as path:
        assert path is None
    with local_target(str(tmp_path / "report.jsonl"), None, "report_path") as report:
        report.write_text("{}\n")
    assert (tmp_path / "report.jsonl").read_text() == "{}\n"


def test_a_local_target_gets_its_folders_or_an_error_naming_the_parameter(tmp_path):
    target = tmp_path / "base" / "dag" / "run" / "push-try1.jsonl"
    with local_target(target.as_uri(), None, "report_path") as report:
        report.write_text("{}\n")
    assert target.read_text() == "{}\n"
    (tmp_path / "a-file").write_text("")
    blocked = str(tmp_path / "a-file" / "run" / "push.jsonl")
    with (
        pytest.raises(
            JodoObjectStorageError, match=rf"^report_path={re.escape(repr(blocked))} cannot be written: "
        ),
        local_target(blocked, None, "report_path"),
    ):
        pass


def test_only_scheme_slashes_make_a_uri():
    assert is_uri("s3://bucket/leads.csv") and is_uri("abfs://c@account/x") and is_uri("file:///tmp/x")
    assert not is_uri("/data/leads.csv") and not is_uri("leads:2026.csv") and not is_uri("./s3/x")


def test_a_password_in_a_uri_is_never_printed():
    uri = "https://exporter:hunter2-pw@files.example.com/leads.csv"
    assert printable_uri(uri) == "https://exporter:***@files.example.com/leads.csv"
    assert printable_uri(uri, "The conn_id `exporter:hunter2-pw` isn't defined") == (
        "The conn_id `exporter:***` isn't defined"
    )
    assert printable_uri("s3://aws_reports@bucket/x.csv") == "s3://aws_reports@bucket/x.csv"  # a conn id


def test_an_unreadable_uri_fails_naming_the_parameter_without_its_password():
    uri = "https://exporter:hunter2-pw@files.example.com/leads.csv"
    with pytest.raises(JodoObjectStorageError) as raised, local_source(uri, None, "source_path"):
        pass
    assert str(raised.value).startswith(
        "source_path='https://exporter:***@files.example.com/leads.csv' cannot"
    )
    assert "hunter2-pw" not in f"{raised.value}{raised.value!r}{raised.value.__context__}"


def test_file_name_part_keeps_only_what_every_store_takes():
    assert file_name_part("manual__2026-11-30T13:10:06.123+00:00") == "manual__2026-11-30T13_10_06.123_00_00"
    assert file_name_part("a b/c") == "a_b_c"
