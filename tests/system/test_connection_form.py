"""The `jodo` connection form in Airflow's UI, in headless Debian Chromium driven by Playwright.

Airflow 3's React UI builds the form from `/ui/connections/hook_meta`, which 3.2+ make from the
provider info (`conn-fields`, `ui-field-behaviour`) and 3.0-3.1 from the hook's wtforms fields
(`hooks/connection_form.py`), so this is the only check that users see what we registered: every
setting labelled, secrets declared as such (masked from 3.3 on, the first UI that masks extra
fields), the standard fields relabelled, with placeholders, and the ones that do not apply
hidden. Screenshots of the form are kept in `test-artifacts/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_jodo.get_provider_info import get_provider_info
from tests.support.airflow_versions import CONNECTION_FORM_MASKS_SECRET_EXTRAS

# `connection_form`: the oldest Airflow minor runs this module too, in its one xdist call
# (scripts/test_matrix.py), where the group keeps both tests, and so their deployment, on one worker.
pytestmark = [
    pytest.mark.system,
    pytest.mark.connection_form,
    pytest.mark.xdist_group("connection_form"),
    pytest.mark.timeout(300),
]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Headless as root, and no calls home: the machine's network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOOK_META = "/ui/connections/hook_meta"
STANDARD_FIELDS = ("description", "host", "port", "schema", "login", "password", "extra")


@pytest.fixture(scope="module")
def connection_type() -> dict[str, Any]:
    (registered,) = get_provider_info()["connection-types"]
    return registered


@pytest.fixture
def page(system) -> Iterator[Any]:
    """A browser page logged in to the deployment's UI as the admin."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.set_default_timeout(30_000)
            page.goto(f"{system.airflow.base_url}/connections")
            page.get_by_label("Username").fill("admin")
            page.get_by_label("Password").fill(system.airflow.admin_password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{system.airflow.base_url}/connections")  # not the login page's ?next=
            yield page
        finally:
            browser.close()


def test_add_connection_form_shows_every_jodo_field(page, connection_type):
    # The connection types the UI builds its forms from, as it fetched them (on loading the page).
    with page.expect_response(lambda answer: answer.url.endswith(HOOK_META)) as hook_meta:
        page.reload()
        page.get_by_role("button", name="Add Connection").click()
    (jodo_meta,) = (meta for meta in hook_meta.value.json() if meta["connection_type"] == "jodo")
    page.get_by_role("combobox", name="Connection Type").fill("Jodo")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    behaviour = connection_type["ui-field-behaviour"]

    # Standard fields: relabelled, with placeholders; the password masked; hidden ones absent.
    dialog.locator('input[name="host"]').wait_for()
    for field, label in behaviour["relabeling"].items():
        assert dialog.get_by_label(label, exact=True).get_attribute("name") == field, label
    for field, placeholder in behaviour["placeholders"].items():
        assert dialog.locator(f'[name="{field}"]').get_attribute("placeholder") == placeholder, field
    assert dialog.locator('input[name="password"]').get_attribute("type") == "password"
    # The "Extra Fields JSON" editor is always there (3.0 names its CodeMirror <div> "extra"),
    # so the standard fields are the form controls: <input>s and <textarea>s.
    shown_standard = {
        name
        for name in dialog.locator("input[name], textarea[name]").evaluate_all("els => els.map(e => e.name)")
    } & set(STANDARD_FIELDS)
    for field in behaviour["hidden-fields"]:
        assert field not in shown_standard, f"hidden field {field} is shown"
    assert shown_standard == set(STANDARD_FIELDS) - set(behaviour["hidden-fields"])
    ARTIFACTS.mkdir(exist_ok=True)
    dialog.screenshot(path=str(ARTIFACTS / "jodo-connection-form-standard-fields.png"))

    # Extra fields: every conn-field with its label and description; secrets declared as such
    # to the UI, and masked where the UI masks them (CONNECTION_FORM_MASKS_SECRET_EXTRAS).
    page.get_by_role("button", name="Extra Fields", exact=True).click()
    assert set(jodo_meta["extra_fields"]) == set(connection_type["conn-fields"])
    for name, field in connection_type["conn-fields"].items():
        control = dialog.locator(extra_field_control(name))
        assert control.count() == 1, f"no form control for extra field {name}"
        assert dialog.get_by_text(field["label"], exact=True).first.is_visible(), field["label"]
        assert dialog.get_by_text(field["description"], exact=True).is_visible(), field["description"]
        secret = field["schema"].get("format") == "password"
        assert (jodo_meta["extra_fields"][name]["schema"].get("format") == "password") == secret, name
        masked = secret and CONNECTION_FORM_MASKS_SECRET_EXTRAS
        assert (control.get_attribute("type") == "password") == masked, name
    assert connection_type["conn-fields"]["apikey"]["schema"]["format"] == "password"
    dialog.screenshot(path=str(ARTIFACTS / "jodo-connection-form-extra-fields.png"))


def extra_field_control(name: str) -> str:
    """The selector of the form control for the extra field `name`: the one named `element_<name>`.

    A dropdown (an `enum`) has none before Airflow 3.2: 3.0-3.1 render it as Chakra's Select,
    which names no element, only its root's id (3.0.6's `FlexibleForm/FieldDropdown.tsx`); from 3.2
    on, react-select names its hidden input.
    """
    return f'[name="element_{name}"], [id="select:element_{name}"]'


def test_a_connection_saved_from_the_form_works(page, system):
    """What the form stores (empty settings included) is a connection the hook can use."""
    conn = system.sandbox.connection_dict()
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Connection ID").fill("jodo_from_form")
    page.get_by_role("combobox", name="Connection Type").fill("Jodo")
    page.keyboard.press("Enter")
    for field in ("host", "login", "password", "schema"):
        dialog.locator(f'input[name="{field}"]').fill(conn[field])
    page.get_by_role("button", name="Extra Fields", exact=True).click()
    for name in ("apikey", "servicekey"):
        dialog.locator(f'input[name="element_{name}"]').fill(conn["extra"][name])
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="hidden")
    assert "Connection success!" in system.airflow.cli("connections", "test", "jodo_from_form")
