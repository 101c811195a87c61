"""What the pages show: money with its currency, an invoice with everything that touched it, ledger rows
that cannot be edited, and lists whose cost does not grow with their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import LedgerEvent
from tenants.models import ApiClient, Entity
from tests.admin.conftest import LEDGER_PAGES, PAGES, make_ledger

pytestmark = pytest.mark.django_db


def test_an_invoice_page_shows_what_touched_it_and_its_balance_arithmetic(staff_client, acme_ledger):
    ledger = acme_ledger
    page = staff_client.get(f"/admin/invoices/invoice/{ledger.invoice.pk}/change/").content.decode()
    assert "100.00 USD - 60.00 USD paid + 10.00 USD refunded = 50.00 USD" in page
    assert "Applications (invoice payments)" in page and "ACME-ref · 100.00 USD on" in page
    assert "Refund of" in page and "10.00 USD" in page
    assert "Receipts" in page and "Skipped" in page and "40.00 USD" in page
    assert f"?invoice_id={ledger.invoice.pk}" in page

    linked = staff_client.get(f"/admin/invoices/invoice/{ledger.linked_invoice.pk}/change/").content.decode()
    assert f"/pay/{ledger.link.code}" in linked and "Active" in linked


def test_lists_show_money_with_its_currency(staff_client, acme_ledger):
    invoices = staff_client.get("/admin/invoices/invoice/").content.decode()
    assert '<td class="field-amount_shown">100.00 USD</td>' in invoices
    assert '<td class="field-balance_shown">50.00 USD</td>' in invoices
    payments = staff_client.get("/admin/payments/payment/").content.decode()
    assert '<td class="field-unallocated_shown">40.00 USD</td>' in payments


@pytest.mark.parametrize("page", LEDGER_PAGES)
def test_ledger_rows_cannot_be_added_edited_or_deleted(page, staff_client, acme_ledger):
    row = {
        "invoices/invoice": acme_ledger.invoice,
        "invoices/paymentlink": acme_ledger.link,
        "payments/payment": acme_ledger.payment,
        "payments/invoicepayment": acme_ledger.application,
        "payments/refund": acme_ledger.refund,
        "payments/receipt": acme_ledger.receipt,
        "ledger/ledgerevent": LedgerEvent.objects.across_tenants(reason="test")
        .filter(invoice_id=acme_ledger.invoice.pk)
        .first(),
        "api/idempotencykey": acme_ledger.key,
    }[page]
    change_url = f"/admin/{page}/{row.pk}/change/"
    viewed = staff_client.get(change_url)
    assert viewed.status_code == 200
    assert b'name="_save"' not in viewed.content
    assert staff_client.post(change_url, {"amount": "1", "status": "void"}).status_code == 403
    assert staff_client.get(f"/admin/{page}/add/").status_code == 403
    assert staff_client.post(f"/admin/{page}/{row.pk}/delete/").status_code == 403
    assert type(row).objects.across_tenants(reason="test").filter(pk=row.pk).exists()


def test_a_list_costs_as_many_queries_for_30_rows_as_for_5(staff_client, acme):
    def build(start, stop):
        for i in range(start, stop):
            make_ledger(acme, f"L{i}")
            Entity.objects.across_tenants(reason="test").create(
                business_id=acme.business_id, name=f"Entity {i}"
            )
            ApiClient.objects.create(
                business_id=acme.business_id,
                name=f"Client {i}",
                client_type=ApiClient.CLIENT_CONFIDENTIAL,
                authorization_grant_type=ApiClient.GRANT_CLIENT_CREDENTIALS,
            )

    def cost() -> dict[str, tuple[int, int]]:
        """Rows shown and queries run, per list."""
        measured = {}
        for page in PAGES:
            url = f"/admin/{page}/"
            staff_client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(url)
            measured[page] = (len(response.context["cl"].result_list), len(queries))
        return measured

    build(0, 5)
    few = cost()
    build(5, 30)
    many = cost()
    for page in PAGES:
        if page != "tenants/business":
            assert many[page][0] >= few[page][0] + 25, page
    assert {page: queries for page, (_, queries) in many.items()} == {
        page: queries for page, (_, queries) in few.items()
    }
