"""Staff users see only their businesses: on every list, search, filter, autocomplete, change page, form
choice and action. Another business's row is absent exactly like one that does not exist."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments.models import InvoicePayment
from tenants.models import Account
from tests.admin.conftest import LEDGER_PAGES, PAGES, back_office_user

pytestmark = pytest.mark.django_db


def their_rows(ledger, globex):
    """Every kind of Globex row, by the page that would show it."""
    account = Account.objects.across_tenants(reason="test").get(business_id=globex.business_id)
    return {
        "tenants/business": globex.provisioned.business,
        "tenants/entity": account.entity,
        "tenants/account": account,
        "tenants/apiclient": globex.client,
        "invoices/invoice": ledger.invoice,
        "invoices/paymentlink": ledger.link,
        "payments/payment": ledger.payment,
        "payments/invoicepayment": ledger.application,
        "payments/refund": ledger.refund,
        "payments/receipt": ledger.receipt,
        "ledger/ledgerevent": LedgerEvent.objects.across_tenants(reason="test")
        .filter(business_id=globex.business_id)
        .first(),
        "api/idempotencykey": ledger.key,
    }


@pytest.mark.parametrize("page", PAGES)
def test_a_list_shows_only_the_staff_users_business(page, staff_client, acme, acme_ledger, globex_ledger):
    response = staff_client.get(f"/admin/{page}/")
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows, "Acme has rows on every page"
    assert {PAGES[page](row) for row in rows} == {acme.business_id}
    # Not in a row, not in the business filter, nowhere.
    assert b"Globex" not in response.content
    assert b"GLOBEX" not in response.content


@pytest.mark.parametrize("page", PAGES)
def test_another_business_row_by_url_is_absent(page, staff_client, acme_ledger, globex, globex_ledger):
    row = their_rows(globex_ledger, globex)[page]
    # Ledger pages have no history page at all (the ledger events are the record): test_pages.py.
    views = ("change",) if page in LEDGER_PAGES else ("change", "history")
    for view in views:
        response = staff_client.get(f"/admin/{page}/{row.pk}/{view}/", follow=True)
        assert response.redirect_chain == [("/admin/", 302)]
        assert "Perhaps it was deleted?" in " ".join(m.message for m in get_messages(response.wsgi_request))
        assert b"Globex" not in response.content and b"GLOBEX" not in response.content


@pytest.mark.parametrize("page", PAGES)
def test_a_superuser_sees_every_business(page, admin_client, acme, globex, acme_ledger, globex_ledger):
    response = admin_client.get(f"/admin/{page}/")
    rows = response.context["cl"].result_list
    assert {PAGES[page](row) for row in rows} == {acme.business_id, globex.business_id}


def test_search_and_filters_stay_inside_the_business(staff_client, acme, globex, acme_ledger, globex_ledger):
    def invoices(query):
        return [
            i.number for i in staff_client.get("/admin/invoices/invoice/", query).context["cl"].result_list
        ]

    assert invoices({"q": "ACME-1"}) == ["ACME-1"]
    assert invoices({"q": "ACME Account"}) == ["ACME-2", "ACME-1"]
    assert invoices({"q": str(acme_ledger.invoice.pk)}) == ["ACME-1"]
    assert invoices({"q": "GLOBEX-1"}) == []
    assert invoices({"q": str(globex_ledger.invoice.pk)}) == []
    # With one business there is no business filter; naming another one by hand finds nothing of it.
    assert invoices({"business__id__exact": str(globex.business_id)}) == []
    payments = staff_client.get("/admin/payments/payment/", {"q": "GLOBEX-fid"}).context["cl"].result_list
    assert list(payments) == []
    events = staff_client.get("/admin/ledger/ledgerevent/", {"invoice_id": str(globex_ledger.invoice.pk)})
    assert list(events.context["cl"].result_list) == []


def test_autocomplete_offers_only_the_staff_users_businesses(staff_client, acme, globex):
    def names(term):
        response = staff_client.get(
            "/admin/autocomplete/",
            {"app_label": "tenants", "model_name": "entity", "field_name": "business", "term": term},
        )
        assert response.status_code == 200
        return [result["text"] for result in response.json()["results"]]

    assert names("") == ["Acme"]
    assert names("Glo") == []


def test_form_choices_offer_and_accept_only_the_staff_users_rows(staff_client, acme, globex):
    response = staff_client.get("/admin/tenants/account/add/")
    entity_choices = [str(value) for value, _ in response.context["adminform"].form.fields["entity"].choices]
    assert str(acme.entity_ids[0]) in entity_choices
    assert str(globex.entity_ids[0]) not in entity_choices

    response = staff_client.post(
        "/admin/tenants/account/add/",
        {"entity": str(globex.entity_ids[0]), "name": "Sneaky", "currency": "USD"},
    )
    assert response.status_code == 200
    assert "entity" in response.context["adminform"].form.errors
    assert not Account.objects.across_tenants(reason="test").filter(name="Sneaky").exists()

    response = staff_client.post(
        "/admin/tenants/account/add/", {"entity": str(acme.entity_ids[0]), "name": "Fine", "currency": "USD"}
    )
    assert response.status_code == 302
    assert Account.objects.across_tenants(reason="test").get(name="Fine").business_id == acme.business_id


def test_actions_cannot_reach_another_business(staff_client, acme_ledger, globex_ledger):
    void_globex = staff_client.post(
        "/admin/invoices/invoice/",
        {"action": "void", "_selected_action": [str(globex_ledger.linked_invoice.pk)], "index": "0"},
    )
    assert void_globex.status_code == 302
    assert (
        Invoice.objects.across_tenants(reason="test").get(pk=globex_ledger.linked_invoice.pk).status
        == Invoice.Status.OPEN
    )

    apply_to_globex = staff_client.post(
        "/admin/invoices/invoice/",
        {"action": "apply_payment", "_selected_action": [str(globex_ledger.linked_invoice.pk)], "index": "0"},
        follow=True,
    )
    assert "Select exactly one row" in apply_to_globex.content.decode()

    # Acme's invoice, paid with Globex's payment: not a choice, so not a valid form.
    pay_with_globex = staff_client.post(
        "/admin/invoices/invoice/",
        {
            "action": "apply_payment",
            "_selected_action": [str(acme_ledger.linked_invoice.pk)],
            "payment": str(globex_ledger.payment.pk),
            "amount_from": "other",
            "other_amount": "1",
            "confirm": "Apply",
        },
    )
    assert pay_with_globex.status_code == 200
    assert "payment" in pay_with_globex.context["form"].errors
    assert (
        InvoicePayment.objects.across_tenants(reason="test").filter(payment=globex_ledger.payment).count()
        == 1
    )
    assert Invoice.objects.across_tenants(reason="test").get(
        pk=acme_ledger.linked_invoice.pk
    ).payment_amount == Decimal(0)


def test_a_staff_user_of_no_business_sees_nothing(client, acme_ledger, globex_ledger):
    client.force_login(back_office_user("nobody"))
    for page in PAGES:
        assert list(client.get(f"/admin/{page}/").context["cl"].result_list) == [], page


def test_a_staff_user_of_two_businesses_sees_both(client, acme, globex, acme_ledger, globex_ledger):
    client.force_login(back_office_user("bob", acme, globex))
    response = client.get("/admin/invoices/invoice/")
    assert {i.business_id for i in response.context["cl"].result_list} == {
        acme.business_id,
        globex.business_id,
    }
