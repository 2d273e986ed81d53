import logging

import pytest

from airflow_provider_jodo.protocol.wire.redaction import Redactor, install_url_log_redaction


def test_redacts_sensitive_query_values_and_known_secrets():
    redactor = Redactor(["s3cret-pass", "0123456789abcdef"])
    url = (
        "http://h/setevent/importCJI?callback=cb&user=admin&password=s3cret-pass&source_pwd=ftp-pw"
        "&context=ftp%3A%2F%2Fu%3Ax%40h%2Ff.csv&apikey=K&note=0123456789abcdef"
    )
    text = redactor.redact(f"failed: {url}")
    assert "s3cret-pass" not in text and "ftp-pw" not in text and "0123456789abcdef" not in text
    assert "password=***" in text and "source_pwd=***" in text and "apikey=***" in text
    assert "user=admin" in text


def test_redacts_password_in_url_userinfo_and_json():
    redactor = Redactor()
    assert redactor.redact("ftp://leads:hunter22@ftp.example/a.csv") == "ftp://leads:***@ftp.example/a.csv"
    assert redactor.redact('{"apikey": "abc", "name": "x"}') == '{"apikey": "***", "name": "x"}'


def test_urllib3_debug_lines_lose_their_passwords(caplog):
    install_url_log_redaction()
    install_url_log_redaction()  # idempotent
    logger = logging.getLogger("urllib3.connectionpool")
    assert sum(type(f).__name__ == "QueryStringRedactingFilter" for f in logger.filters) == 1
    with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
        logger.debug(
            '%s://%s:%s "%s %s %s" %s', "http", "h", 80, "GET", "/x?password=topsecret1", "HTTP/1.1", 200
        )
    assert "topsecret1" not in caplog.text
    assert "password=***" in caplog.text


def test_passwords_containing_at_signs_and_encoded_urls_are_redacted_whole():
    assert Redactor().redact("http://u:p@ssw0rd@host/a.csv") == "http://u:***@host/a.csv"
    assert "p@ssw0rd" not in Redactor(["p@ssw0rd"]).redact("http://u:p@ssw0rd@host/a.csv")
    encoded = "GET /setevent/importCJI?context=http%3A%2F%2Fu%3AS3cretPw%40127.0.0.1%2Fa.csv&x=1"
    assert "S3cretPw" not in Redactor().redact(encoded)
    assert Redactor().redact(encoded) == "GET /setevent/importCJI?context=***&x=1"


def test_the_context_of_an_importcji_url_is_never_printed():
    """For source=data it holds a lead's fields: personal data stays out of logs and errors."""
    line = "GET /setevent/importCJI?model_id=1&context=name%3DAna%7C%7Cphone1%3D5511900000001&source=data"
    assert Redactor().redact(line) == "GET /setevent/importCJI?model_id=1&context=***&source=data"


ERROR_TEXT = (
    "importCJI into campaign 910: cannot reach http://127.0.0.1:9 (HTTPConnectionPool(host='127.0.0.1', "
    "port=9): NewConnectionError: [Errno 111] Connection refused), nor http://[::1]:8765, since 2024-01-05"
)


@pytest.mark.parametrize("password", ["1", "0", "2024", "Conn"])
def test_a_short_secret_leaves_numbers_addresses_and_words_intact(password):
    """Shorter than 5 characters, a secret is found inside too much unrelated text."""
    assert Redactor([password]).redact(ERROR_TEXT) == ERROR_TEXT


@pytest.mark.parametrize("password", ["1", "2024"])
def test_a_short_secret_is_still_removed_where_it_stands_as_a_value(password):
    redactor = Redactor([password])
    assert redactor.redact(f"GET /importCJI?user=admin&password={password}&source=data") == (
        "GET /importCJI?user=admin&password=***&source=data"
    )
    assert redactor.redact(f"pin={password}&pout") == "pin=***&pout"
    assert redactor.redact(f"the platform echoed {password!r}, then {password}.") == (
        "the platform echoed '***', then ***."
    )


def test_a_secret_of_5_characters_or_more_is_removed_even_inside_other_text():
    assert Redactor(["12345"]).redact("a123456b, 12345") == "a***6b, ***"
