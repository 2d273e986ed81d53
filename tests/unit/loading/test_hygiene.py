"""Lead hygiene's phone numbers: written a dozen ways in, E.164 out, by libphonenumber's rules;
impossible and invalid numbers rejected with the library's reason and never quoted in it. And
duplicates within one input: judged in input order, each naming the row that won or that it
replaced. And do-not-call lists: hostile files read, numbers normalised, bad lines named. And the
state of unchanged records: digests stable whatever the dict's order, a state written whole or
not at all, and a file cut short, of another version or garbage ignored, never misread."""

import json
import logging
import multiprocessing
import threading

import pytest

from airflow_provider_jodo.exceptions import JodoObjectStorageError
from airflow_provider_jodo.loading.hygiene import (
    DUPLICATE_IN_INPUT,
    FIRST_STAGED_ROW,
    HYGIENE_COUNTS,
    UNCHANGED,
    UNCHANGED_REASON,
    HygieneSettings,
    InputDuplicates,
    LeadHygiene,
    PhoneNormalisation,
    SentState,
    StateFileError,
    SuppressionList,
    _query_error,
    commit_staged_rows,
    duplicate_counts,
    hygiene_counts,
    on_duplicate_in_input_argument,
    phone_fields_argument,
    phone_region_argument,
    read_sent_state,
    record_digests,
    staged_rows_path,
    write_sent_state,
    write_staged_rows,
)

LOG = logging.getLogger("test_hygiene")
INDIA = PhoneNormalisation.of("IN", ["mobilenumber", " Phone1 "], with_plus=False)


@pytest.mark.parametrize(
    "written",
    ["+91 98000 00001", "098000 00001", "98000 00001", "+91-98000-00001", "0091 98000 00001"],
)
def test_one_indian_mobile_written_many_ways_becomes_one_number(written):
    record, note, rejection = INDIA.normalise({"name": "Asha", "mobilenumber": written})
    assert (record, rejection) == ({"name": "Asha", "mobilenumber": "919800000001"}, None)
    assert note == f"phone numbers normalised from mobilenumber {written!r}"


def test_a_number_already_in_the_platforms_form_leaves_the_record_as_it_was():
    record = {"mobilenumber": "919800000001", "phone1": "", "other": "098000 00001"}  # other: no phone
    assert INDIA.normalise(record) == (record, None, None)
    assert INDIA.normalise(record)[0] is record  # not copied


def test_the_plus_as_the_connection_says_and_a_foreign_number_keeps_its_country():
    with_plus = PhoneNormalisation.of("IN", ["mobilenumber"], with_plus=True)
    assert with_plus.normalise({"mobilenumber": "098000 00001"})[0] == {"mobilenumber": "+919800000001"}
    assert with_plus.normalise({"mobilenumber": "+1 (415) 555-0123"})[0] == {"mobilenumber": "+14155550123"}
    us = PhoneNormalisation.of("US", ["mobilenumber"], with_plus=False)
    assert us.normalise({"mobilenumber": "(415) 555-0123"})[0] == {"mobilenumber": "14155550123"}


def test_named_fields_match_trimmed_and_in_any_case_and_a_number_value_is_read_as_text():
    record, note, _ = INDIA.normalise({"PHONE1": 9800000002, "mobilenumber": "+919800000001"})
    assert record == {"PHONE1": "919800000002", "mobilenumber": "+919800000001"[1:]}
    assert note is not None and "PHONE1 '9800000002'" in note


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("12ab", "not a number"),
        ("123", "too short"),
        ("98000 00001 2345 6789", "too long"),
        ("+999 1234 5678", "invalid country code"),
        ("+91 10000 00000", "not a valid number (no such number range)"),
    ],
)
def test_an_impossible_or_invalid_number_rejects_the_record_with_the_librarys_reason(written, reason):
    record = {"mobilenumber": "919800000001", "phone1": written}
    kept, note, rejection = INDIA.normalise(record)
    assert kept is record and note is None
    assert rejection == f"phone1 is not a phone number of region IN: {reason}"
    assert written not in rejection  # lead data never in a reason: it reaches logs and errors


def test_empty_and_absent_numbers_are_left_to_the_other_checks():
    record = {"mobilenumber": "  ", "phone1": None}
    assert INDIA.normalise(record) == (record, None, None)


@pytest.mark.parametrize(("value", "region"), [(None, None), ("in", "IN"), (" US ", "US")])
def test_phone_region_is_off_or_a_known_region(value, region):
    assert phone_region_argument(value) == region


@pytest.mark.parametrize("value", ["India", "XX", "", 91])
def test_an_unknown_phone_region_fails_naming_the_parameter(value):
    with pytest.raises(ValueError, match=r"phone_region=.* is not a region libphonenumber knows"):
        phone_region_argument(value)


def test_phone_fields_is_a_list_of_names():
    assert phone_fields_argument(None) == ()
    assert phone_fields_argument(["alt_phone"]) == ("alt_phone",)
    for value in ("alt_phone", [""], [3]):
        with pytest.raises(ValueError, match=r"phone_fields=.* must be a list of field names"):
            phone_fields_argument(value)


def test_the_counts_exist_only_when_the_step_is_on():
    assert hygiene_counts(None) == {}
    assert hygiene_counts(INDIA) == dict.fromkeys(HYGIENE_COUNTS, 0)


def judged(policy, keys):
    duplicates = InputDuplicates(policy)
    return [duplicates.judge(index, key) for index, key in enumerate(keys)], duplicates


def test_last_sends_every_record_and_each_later_one_names_the_row_it_replaced():
    verdicts, duplicates = judged("last", ["a", "b", "a", "a", "", None])
    assert verdicts == [
        (None, None),
        (None, None),
        (None, "duplicate in input: replaces records[0] (on_duplicate_in_input='last')"),
        (None, "duplicate in input: replaces records[2] (on_duplicate_in_input='last')"),
        (None, None),  # no key: not judged
        (None, None),
    ]
    assert duplicate_counts(duplicates) == {DUPLICATE_IN_INPUT: 2}


def test_first_skips_and_reject_rejects_the_later_records_naming_the_row_that_won():
    verdicts, duplicates = judged("first", ["a", "a", "a"])
    assert (
        verdicts[1:]
        == [("skipped", "duplicate in input: records[0] won (on_duplicate_in_input='first')")] * 2
    )
    assert duplicates.count == 2
    verdicts, _ = judged("reject", ["a", "b", "b"])
    assert verdicts[2] == ("rejected", "duplicate in input of records[1] (on_duplicate_in_input='reject')")


def test_the_duplicate_count_is_in_a_summary_when_asked_for_or_found():
    assert duplicate_counts(judged("last", ["a", "b"])[1]) == {}  # the default, nothing found: old keys
    assert duplicate_counts(judged("first", ["a", "b"])[1]) == {DUPLICATE_IN_INPUT: 0}


@pytest.mark.parametrize("value", ["latest", None, "LAST"])
def test_an_unknown_duplicate_policy_fails_naming_the_parameter(value):
    with pytest.raises(ValueError, match=r"on_duplicate_in_input=.* is not one of 'last', 'first', 'reject'"):
        on_duplicate_in_input_argument(value)


def dnc_list(tmp_path, text, name="dnc.txt", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def test_a_list_with_a_bom_blank_lines_and_numbers_in_many_forms(tmp_path):
    path = dnc_list(
        tmp_path,
        "+919800000001\n\n   \n098123 45678\r\n+91 98765 43210  \n+1 (415) 555-0123\n919800000001\n",
        encoding="utf-8-sig",
    )
    suppression = SuppressionList.read(path, None, "IN")
    assert len(suppression) == 5
    assert all(number in suppression for number in (919800000001, 919812345678, 919876543210, 14155550123))
    assert 919800000002 not in suppression and "919800000001" not in suppression


def test_a_csv_list_is_read_from_its_named_column(tmp_path):
    path = dnc_list(
        tmp_path, "\ufeffname,msisdn\nAsha,+91 98000 00001\nNo number,\nRavi,098123 45678\n", "dnc.csv"
    )
    suppression = SuppressionList.read(path, "msisdn", "IN")
    assert len(suppression) == 2 and 919812345678 in suppression
    with pytest.raises(
        ValueError,
        match=r"suppression_column='phone' is not a column of suppression_path "
        r"\(its columns: 'name', 'msisdn'\)",
    ):
        SuppressionList.read(path, "phone", "IN")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [("+919800000001\n\n12ab\n", 3, "not a number"), ("+919800000001\n123\n", 2, "too short")],
)
def test_a_bad_line_fails_naming_its_number_never_its_text(tmp_path, text, line, reason):
    with pytest.raises(ValueError) as failure:
        SuppressionList.read(dnc_list(tmp_path, text), None, "IN")
    assert str(failure.value).startswith(
        f"suppression_path line {line}: not a phone number of region IN: {reason};"
    )
    assert "12ab" not in str(failure.value)


def test_a_bad_csv_line_is_named_by_its_line_in_the_file(tmp_path):
    path = dnc_list(tmp_path, 'name,msisdn\n"Two\nlines",+919800000001\nX,12ab\n', "dnc.csv")
    with pytest.raises(ValueError, match=r"^suppression_path line 4: "):
        SuppressionList.read(path, "msisdn", "IN")


def test_a_record_is_suppressed_by_any_of_its_normalised_phone_fields(tmp_path):
    suppression = SuppressionList.read(dnc_list(tmp_path, "+919812345678\n"), None, "IN")
    fields = INDIA.fields
    assert suppression.suppresses({"mobilenumber": "919800000001", "Phone1": "+919812345678"}, fields)
    assert not suppression.suppresses({"mobilenumber": "919800000001", "other": "919812345678"}, fields)


def settings(**arguments):
    defaults = {
        "phone_region": None,
        "phone_fields": None,
        "on_duplicate_in_input": "last",
        "suppression_path": None,
        "suppression_column": None,
        "skip_unchanged": False,
        "state_path": None,
        "suppression_sql": None,
        "suppression_conn_id": None,
    }
    return HygieneSettings.from_arguments(**{**defaults, **arguments})


def test_a_list_needs_phone_region_and_a_column_needs_a_list():
    checked = settings(phone_region="in", suppression_path="dnc.txt", suppression_column="msisdn")
    assert (checked.phone_region, checked.suppression_column) == ("IN", "msisdn")
    with pytest.raises(ValueError, match="suppression_path needs phone_region"):
        settings(suppression_path="dnc.txt")
    with pytest.raises(ValueError, match="suppression_column needs suppression_path"):
        settings(phone_region="IN", suppression_column="msisdn")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"suppression_path": "dnc.txt", "suppression_sql": "SELECT 1", "suppression_conn_id": "db"},
            "give one of suppression_path and suppression_sql, not both",
        ),
        ({"suppression_sql": "SELECT 1"}, "suppression_sql and suppression_conn_id go together"),
        ({"suppression_conn_id": "db"}, "suppression_sql and suppression_conn_id go together"),
        (
            {"suppression_sql": "SELECT 1", "suppression_conn_id": "db", "phone_region": None},
            "suppression_sql needs phone_region",
        ),
        (
            {"suppression_sql": "SELECT 1", "suppression_conn_id": "db", "suppression_column": "msisdn"},
            r"suppression_column needs suppression_path \(a suppression_sql list is its first column\)",
        ),
    ],
)
def test_a_list_in_a_database_takes_its_query_and_connection_and_no_file(arguments, message):
    with pytest.raises(ValueError, match=message):
        settings(**{"phone_region": "IN", **arguments})


def test_with_every_option_off_the_step_reads_nothing_and_counts_nothing():
    def phone_plus():
        raise AssertionError("the connection is read only when numbers are rewritten")

    hygiene = settings().lead_hygiene(
        ("mobilenumber",),
        phone_plus,
        suppression_path=None,
        suppression_sql=None,
        storage_conn_id=None,
        state_path=None,
        log=LOG,
    )
    assert hygiene.clean(0, {"mobilenumber": "098000 00001"}, lambda _: None, lambda _: None) == (
        {"mobilenumber": "098000 00001"},
        None,
        None,
    )
    assert (hygiene.summary_counts(), hygiene.suppressed) == ({}, 0)


def test_the_operators_phone_fields_and_the_users_are_normalised_and_another_pass_starts_afresh(tmp_path):
    step = settings(phone_region="IN", phone_fields=["alt"], on_duplicate_in_input="first")
    dnc = dnc_list(tmp_path, "+919812345678\n")
    hygiene = step.lead_hygiene(
        ("phone1",),
        lambda: True,
        suppression_path=dnc,
        suppression_sql=None,
        storage_conn_id=None,
        state_path=None,
        log=LOG,
    )
    assert hygiene.normalisation is not None and hygiene.normalisation.fields == {"phone1", "alt"}

    def key(record):
        return record["phone1"]

    cleaned = [hygiene.clean(i, {"phone1": "098000 00001"}, lambda _: None, key) for i in range(2)]
    assert [outcome for _, outcome, _ in cleaned] == [None, "skipped"]
    assert hygiene.clean(2, {"phone1": "1", "alt": "98123 45678"}, lambda _: None, key)[1] == "rejected"
    assert (
        hygiene.clean(3, {"phone1": "98000 00002", "alt": "98123 45678"}, lambda _: None, key)[1] == "skipped"
    )
    assert hygiene.summary_counts() == {
        "phone_normalised": 1,
        "phone_invalid": 1,
        "suppressed": 1,
        "duplicate_in_input": 1,
    }
    again = hygiene.anew()
    assert again.suppression is hygiene.suppression and again.summary_counts()["suppressed"] == 0
    assert again.clean(0, {"phone1": "098000 00001"}, lambda _: None, key)[1] is None


def lead_digests(number, name="Asha"):
    return record_digests(number, {"mobilenumber": number, "name": name})


def state_of(*digests):
    state = SentState()
    for entry in digests:
        state.accept(entry)
    return SentState.decode(state.encode())


def test_a_records_digest_is_its_content_as_sent_in_any_field_order():
    assert record_digests("1", {"a": "x", "b": 7}) == record_digests("1", {"b": "7", "a": "x"})
    assert len(record_digests("1", {"a": "x"})) == 32
    different = [
        record_digests("1", {"a": "x", "b": "7"}),
        record_digests("2", {"a": "x", "b": "7"}),  # the key
        record_digests("1", {"a": "x7", "b": ""}),  # the same text, elsewhere
        record_digests("1", {"a": "x", "b": None}),
        record_digests("1", {"a": "x", "b": ""}),
        record_digests("1", {"a": "x"}),
        record_digests("1", {"a": "x", "B": "7"}),
    ]
    assert len(set(different)) == len(different)


def test_a_state_remembers_what_was_accepted_and_keeps_the_keys_a_run_did_not_send():
    first = state_of(lead_digests("919800000001"), lead_digests("919800000002"))
    assert len(first) == 2 and first.unchanged(lead_digests("919800000001"))
    assert not first.unchanged(lead_digests("919800000001", "Asha Rao"))  # changed
    assert not first.unchanged(lead_digests("919800000003"))  # new
    first.accept(lead_digests("919800000001", "Asha Rao"))
    first.accept(lead_digests("919800000003"))
    second = SentState.decode(first.encode())
    assert len(second) == 3 and first.accepted == 2
    assert second.unchanged(lead_digests("919800000001", "Asha Rao"))
    assert second.unchanged(lead_digests("919800000002"))  # absent from the run: kept
    assert second.unchanged(lead_digests("919800000003"))


def test_the_last_accepted_record_of_a_key_wins_and_many_keys_are_found():
    entries = [lead_digests(str(919800000000 + n)) for n in range(5000)]
    state = state_of(*entries)
    assert all(state.unchanged(entry) for entry in entries)
    state.accept(lead_digests("919800000007", "first"))
    state.accept(lead_digests("919800000007", "second"))
    again = SentState.decode(state.encode())
    assert len(again) == 5000 and again.unchanged(lead_digests("919800000007", "second"))


def test_a_forced_run_judges_nothing_unchanged_but_still_remembers():
    digests = lead_digests("919800000001")
    forced = SentState.decode(state_of(digests).encode(), skip_unchanged=False)
    assert not forced.unchanged(digests)


def cut(data):
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (cut, "cut short or written in part"),
        (lambda data: data[:-1], "cut short or written in part"),
        (lambda data: data[:40], "cut short"),
        (
            lambda data: data.replace(b"format 1\n", b"format 2\n"),
            "it is of format '2'; this provider reads format 1",
        ),
        (lambda data: b"\xef\xbb\xbf" + data, "not a jodo lead-hygiene state file"),
        (lambda data: b"mobilenumber,name\n919800000001,Asha\n", "not a jodo lead-hygiene state file"),
        (lambda data: b"", "not a jodo lead-hygiene state file"),
        (lambda data: data[:60] + bytes([data[60] ^ 1]) + data[61:], "its digest does not match"),
    ],
    ids=[
        "cut-in-half",
        "last-byte-missing",
        "header-only",
        "version-2",
        "bom",
        "a-csv",
        "empty",
        "a-bit-flipped",
    ],
)
def test_a_damaged_or_foreign_state_file_is_refused(damage, problem):
    data = state_of(lead_digests("919800000001"), lead_digests("919800000002")).encode()
    with pytest.raises(StateFileError, match=problem):
        SentState.decode(damage(data))


def test_a_refused_state_file_is_ignored_with_a_warning_and_everything_is_sent(tmp_path, caplog):
    path = tmp_path / "state.bin"
    path.write_bytes(cut(state_of(lead_digests("919800000001")).encode()))
    state = read_sent_state(str(path), True, None, LOG)
    assert state is not None and len(state) == 0 and not state.unchanged(lead_digests("919800000001"))
    assert f"Ignoring state_path='{path}': it is cut short" in caplog.text
    assert read_sent_state(str(tmp_path / "none-yet.bin"), True, None, LOG).unchanged(b"\1" * 32) is False
    assert read_sent_state(None, False, None, LOG) is None


def test_a_state_is_read_back_as_written(tmp_path):
    path = str(tmp_path / "deep" / "state.bin")  # folders are created
    write_sent_state(path, state_of(lead_digests("919800000001")), None, LOG)
    state = read_sent_state(path, True, None, LOG)
    assert len(state) == 1 and state.unchanged(lead_digests("919800000001"))
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["state.bin"]  # no temp file left


def test_a_write_that_fails_leaves_the_old_state_whole_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "state.bin"
    old = state_of(lead_digests("919800000001")).encode()
    path.write_bytes(old)

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(JodoObjectStorageError, match=r"state_path=.* cannot be written: OSError"):
        write_sent_state(str(path), state_of(lead_digests("919800000002")), None, LOG)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def write_state_of(path, first, count):
    """Write the state of `count` leads from number `first` to `path`, a few times (a process's target)."""
    state = state_of(*(lead_digests(str(first + n)) for n in range(count)))
    for _ in range(5):
        write_sent_state(path, state, None, LOG)


def test_two_runs_writing_at_once_leave_one_runs_complete_state(tmp_path):
    path = str(tmp_path / "state.bin")
    runs = {919800000000: 20_000, 919900000000: 30_000}
    context = multiprocessing.get_context("fork")  # no re-import: the writers start at once
    writers = [context.Process(target=write_state_of, args=(path, first, n)) for first, n in runs.items()]
    readers_saw = []

    def read_while_they_write():
        while any(writer.is_alive() for writer in writers):
            data = (tmp_path / "state.bin").read_bytes() if (tmp_path / "state.bin").exists() else None
            readers_saw.append(data is None or len(SentState.decode(data)) in runs.values())

    for writer in writers:
        writer.start()
    reader = threading.Thread(target=read_while_they_write)
    reader.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    reader.join()
    final = SentState.decode((tmp_path / "state.bin").read_bytes())
    first = next(first for first, count in runs.items() if count == len(final))
    assert all(final.unchanged(lead_digests(str(first + n))) for n in range(0, runs[first], 997))
    assert all(readers_saw)  # every read in between found a whole state
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_skip_unchanged_needs_a_state_path():
    assert settings(skip_unchanged=True, state_path="s3://bucket/state.bin").skip_unchanged is True
    assert settings(state_path="state.bin").skip_unchanged is False  # a whole run that refreshes it
    with pytest.raises(ValueError, match="skip_unchanged=True needs state_path"):
        settings(skip_unchanged=True)
    with pytest.raises(ValueError, match="skip_unchanged='yes' must be True or False"):
        settings(skip_unchanged="yes", state_path="state.bin")


def test_the_state_is_read_with_the_step_and_another_pass_has_none(tmp_path):
    state_path = str(tmp_path / "state.bin")
    write_sent_state(state_path, state_of(lead_digests("919800000001")), None, LOG)
    step = settings(skip_unchanged=True, state_path=state_path)
    hygiene = step.lead_hygiene(
        ("mobilenumber",),
        lambda: False,
        suppression_path=None,
        suppression_sql=None,
        storage_conn_id=None,
        state_path=state_path,
        log=LOG,
    )
    assert clean_all(hygiene, ["919800000001"]) == [("skipped", UNCHANGED_REASON)]
    assert (hygiene.unchanged, hygiene.summary_counts()) == (1, {UNCHANGED: 1})
    assert hygiene.anew().sent is None  # the on_invalid="fail" check pass judges no state


def clean_all(hygiene, numbers):
    """Clean records of the given numbers, as an operator does; return each one's (outcome, text)."""
    verdicts = []
    for index, number in enumerate(numbers):
        record = {"mobilenumber": number, "name": "Asha"}
        _, outcome, text = hygiene.clean(
            index, record, lambda record: None, lambda record: record["mobilenumber"]
        )
        verdicts.append((outcome, text))
    return verdicts


def test_unchanged_records_are_skipped_and_only_accepted_ones_are_remembered():
    state = state_of(lead_digests("919800000001"))
    hygiene = LeadHygiene(None, None, InputDuplicates("last"), state)
    verdicts = clean_all(hygiene, ["919800000001", "919800000002", "919800000003", ""])
    assert verdicts == [("skipped", UNCHANGED_REASON), (None, None), (None, None), (None, None)]
    assert hygiene.summary_counts() == {UNCHANGED: 1}
    for accepted in (True, False, True):  # 2 accepted, 3 rejected by the platform, the keyless one
        hygiene.landed(accepted)
    after = SentState.decode(state.encode())
    assert len(after) == 2 and after.unchanged(lead_digests("919800000002"))
    assert not after.unchanged(lead_digests("919800000003"))  # rejected: sent again next time


def test_the_record_is_judged_as_normalised_so_a_new_phone_form_sends_it_again():
    digits = PhoneNormalisation.of("IN", ["mobilenumber"], with_plus=False)
    plus = PhoneNormalisation.of("IN", ["mobilenumber"], with_plus=True)
    state = SentState()
    first = LeadHygiene(digits, None, InputDuplicates("last"), state)
    key = lambda record: record["mobilenumber"]  # noqa: E731
    first.clean(0, {"mobilenumber": "098000 00001"}, lambda record: None, key)
    first.landed(True)
    state = SentState.decode(state.encode())
    again = LeadHygiene(digits, None, InputDuplicates("last"), state)
    assert again.clean(0, {"mobilenumber": "+91 98000 00001"}, lambda record: None, key)[1] == "skipped"
    with_plus = LeadHygiene(plus, None, InputDuplicates("last"), state)
    assert with_plus.clean(0, {"mobilenumber": "098000 00001"}, lambda record: None, key)[1] is None


def test_without_a_state_nothing_is_judged_and_the_counts_keep_their_keys():
    hygiene = LeadHygiene(None, None, InputDuplicates("last"))
    assert clean_all(hygiene, ["919800000001"]) == [(None, None)]
    hygiene.landed(True)  # nothing to remember
    assert hygiene.summary_counts() == {}


def staged(tmp_path, numbers):
    """Clean records of `numbers` as the stage operator does and keep their digests beside the state."""
    state_path = str(tmp_path / "campaign.state")
    hygiene = LeadHygiene(None, None, InputDuplicates("last"), read_sent_state(state_path, True, None, LOG))
    clean_all(hygiene, numbers)
    staged_path = staged_rows_path(state_path, "in/leads 1.csv")
    write_staged_rows(staged_path, hygiene.staged_digests(), None)
    return state_path, staged_path


def test_staged_rows_enter_the_state_once_their_job_succeeded_but_its_failed_rows(tmp_path):
    state_path, staged_path = staged(tmp_path, ["919800000001", "", "919800000003"])
    assert staged_path == f"{state_path}.staged-in_leads_1.csv"
    assert read_sent_state(state_path, True, None, LOG).unchanged(lead_digests("919800000001")) is False
    failed_row = FIRST_STAGED_ROW + 2  # the third staged row
    commit_staged_rows(state_path, staged_path, [failed_row], None, LOG)
    state = read_sent_state(state_path, True, None, LOG)
    assert len(state) == 1 and state.unchanged(lead_digests("919800000001"))
    assert [p.name for p in tmp_path.iterdir()] == ["campaign.state"]  # the staged rows' file is gone


@pytest.mark.parametrize("damage", ["unknown-failures", "missing", "cut"])
def test_staged_rows_of_unknown_fate_leave_the_state_as_it_was(tmp_path, caplog, damage):
    (tmp_path / "campaign.state").write_bytes(state_of(lead_digests("919800000009")).encode())
    before = (tmp_path / "campaign.state").read_bytes()
    state_path, staged_path = staged(tmp_path, ["919800000001"])
    if damage == "missing":
        (tmp_path / "campaign.state.staged-in_leads_1.csv").unlink()
    if damage == "cut":
        path = tmp_path / "campaign.state.staged-in_leads_1.csv"
        path.write_bytes(cut(path.read_bytes()))
    commit_staged_rows(state_path, staged_path, None if damage == "unknown-failures" else [], None, LOG)
    assert (tmp_path / "campaign.state").read_bytes() == before
    assert "state_path is left as it was" in caplog.text


def test_a_drivers_reason_that_quotes_the_connections_password_loses_it(monkeypatch):
    connection = {"conn_type": "postgres", "host": "db", "login": "dnc", "password": "dnc-secret-7"}
    monkeypatch.setenv("AIRFLOW_CONN_DNC", json.dumps(connection))
    error = _query_error("dnc", 20_000, RuntimeError("cannot reach postgresql://dnc:dnc-secret-7@db/lists"))
    assert str(error) == (
        "suppression_sql failed on suppression_conn_id='dnc' after 20000 rows: RuntimeError: "
        "cannot reach postgresql://dnc:***@db/lists; nothing was sent"
    )
