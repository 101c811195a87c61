"""Finding, seeing and reporting through the admin's pages: searches, newest first, money set out, the
account and invoice pages in words, filters, totals, the CSV export and the dashboard. Each across two
businesses: Globex's rows are never found, shown, counted or exported."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.services import payment_apply, payment_unapply
from tests.admin.conftest import PAGES, back_office_user

pytestmark = pytest.mark.django_db
D = Decimal


def listed(client, page, **query) -> list:
    return list(client.get(f"/admin/{page}/", query).context["cl"].result_list)


def exported(client, page, **query) -> list[list[str]]:
    response = client.get(f"/admin/{page}/export.csv", query)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_search_invoices_by_number_customer_and_amount(staff_client, acme, globex):
    road = acme.account(email="road@runner.test", name="Road Runner")
    first = acme.invoice("100", account=road, number="INV-R1")
    second = acme.invoice("42.50", account=acme.account(email="", name="Other"), customer_email="x@y.test")
    globex.invoice("100", account=globex.account(email="road@runner.test", name="Road Runner"))

    assert listed(staff_client, "invoices/invoice", q="INV-R1") == [first]
    assert listed(staff_client, "invoices/invoice", q="road runner") == [first]
    assert listed(staff_client, "invoices/invoice", q="road@runner.test") == [first]
    assert listed(staff_client, "invoices/invoice", q="x@y.test") == [second]
    assert listed(staff_client, "invoices/invoice", q="42.50") == [second]
    assert listed(staff_client, "invoices/invoice", q="100") == [first]


def test_search_payments_by_reference_description_counterparty_and_amount(staff_client, acme, globex):
    wire = acme.payment("250", reference="WIRE-7", counterparty="First Bank", description="wire from ACME")
    cheque = acme.payment("99.99", reference="CHQ-1", description="cheque 1001")
    globex.payment("250", reference="WIRE-8", counterparty="First Bank", description="wire")

    for term in ("WIRE-7", "wire", "first bank", "250"):
        assert listed(staff_client, "payments/payment", q=term) == [wire], term
    assert listed(staff_client, "payments/payment", q="99.99") == [cheque]
    # Newest first.
    assert listed(staff_client, "payments/payment") == [cheque, wire]


def test_ledger_events_found_by_invoice_number_with_their_account_and_amount(staff_client, acme, globex):
    account = acme.account(email="", name="Road Runner")
    invoice = acme.invoice("100", account=account, number="INV-E")
    payment = acme.payment("25", account=account, reference="WIRE-ACME")
    payment_apply(ctx=acme.ctx(), invoice_id=invoice.pk, payment_id=payment.pk, amount=D(25))
    globex.invoice("100", number="INV-E")

    response = staff_client.get("/admin/ledger/ledgerevent/", {"q": "INV-E"})
    events = list(response.context["cl"].result_list)
    assert [e.kind for e in events] == ["applied"]  # created as open: the one event on it
    page = response.content.decode()
    assert '<td class="field-amount_shown">25.00 USD</td>' in page
    assert '<td class="field-account_shown">Road Runner</td>' in page
    assert ">INV-E</a>" in page and ">WIRE-ACME</a>" in page
    by_reference = listed(staff_client, "ledger/ledgerevent", q="WIRE-ACME")
    assert {e.kind for e in by_reference} == {"applied", "payment_recorded"}

    detail = staff_client.get(f"/admin/ledger/ledgerevent/{events[0].pk}/change/").content.decode()
    assert "100.000000000" not in detail
    assert '<td class="money">0.00</td><td class="money">25.00</td>' in detail


def test_one_business_has_no_business_column_two_have_it(staff_client, client, acme, globex, acme_ledger):
    page = staff_client.get("/admin/payments/payment/").content.decode()
    assert "column-business" not in page and "By business" not in page
    client.force_login(back_office_user("bob", acme, globex))
    assert "column-business" in client.get("/admin/payments/payment/").content.decode()


def test_an_invoice_tells_its_timeline_in_words(staff_client, acme):
    account = acme.account(email="", name="Road Runner")
    invoice = acme.invoice("100", account=account, number="INV-T")
    payment = acme.payment("30", account=account, reference="WIRE-ACME")
    application = payment_apply(ctx=acme.ctx(), invoice_id=invoice.pk, payment_id=payment.pk, amount=D(25))
    staff_client.post(
        "/admin/payments/invoicepayment/",
        {
            "action": "unapply",
            "_selected_action": [str(application.pk)],
            "confirm": "1",
            "reason": "wrong one",
        },
    )

    page = staff_client.get(f"/admin/invoices/invoice/{invoice.pk}/change/").content.decode()
    applied = f"25.00 USD applied from WIRE-ACME by {acme.client.actor}"
    unapplied = "25.00 USD unapplied: WIRE-ACME taken off this invoice by staff:alice"
    assert applied in page and unapplied in page
    assert page.index(unapplied) < page.index(applied)  # newest first
    assert "reason: <q>wrong one</q>" in page
    assert "historylink" not in page
    # No history page: its address is taken for an object's, and there is none such.
    history = staff_client.get(f"/admin/invoices/invoice/{invoice.pk}/history/", follow=True)
    assert history.redirect_chain[-1] == ("/admin/", 302)


def test_an_account_page_shows_what_it_owes_holds_and_what_happened(staff_client, acme, globex):
    account = acme.account(email="", name="Road Runner")
    invoice = acme.invoice("100", account=account, number="INV-A1")
    acme.invoice("40", account=account, number="INV-A2")
    payment = acme.payment("70", account=account, reference="WIRE-A")
    payment_apply(ctx=acme.ctx(), invoice_id=invoice.pk, payment_id=payment.pk, amount=D(60))
    theirs = globex.account(email="", name="Wile")

    response = staff_client.get(f"/admin/tenants/account/{account.pk}/change/")
    page = response.content.decode()
    assert "Balance owed" in page and "80.00 USD" in page
    assert "Unapplied payments" in page and "10.00 USD" in page
    assert ">INV-A1</a>" in page and ">INV-A2</a>" in page and "40.00 USD" in page
    assert "60.00 USD applied from WIRE-A to INV-A1" in page
    absent = staff_client.get(f"/admin/tenants/account/{theirs.pk}/change/", follow=True)
    assert absent.redirect_chain == [("/admin/", 302)]


def test_overdue_due_soon_and_account_filters_with_totals(staff_client, acme, globex):
    today = timezone.localdate()
    account = acme.account(email="", name="Road Runner")
    late = acme.invoice(
        "100",
        account=account,
        number="INV-LATE",
        invoice_date=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
    )
    soon = acme.invoice("50", number="INV-SOON", due_date=today + timedelta(days=3))
    acme.invoice("20", number="INV-LATER", due_date=today + timedelta(days=30))
    globex.invoice(
        "1000",
        number="INV-GLATE",
        invoice_date=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
    )

    assert listed(staff_client, "invoices/invoice", due="overdue") == [late]
    assert listed(staff_client, "invoices/invoice", due="soon") == [soon]
    assert listed(staff_client, "invoices/invoice", account__id__exact=str(account.pk)) == [late]

    response = staff_client.get("/admin/invoices/invoice/")
    assert [t["values"] for t in response.context["totals"]] == [
        [("Amount", "170.00 USD"), ("Balance", "170.00 USD")]
    ]
    overdue = staff_client.get("/admin/invoices/invoice/", {"due": "overdue"})
    assert overdue.context["totals"][0]["values"][0] == ("Amount", "100.00 USD")
    assert "Totals of the 1 row these filters select" in overdue.content.decode()
    assert response.context["cl"].date_hierarchy == "invoice_date"


def test_export_the_filtered_list_as_csv(staff_client, acme, globex):
    mine = acme.payment("250", reference="WIRE-7", counterparty="First Bank")
    acme.payment("10", reference="CHQ-1")
    globex.payment("250", reference="WIRE-GLOBEX")

    page = staff_client.get("/admin/payments/payment/", {"q": "WIRE"}).content.decode()
    assert "/admin/payments/payment/export.csv?q=WIRE" in page
    header, *lines = exported(staff_client, "payments/payment", q="WIRE")
    assert header == [
        "Occurred at",
        "Reference",
        "Counterparty",
        "Account",
        "Status",
        "Amount",
        "Unallocated",
        "Refunded",
    ]
    assert lines == [
        [lines[0][0], "WIRE-7", "First Bank", "", "Processed", "250.00 USD", "250.00 USD", "0.00 USD"]
    ]
    assert mine.reference == lines[0][1]
    everything = exported(staff_client, "payments/payment")
    assert {line[1] for line in everything[1:]} == {"WIRE-7", "CHQ-1"}


def test_every_list_exports_only_the_users_business(staff_client, acme_ledger, globex_ledger):
    for page in PAGES:
        text = "\n".join(",".join(line) for line in exported(staff_client, page))
        assert "GLOBEX" not in text and "Globex" not in text, page


def test_the_dashboard_of_the_clerks_businesses(staff_client, acme, globex):
    today = timezone.localdate()
    account = acme.account(email="")
    acme.invoice("100", account=account, due_date=today + timedelta(days=5))
    acme.invoice(
        "40", account=account, invoice_date=today - timedelta(days=60), due_date=today - timedelta(days=45)
    )
    payment = acme.payment("30", account=account)
    acme.payment("20", account=account)
    application = payment_apply(
        ctx=acme.ctx(), invoice_id=acme.invoice("30", account=account).pk, payment_id=payment.pk, amount=D(30)
    )
    payment_unapply(ctx=acme.ctx(), invoice_payment_id=application.pk)
    globex.invoice("999", due_date=today - timedelta(days=100))
    globex.payment("777")

    response = staff_client.get("/admin/dashboard/")
    assert response.status_code == 200
    context = response.context
    assert context["receivables"] == [
        ("Acme", "USD", ["130.00 USD", "0.00 USD", "40.00 USD", "0.00 USD", "0.00 USD"], "170.00 USD")
    ]
    assert context["received"] == [(today, "Acme", 2, "50.00 USD")]
    assert context["unapplied"] == [("Acme", 2, "50.00 USD")]
    page = response.content.decode()
    assert "Globex" not in page and "999.00" not in page and "777.00" not in page
    assert "Invoice payments · back office" in page


def test_the_dashboard_needs_a_staff_login(client):
    assert client.get("/admin/dashboard/").status_code == 302
