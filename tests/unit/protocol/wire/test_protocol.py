"""The wire's shared tables and checks: ids are ASCII digits only."""

import pytest

from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits


@pytest.mark.parametrize(("text", "expected"), [("0", True), ("0123", True), ("", False), ("-1", False)])
def test_ids_are_ascii_digits(text, expected):
    assert is_ascii_digits(text) is expected
