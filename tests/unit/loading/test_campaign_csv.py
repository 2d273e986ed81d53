from decimal import Decimal

import pendulum
import pytest

from airflow_provider_jodo.loading.campaign_csv import campaign_row

COLUMNS = ["name", "phone1", "priority"]


def test_cells_follow_the_columns_and_write_numbers_and_times_as_text():
    row = campaign_row({"priority": Decimal("1.50"), "phone1": 5511900000001}, COLUMNS, "UTC")
    assert row == ["", "5511900000001", "1.50"]
    moment = pendulum.datetime(2026, 11, 23, 23, 30, tz="UTC")
    assert campaign_row({"name": moment}, COLUMNS, "Asia/Tokyo")[0] == "2026-11-24 08:30:00"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "field 'name' is a boolean"),
        (float("nan"), "field 'name' is nan"),
        (Decimal("Infinity"), "field 'name' is Infinity"),
        (b"Ana", "field 'name' holds a bytes"),
        (["Ana"], "field 'name' holds a list"),
        ("Ana\r", "field 'name' holds a line break"),
        ("A\x00na", "field 'name' holds a line break"),
    ],
)
def test_values_a_cell_cannot_carry_are_refused_naming_the_field(value, reason):
    with pytest.raises(ValueError, match=reason):
        campaign_row({"name": value}, COLUMNS, "UTC")
