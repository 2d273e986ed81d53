import pytest

from airflow_provider_jodo.vendor.wire.relaxed_json import MalformedBodyError, parse_body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"status": "001", "statusdesc": "success"}', {"status": "001", "statusdesc": "success"}),
        ("airflowJodo({code:1,message:'12'})", {"code": 1, "message": "12"}),
        ('jQuery1113_0123({code:2,message:"BackMsg_07"});', {"code": 2, "message": "BackMsg_07"}),
        (
            "cb({code:1,message:{jobid:'5',state:\"running\",errors:[{row:3,code:'BackMsg_76'},],}})",
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
    assert parse_body(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>502 Bad Gateway</body></html>",
        "cb({code:1,message:'12'",  # truncated
        "{code:1 message:'x'}",
        "",
        "cb({code:1})extra",
        "{'unterminated: 1}",
    ],
)
def test_rejects_anything_else_with_a_position(body):
    with pytest.raises(MalformedBodyError, match="at character"):
        parse_body(body)


def test_a_lone_surrogate_escape_is_kept_as_json_does():
    assert parse_body("cb({code:1,message:'bad \\ud800 x'})") == parse_body(
        '{"code":1,"message":"bad \\ud800 x"}'
    )
