"""Lead files: the check pass fails a file that cannot be read whole, naming the file, the
physical line and the cause (never a cell's value); the reading pass yields a record per row
or line and an `UnreadableRecord`, naming its line, for a row or line that is no record."""

import pytest

from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.exceptions import JodoLeadFileError
from airflow_provider_jodo.loading.lead_files import (
    MAX_CELL_CHARACTERS,
    UnreadableRecord,
    check_lead_file,
    lead_file_records,
)

HEADER = b"name,mobilenumber,emailid\n"


def lead_lines(count: int, first: int = 1) -> list[bytes]:
    return [b"Lead %d,91%010d,lead%d@example.com\n" % (n, n, n) for n in range(first, first + count)]


def write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def read(path: str) -> tuple[int, list]:
    """The check's count and the records read, which must agree."""
    count = check_lead_file(path)
    records = list(lead_file_records(path))
    assert len(records) == count
    return count, records


def check_error(path: str) -> str:
    with pytest.raises(JodoLeadFileError) as error:
        check_lead_file(path)
    return str(error.value)


def test_a_row_with_more_cells_than_the_header_is_a_record_rejected_with_its_line(tmp_path):
    path = write(
        tmp_path,
        "leads.csv",
        HEADER
        + b'Ana,919999000001,"a@x.com"\n'
        + b'\n"Bia\nBarros",919999000002,b@x.com\n'  # a blank line, then a record on two lines
        + b"Cy,919999000003,c@x.com,EXTRA-CELL\n"
        + b"Di,919999000004\n",
    )
    count, records = read(path)
    assert count == 4
    assert records == [
        {"name": "Ana", "mobilenumber": "919999000001", "emailid": "a@x.com"},
        {"name": "Bia\nBarros", "mobilenumber": "919999000002", "emailid": "b@x.com"},
        UnreadableRecord("line 6 has 4 cells, the header 3"),
        {"name": "Di", "mobilenumber": "919999000004"},  # fewer cells: the missing ones are absent
    ]


def test_header_names_are_stripped_and_empty_cells_are_absent(tmp_path):
    path = write(tmp_path, "leads.csv", b"\xef\xbb\xbf name , mobilenumber\r\nAna,\r\n,919999000001\r\n")
    assert read(path) == (2, [{"name": "Ana"}, {"mobilenumber": "919999000001"}])


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            b"name,mobilenumber,name\n",
            "leads.csv line 1: column 'name' appears twice in the header (columns 1 and 3)",
        ),
        (
            b"name, emailid,emailid \n",
            "leads.csv line 1: column 'emailid' appears twice in the header (columns 2 and 3)",
        ),
        (b"name,,emailid\n", "leads.csv line 1: column 2 of the header has no name"),
        (b"\nname,mobilenumber, \n", "leads.csv line 2: column 3 of the header has no name"),
    ],
)
def test_an_empty_or_repeated_header_name_fails_the_file(tmp_path, header, message):
    path = write(tmp_path, "leads.csv", header + b"Ana,919999000001,a@x.com\n")
    assert check_error(path) == f"{message}; nothing was sent"


def test_leading_byte_order_marks_are_dropped_from_the_header(tmp_path):
    """Was: a second mark (a file saved twice with one) stayed in the name: every record lacked `name`."""
    path = write(tmp_path, "leads.csv", b"\xef\xbb\xbf\xef\xbb\xbf name,mobilenumber\nAna,919999000001\n")
    assert read(path) == (1, [{"name": "Ana", "mobilenumber": "919999000001"}])


@pytest.mark.parametrize(
    ("header", "column", "shown", "character"),
    [
        (
            b"name,\xef\xbb\xbfmobilenumber\n",
            2,
            r"'\ufeffmobilenumber'",
            "U+FEFF (ZERO WIDTH NO-BREAK SPACE)",
        ),
        (b"na\x00me,mobilenumber\n", 1, r"'na\x00me'", "U+0000 (a control character)"),
        (b"name,mobile\xe2\x80\x8bnumber\n", 2, r"'mobile\u200bnumber'", "U+200B (ZERO WIDTH SPACE)"),
        (b"name,mobile\x7fnumber\n", 2, r"'mobile\x7fnumber'", "U+007F (a control character)"),
    ],
)
def test_a_character_no_one_sees_in_a_header_name_fails_the_file_naming_it(
    tmp_path, header, column, shown, character
):
    """Was: the name kept it, and every record was rejected as missing that column, with no word of why."""
    path = write(tmp_path, "leads.csv", header + b"Ana,919999000001\n")
    assert check_error(path) == (
        f"leads.csv line 1: column {column} of the header, {shown}, holds {character}, which no one sees "
        "but is part of the name: remove it from the header; nothing was sent"
    )


def test_a_byte_that_is_not_utf8_is_named_with_its_physical_line(tmp_path):
    lines = [HEADER, *lead_lines(1999)]
    lines[1501] = b"Jos\xe9 Lima,919999001501,jose@example.com\n"  # Latin-1, on line 1502
    path = write(tmp_path, "leads.csv", b"".join(lines))
    message = check_error(path)
    assert message == (
        "leads.csv is not UTF-8: byte 0xe9 at line 1502 (export the file as UTF-8); nothing was sent"
    )
    assert "Jos" not in message and "919999001501" not in message  # no lead data


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"name,mobilenumber\r\nAna,919999000001\r\nJos\xe9,919999000002\r\n", 3),
        (b"name,mobilenumber\rAna,919999000001\rJos\xe9,919999000002\r", 3),
        (b'name,mobilenumber\n"Ana\nLima",919999000001\nJos\xe9,919999000002\n', 4),
    ],
    ids=["crlf", "lone-cr", "quoted-line-break"],
)
def test_lines_are_counted_as_an_editor_counts_them(tmp_path, content, line):
    assert f"byte 0xe9 at line {line} " in check_error(write(tmp_path, "leads.csv", content))


def test_a_cell_up_to_the_limit_is_read_and_a_longer_one_fails_naming_its_line(tmp_path):
    assert MAX_CELL_CHARACTERS >= 1_000_000
    longest = b"x" * MAX_CELL_CHARACTERS
    path = write(tmp_path, "leads.csv", b"name,note\nAna,short\nBia," + longest + b"\n")
    assert read(path)[1][1] == {"name": "Bia", "note": longest.decode()}
    path = write(tmp_path, "leads.csv", b"name,note\nAna,short\nBia," + longest + b"x\n")
    assert check_error(path) == (
        f"leads.csv line 3: a cell exceeds the limit of {MAX_CELL_CHARACTERS:,} characters "
        "(or a quote opened there is never closed); nothing was sent"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'Ana,"919999000001,a@x.com\nBia,919999000002,b@x.com\n',
            "line 2: a quote opened there is never closed",
        ),
        (b'Ana,"9199"99,a@x.com\n', "line 2 is not valid CSV: ',' expected after '\"'"),
    ],
    ids=["runaway-quote", "text-after-closing-quote"],
)
def test_broken_csv_fails_the_file_rather_than_swallowing_lines(tmp_path, content, message):
    path = write(tmp_path, "leads.csv", HEADER + content)
    assert check_error(path) == f"leads.csv {message}; nothing was sent"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "leads.csv holds no records (the file is empty)"),
        (b"\n\r\n", "leads.csv holds no records (the file is empty)"),
        (HEADER, "leads.csv holds no records, only a header (line 1)"),
        (HEADER + b"\n\n", "leads.csv holds no records, only a header (line 1)"),
    ],
    ids=["empty", "blank-lines", "header-only", "header-and-blank-lines"],
)
def test_a_csv_file_without_records_fails(tmp_path, content, message):
    assert check_error(write(tmp_path, "leads.csv", content)) == f"{message}; nothing was sent"


def test_json_lines_name_the_line_that_is_not_json_or_not_an_object(tmp_path):
    path = write(tmp_path, "leads.jsonl", b'{"name": "Ana"}\r\n\n[1, 2]\n"Bia"\n{"name": "Cy"}\n')
    assert read(path) == (
        4,
        [
            {"name": "Ana"},
            UnreadableRecord("line 3 is not a JSON object"),
            UnreadableRecord("line 4 is not a JSON object"),
            {"name": "Cy"},
        ],
    )
    path = write(tmp_path, "leads.ndjson", b'{"name": "Ana"}\n\n{"name": "Bia", }\n')
    assert check_error(path) == (
        "leads.ndjson line 3 is not JSON (Expecting property name enclosed in double quotes); "
        "nothing was sent"
    )
    path = write(tmp_path, "leads.jsonl", b'{"name": "Ana"}\n{"score": ' + b"9" * 5000 + b"}\n")
    assert check_error(path).startswith("leads.jsonl line 2 is not JSON (Exceeds the limit (4300 digits)")
    path = write(tmp_path, "leads.jsonl", b'{"name": "Ana"}\n{"name": "Jos\xe9"}\n')
    assert check_error(path).startswith("leads.jsonl is not UTF-8: byte 0xe9 at line 2 ")
    assert check_error(write(tmp_path, "leads.json", b"\n \n")) == (
        "leads.json holds no records (the file is empty); nothing was sent"
    )


def test_a_file_error_fails_the_task_without_retry_but_a_missing_file_may_still_come(tmp_path):
    with pytest.raises(AirflowFailException, match="no records"):  # a retry reads the same file
        check_lead_file(write(tmp_path, "leads.csv", b""))
    with pytest.raises(ValueError, match=r"source_path='.*missing.csv' is not a file") as missing:
        check_lead_file(str(tmp_path / "missing.csv"))
    assert not isinstance(missing.value, AirflowFailException)  # the export may be on its way
