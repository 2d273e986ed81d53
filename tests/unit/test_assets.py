"""The campaign asset: a campaign id of ASCII digits (as the hook's model id takes it), its URI
normalised."""

import pytest

from airflow_provider_jodo.assets import jodo_campaign_asset
from airflow_provider_jodo.hooks.jodo import campaign_model_id
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits

NON_ASCII_DIGITS = ["\u00b2", "\u0661", "\uff17", "1\uff12", "\u0967\u0968"]
"""Digits by `str.isdigit()`, which the platform does not take (`int()` even reads some of them)."""


@pytest.mark.parametrize("campaign_id", NON_ASCII_DIGITS)
def test_campaign_ids_and_their_assets_take_ascii_digits_only(campaign_id):
    assert not is_ascii_digits(campaign_id)
    message = rf"campaign_id={campaign_id!r} is not a numeric campaign id \(ASCII digits 0-9\)"
    with pytest.raises(ValueError, match=message):
        campaign_model_id(campaign_id)
    with pytest.raises(ValueError, match=message):
        jodo_campaign_asset(None, campaign_id, host="jodo.example.com")
    assert (
        jodo_campaign_asset(None, " 007 ", host="jodo.example.com").uri
        == "jodo://jodo.example.com/campaign/7"
    )
