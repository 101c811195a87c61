"""The back office in a real browser: Debian's Chromium, headless, driven by Playwright.

Playwright's browsers are not downloaded: the test runs the `chromium` on PATH (Debian's package; CI's
.ci/run installs it), or the browser named by $CHROMIUM, and is skipped, saying so, when there is none.
CI fails on any skipped test, so there it always runs.

A clerk's day is photographed at 1400 px into $ARTIFACTS_DIR/admin (default .artifacts/admin), to be
looked at: what a test cannot see (a column that overflows, a number that wraps) shows there.
"""

import csv
import io
import os
import shutil
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments.models import Payment
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
SCREENSHOTS = (
    Path(os.environ.get("ARTIFACTS_DIR") or Path(__file__).resolve().parents[2] / ".artifacts") / "admin"
)


@contextmanager
def chromium_page():
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def log_in(page, admin: str, username: str) -> None:
    page.goto(f"{admin}login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def choose(page, field: str, term: str, text: str) -> None:
    """Picks `text` in an autocomplete (select2) field, searching for `term`."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", term)
    page.click(f".select2-results__option:has-text('{text}')")


def test_staff_apply_a_payment_and_never_see_another_business(live_server, acme, globex):
    # Rows first: Django's ORM refuses to run in this thread while Playwright's event loop does.
    account = acme.account(email="", name="Road Runner")
    invoice = acme.invoice("100", account=account, number="INV-ACME")
    payment = acme.payment("30", account=account, reference="WIRE-ACME")
    theirs = globex.invoice("999", number="INV-GLOBEX")
    back_office_user("alice", acme)
    admin = f"{live_server.url}/admin/"

    with chromium_page() as page:
        log_in(page, admin, "alice")

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


def test_a_clerks_day(live_server, acme, globex):
    road_runner = acme.account(email="ap@roadrunner.test", name="Road Runner")
    late = timezone.localdate() - timedelta(days=45)
    acme.invoice("80", account=road_runner, number="INV-LATE", invoice_date=late, due_date=late)
    for i in range(3):
        acme.payment(f"{10 + i}", reference=f"CHQ-{i}", counterparty="Old Bank")
    globex.invoice("999", number="INV-GLOBEX", account=globex.account(email="", name="Road Runner Globex"))
    globex.payment("999", reference="WIRE-GLOBEX")
    back_office_user("sam", acme)
    admin = f"{live_server.url}/admin/"

    with chromium_page() as page:
        log_in(page, admin, "sam")
        expect(page.locator("#site-name")).to_have_text("Invoice payments · back office")

        # Create an invoice with two lines and send it.
        page.goto(f"{admin}invoices/invoice/")
        page.click("text=Create an invoice")
        choose(page, "account", "Road", "Road Runner")
        page.fill("#id_form-0-name", "Anvils")
        page.fill("#id_form-0-quantity", "3")
        page.fill("#id_form-0-unit_price", "20.50")
        page.fill("#id_form-1-name", "Rocket skates")
        page.fill("#id_form-1-unit_price", "40")
        page.check("input[name=then][value=send]")
        shoot(page, "01-create-invoice")
        page.click("input[name=_submit]")
        expect(page.locator(".messagelist")).to_contain_text("of 101.50 USD sent.")
        number = page.locator(".field-number .readonly").inner_text()
        shoot(page, "02-invoice-sent")

        # Record a wire received.
        page.goto(f"{admin}payments/payment/")
        page.click("text=Record a payment received")
        choose(page, "account", "Road", "Road Runner")
        page.check("input[name=method][value=wire]")
        page.fill("#id_amount", "150")
        page.fill("#id_reference", "WIRE-ACME")
        page.fill("#id_counterparty", "First Bank of Acme")
        shoot(page, "03-record-wire")
        page.click("input[name=_submit]")
        expect(page.locator(".messagelist")).to_contain_text(
            "Recorded payment WIRE-ACME · First Bank of Acme"
        )

        # Find it by its reference and apply it to the invoice.
        page.goto(f"{admin}payments/payment/")
        page.fill("#searchbar", "WIRE-ACME")
        page.press("#searchbar", "Enter")
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(1)
        shoot(page, "04-found-by-reference")
        rows.first.locator("input.action-select").check()
        page.select_option("select[name=action]", "apply_to_invoice")
        page.click("button[name=index]")
        page.select_option("select[name=invoice]", label=f"{number} · Road Runner · 101.50 USD open balance")
        page.check("input[name=amount_from][value=balance]")
        page.click("input[name=confirm]")
        expect(page.locator(".messagelist")).to_contain_text("Applied 101.50 USD of payment WIRE-ACME")
        expect(page.locator("td.field-unallocated_shown").first).to_have_text("48.50 USD")
        shoot(page, "05-applied")

        # The invoice's timeline, in words.
        page.goto(f"{admin}invoices/invoice/?q={number}")
        page.click(f"#result_list a:has-text('{number}')")
        expect(page.locator(".timeline")).to_contain_text("101.50 USD applied from WIRE-ACME by staff:sam")
        shoot(page, "06-invoice-timeline")

        # Export the list.
        page.goto(f"{admin}payments/payment/")
        shoot(page, "07-payments-list")
        with page.expect_download() as download:
            page.click("text=Export CSV")
        exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert exported[0][:3] == ["Occurred at", "Reference", "Counterparty"]
        assert {row[1] for row in exported[1:]} == {"WIRE-ACME", "CHQ-0", "CHQ-1", "CHQ-2"}

        # The dashboard.
        page.click("#user-tools >> text=Dashboard")
        expect(page.locator("#receivables")).to_contain_text("80.00 USD")
        expect(page.locator("#received")).to_contain_text("183.00 USD")
        expect(page.locator("#unapplied")).to_contain_text("81.50 USD")
        expect(page.locator("body")).not_to_contain_text("GLOBEX")
        shoot(page, "08-dashboard")

        page.goto(f"{admin}ledger/ledgerevent/?q={number}")
        expect(page.locator("#result_list")).to_contain_text("101.50 USD")
        shoot(page, "09-ledger-events")

    invoice = Invoice.objects.across_tenants(reason="test").get(business_id=acme.business_id, number=number)
    assert invoice.status == Invoice.Status.PAID
    wire = Payment.objects.across_tenants(reason="test").get(reference="WIRE-ACME")
    assert (wire.created_by, wire.method) == ("staff:sam", "wire")
