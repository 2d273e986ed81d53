import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_jodo.protocol.wire.relaxed_json import (
    MalformedBodyError,
    parse_body,
    split_php_notices,
)

CALLBACK = "airflowJodo"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"status": "001", "statusdesc": "success"}', {"status": "001", "statusdesc": "success"}),
        ("airflowJodo({code:1,message:'12'})", {"code": 1, "message": "12"}),
        ('airflowJodo({code:2,message:"BackMsg_07"});', {"code": 2, "message": "BackMsg_07"}),
        (
            "airflowJodo({code:1,message:{jobid:'5',state:\"running\",errors:[{row:3,code:'BackMsg_76'},],}})",
            {
                "code": 1,
                "message": {"jobid": "5", "state": "running", "errors": [{"row": 3, "code": "BackMsg_76"}]},
            },
        ),
        ("{code: 1, message: 'it\\'s \\u00e9t\\u00e9'}", {"code": 1, "message": "it's été"}),
        (
            "{code:1, message:'\\ud83d\\ude00', ok:true, none:null, n:-1.5e2}",
            {"code": 1, "message": "😀", "ok": True, "none": None, "n": -150.0},
        ),
        ("|Retuen|1|Retuen|BackMsg_83", {"code": 1, "message": "BackMsg_83"}),
        ("|Retuen|2|Retuen|wrong password\n", {"code": 2, "message": "wrong password"}),
    ],
)
def test_parses_every_vendor_shape(body, expected):
    assert parse_body(body, CALLBACK) == expected


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>502 Bad Gateway</body></html>",
        "airflowJodo({code:1,message:'12'",  # truncated
        "{code:1 message:'x'}",
        "",
        "airflowJodo({code:1})extra",
        "{'unterminated: 1}",
    ],
)
def test_rejects_anything_else_with_a_position(body):
    with pytest.raises(MalformedBodyError, match="at character"):
        parse_body(body, CALLBACK)


def test_a_lone_surrogate_escape_is_kept_as_json_does():
    assert parse_body("airflowJodo({code:1,message:'bad \\ud800 x'})", CALLBACK) == parse_body(
        '{"code":1,"message":"bad \\ud800 x"}'
    )


@pytest.mark.parametrize("callback", ["airflowJodo", "jQuery1113_0123", "ns.callback"])
def test_an_answer_wrapped_in_the_callback_sent_is_read(callback):
    assert parse_body(f"{callback} ( {{code:1}} ) ;", callback) == {"code": 1}


@pytest.mark.parametrize(
    ("body", "callback"), [("evil({code:1})", CALLBACK), ("airflowJodo({code:1})", None)]
)
def test_an_answer_wrapped_in_another_callback_is_refused(body, callback):
    with pytest.raises(MalformedBodyError, match=r"JSONP callback '(evil|airflowJodo)'"):
        parse_body(body, callback)


@pytest.mark.parametrize(
    "body",
    [
        "|Retuen|" + "9" * 5000 + "|Retuen|x",  # int() of 4,300+ digits raises ValueError
        "|Retuen|--5|Retuen|x",
        "|Retuen|\u00b2|Retuen|x".encode().decode("unicode_escape"),  # '²'.isdigit() is True
    ],
)
def test_a_retuen_code_that_is_no_number_stays_text(body):
    assert isinstance(parse_body(body)["code"], str)


@pytest.mark.parametrize(
    "body",
    [
        "[" + "9" * 5000 + "]",
        "airflowJodo({n:" + "9" * 5000 + "})",
        "{n:\u0661}".encode().decode("unicode_escape"),
    ],
)
def test_numbers_python_cannot_convert_are_malformed_bodies(body):
    with pytest.raises(MalformedBodyError):
        parse_body(body, CALLBACK)


HTML_NOTICE = "<br />\n<b>Notice</b>:  Undefined index: x in <b>/var/www/x.php</b> on line <b>12</b><br />\n"
PLAIN_NOTICES = [
    "<br />\n<b>Warning</b>:  Undefined index: x in /var/www/x.php on line 12<br />\n",
    "PHP Deprecated:  Function each() is deprecated in /var/www/x.php on line 3\n",
    "\nStrict Standards: Only variables should be passed by reference in /var/www/x.php on line 7\n",
]


@pytest.mark.parametrize("notices", [HTML_NOTICE, *PLAIN_NOTICES, HTML_NOTICE + "".join(PLAIN_NOTICES)])
def test_php_notices_before_the_answer_are_split_off(notices):
    body = f"{notices}airflowJodo({{code:1,message:'4711'}})"
    stripped, answer = split_php_notices(body)
    assert stripped == notices
    assert parse_body(answer, CALLBACK) == {"code": 1, "message": "4711"}


@pytest.mark.parametrize(
    "prefix", ["Hello ", "<b>Notice</b>: no line number<br />\n", "Notice: x in y on line 1 airflowJodo("]
)
def test_other_text_before_the_answer_stays_in_it(prefix):
    stripped, answer = split_php_notices(prefix + "airflowJodo({code:1})")
    assert stripped == ""
    with pytest.raises(MalformedBodyError):
        parse_body(answer, CALLBACK)


SMALL, LARGE = 4 * 1024, 4 * 1024 * 1024
ANSWER_SHAPES = {
    "padded": lambda n: "airflowJodo({code:1,message:'4711'})" + " " * n + "x",
    "padded retuen": lambda n: "|Retuen|1|Retuen|x" + " " * n + "y",
    "padded notices": lambda n: "Notice: x in y on line 1\n" + " " * n + "x",
    "nested": lambda n: "airflowJodo(" + "{a:[" * (n // 4) + "]}" * (n // 4) + ")",
    "keys": lambda n: "airflowJodo({" + "a:1," * (n // 4) + "})",
    "strings": lambda n: "airflowJodo([" + "'\\'\"'," * (n // 6) + "])",
    "unterminated escapes": lambda n: "airflowJodo('" + "\\'" * (n // 2),
    "words": lambda n: "airflowJodo(" + "x" * n,
    "method words": lambda n: "airflowJodo({message:'" + "method " * (n // 7) + "'})",
}


def _parse_seconds(body: str) -> float:
    started = time.perf_counter()
    with contextlib.suppress(MalformedBodyError):
        parse_body(split_php_notices(body)[1], CALLBACK)
    return time.perf_counter() - started


@settings(max_examples=len(ANSWER_SHAPES) + 6, derandomize=True, deadline=None, database=None)
@given(
    shape=st.sampled_from(sorted(ANSWER_SHAPES)) | st.text(min_size=1, max_size=8)  # or a piece repeated
)
def test_parsing_time_grows_linearly_with_the_answer(shape):
    """A 4 MiB answer parses in at most 1 s plus a generous multiple of a 4 KiB one's time scaled
    up: this catches super-linear parsing, not a slow machine (benchmarks time the target)."""
    make = ANSWER_SHAPES.get(shape, lambda n: (shape * (n // len(shape) + 1))[:n])
    small = min(_parse_seconds(make(SMALL)) for _ in range(3))
    assert _parse_seconds(make(LARGE)) < 1.0 + 20 * small * (LARGE // SMALL)
