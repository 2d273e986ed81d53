"""Check a connection the way Airflow's "Test" button and `airflow connections test` ask.

Each configured platform gets a cheap authenticated read, and the answer says what was proven.
Jodo: a getProcessData lookup, which tells a bad API key, service key or their mismatch apart.
astercc: a status query for a job that does not exist; any refusal of that job other than a
credential code (BackMsg 02, 03, 05, 06, 07, 15, 63) proves the login, whatever its text.
Without a status method, an importCJI call that cannot import anything (campaign 0, empty
context) stands in. A bad URL shows as a connection error or an HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable

from airflow_provider_jodo.enums import CJISource, ProcessDataSearch
from airflow_provider_jodo.exceptions import (
    JodoApiError,
    JodoAuthenticationError,
    JodoCapabilityMissingError,
    JodoError,
)
from airflow_provider_jodo.hooks.cji_import import MODEL_TYPE_CAMPAIGN
from airflow_provider_jodo.hooks.import_jobs import CAMPAIGN_REFUSALS
from airflow_provider_jodo.hooks.parts import HookParts
from airflow_provider_jodo.protocol.codes import BackMsgCode
from airflow_provider_jodo.protocol.wire.cji_parameters import CJI_PARAMETERS

_REFUSED_AFTER_LOGIN = {
    *CAMPAIGN_REFUSALS,
    BackMsgCode.EMPTY_CONTEXT,
    BackMsgCode.BAD_CONTEXT,
    BackMsgCode.REQUIRED_FIELD_MISSING,
}
"""Refusals of an importCJI call that come after its login was checked: they prove the login."""
_LOGIN_PROBE_CAMPAIGN = "0"


def check_connection(connect: Callable[[], HookParts]) -> tuple[bool, str]:
    """Check each configured platform; return whether all passed, and what was checked.

    :param connect: loads the connection's settings and gives the parts of a hook that makes
        one attempt per call (someone is waiting for the answer); a setting it refuses fails
        the check with its message.
    """
    try:
        parts = connect()
        settings = parts.settings
        checked = []
        if settings.api_key or settings.service_key:
            parts.process_data.get(ProcessDataSearch.MOBILE_NUMBER, "0", None, None)
            checked.append("Jodo API key and service key accepted")
        if settings.user or settings.org_identity:
            login_checked, astercc_result = _check_astercc_login(parts)
            checked.append(astercc_result)
            if not login_checked:
                return False, f"{settings.base_url}: " + "; ".join(checked) + "."
        if not checked:
            return False, "The connection has neither an API key nor an astercc login to test."
        return True, f"Connected to {settings.base_url}: " + "; ".join(checked) + "."
    except JodoAuthenticationError as error:
        return False, f"Credentials rejected: {error}"
    except JodoError as error:
        return False, str(error)


def _check_astercc_login(parts: HookParts) -> tuple[bool, str]:
    """Check the astercc login; return whether it was proven, and what was checked.

    :param parts: the probing hook's parts.
    :raises JodoAuthenticationError: the login was refused.
    """
    login = f"astercc {parts.settings.user_type.value} {parts.settings.user!r}"
    try:
        parts.jobs.get("0")
    except JodoAuthenticationError:
        raise
    except JodoCapabilityMissingError as missing:
        proven, how = _probe_login_with_import(parts)
        verdict = f"{login} logged in ({how})" if proven else f"{login} NOT checked: {how}"
        return proven, f"{verdict}; {missing}, so import jobs cannot be waited for"
    except JodoApiError:
        pass  # job 0 refused for anything but the login: the login passed
    return True, f"{login} logged in"


def _probe_login_with_import(parts: HookParts) -> tuple[bool, str]:
    """Check the login with an importCJI call that cannot import anything.

    Campaign 0 with an empty context: a refusal of the campaign or the context comes after
    the login was checked, so it proves the login; return whether it did, and what the answer
    says.

    :param parts: the probing hook's parts.
    :raises JodoAuthenticationError: the login was refused.
    """
    parameters = {name: "" for name in CJI_PARAMETERS}
    parameters.update(
        parts.settings.astercc_credentials(),
        modeltype=MODEL_TYPE_CAMPAIGN,
        model_id=_LOGIN_PROBE_CAMPAIGN,
        source=CJISource.DATA.value,
    )
    what = f"importCJI for campaign {_LOGIN_PROBE_CAMPAIGN} with nothing to import"
    try:
        parts.calls.astercc(parts.settings.import_cji_path, list(parameters.items()), what)
    except JodoAuthenticationError:
        raise
    except JodoApiError as error:
        if error.code in _REFUSED_AFTER_LOGIN:
            return True, f"{what} was refused for the campaign, not the login: {error}"
        return False, f"{what} was refused with an answer that does not tell the login apart: {error}"
    return True, f"{what} was accepted"
