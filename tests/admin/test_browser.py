"""The back office in a real browser: Debian's Chromium, headless, driven by Playwright.

Playwright's browsers are not downloaded: the test runs the `chromium` on PATH (Debian's package; CI's
.ci/run installs it), or the browser named by $CHROMIUM, and is skipped, saying so, when there is none.
CI fails on any skipped test, so there it always runs.
"""

import os
import shutil
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect, sync_playwright

from ledger.models import LedgerEvent
from tests.admin.conftest import PASSWORD, back_office_user

WANTED = os.environ.get("CHROMIUM") or "chromium"
CHROMIUM = shutil.which(WANTED)

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM, reason=f"{WANTED} is not installed: apt-get install chromium (.ci/run does)"
    ),
    pytest.mark.django_db(transaction=True),
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
TIMEOUT_MS = 15_000


@contextmanager
def chromium_page():
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def test_staff_apply_a_payment_and_never_see_another_business(live_server, acme, globex):
    # Rows first: Django's ORM refuses to run in this thread while Playwright's event loop does.
    account = acme.account(email="", name="Road Runner")
    invoice = acme.invoice("100", account=account, number="INV-ACME")
    payment = acme.payment("30", account=account, reference="WIRE-ACME")
    theirs = globex.invoice("999", number="INV-GLOBEX")
    back_office_user("alice", acme)
    admin = f"{live_server.url}/admin/"

    with chromium_page() as page:
        page.goto(f"{admin}login/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", PASSWORD)
        page.click("#login-form [type=submit]")
        expect(page.locator("#user-tools")).to_contain_text("alice")

        page.goto(f"{admin}invoices/invoice/")
        row = page.locator("#result_list tbody tr", has_text="INV-ACME")
        expect(row.locator("td.field-balance_shown")).to_have_text("100.00 USD")
        expect(page.locator("#result_list")).not_to_contain_text("INV-GLOBEX")

        row.locator("input.action-select").check()
        page.select_option("select[name=action]", "apply_payment")
        page.click("button[name=index]")
        expect(page.locator("h1")).to_have_text("Apply a payment to this invoice")
        page.select_option("select[name=payment]", str(payment.pk))
        page.check("input[name=amount_from][value=unallocated]")
        page.click("input[name=confirm]")

        expect(page.locator(".messagelist")).to_contain_text("Applied 30.00 USD of payment WIRE-ACME")
        expect(row.locator("td.field-balance_shown")).to_have_text("70.00 USD")
        row.locator("th.field-number a").click()
        expect(page.locator(".field-balance_arithmetic .readonly")).to_have_text(
            "100.00 USD - 30.00 USD paid + 0.00 USD refunded = 70.00 USD"
        )
        expect(page.locator(".inline-group", has_text="Applications")).to_contain_text("WIRE-ACME")

        page.goto(f"{admin}invoices/invoice/?q=INV-GLOBEX")
        expect(page.locator("#changelist-form .paginator")).to_contain_text("0 invoices")
        page.goto(f"{admin}invoices/invoice/{theirs.pk}/change/")
        expect(page).to_have_url(admin)
        expect(page.locator(".messagelist")).to_contain_text("Perhaps it was deleted?")
        expect(page.locator("body")).not_to_contain_text("INV-GLOBEX")

    invoice.refresh_from_db()
    assert invoice.balance == 70
    assert (
        LedgerEvent.objects.across_tenants(reason="test").get(kind="applied", invoice_id=invoice.pk).actor
        == "staff:alice"
    )
