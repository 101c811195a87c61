"""Another business's account or invoice is a 404 exactly like a missing one, on every route, and
changes nothing; lists show nothing of it."""

import uuid

import pytest

from invoices import services as invoice_services
from invoices.models import Invoice
from payments import services
from payments.models import Payment
from tests.api.moov.helpers import invoices_path
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db
AMOUNT = {"currency": "USD", "valueDecimal": "1.00"}


def _sent(tenant, account):
    invoice = tenant.invoice("100.00", account=account, status="draft")
    return invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)[0]


def _routes(account, invoice_id):
    return [
        ("get", invoices_path(account, invoice_id), None),
        ("patch", invoices_path(account, invoice_id), {"status": "canceled", "description": "x"}),
        ("get", invoices_path(account, invoice_id, "/payments"), None),
        ("post", invoices_path(account, invoice_id, "/payments"), {"amount": AMOUNT}),
    ]


def _call(client, method, path, body):
    return getattr(client, method)(path, body, format="json") if body else client.get(path)


def _state(tenant):
    invoices = Invoice.objects.for_tenant(tenant.ctx()).order_by("id")
    return [(i.status, i.description, i.payment_amount) for i in invoices], Payment.objects.for_tenant(
        tenant.ctx()
    ).count()


@pytest.fixture
def theirs(other_tenant):
    account = other_tenant.account(email="them@other.test")
    return account, _sent(other_tenant, account)


def test_another_business_s_account_is_a_404_on_every_route(moov, other_tenant, theirs):
    account, invoice = theirs
    before = _state(other_tenant)
    routes = [
        ("get", invoices_path(account), None),
        ("post", invoices_path(account), {"totalAmount": AMOUNT}),
        *_routes(account, invoice.id),
    ]
    for method, path, body in routes:
        response = _call(moov, method, path, body)
        assert (response.status_code, response.json()) == (404, {"error": "account not found"}), (
            method,
            path,
        )
        missing = _call(moov, method, path.replace(str(account.id), str(uuid.uuid4())), body)
        assert missing.json() == response.json()
    assert _state(other_tenant) == before


def test_another_business_s_invoice_under_my_account_is_a_404_on_every_route(
    moov, account, other_tenant, theirs
):
    _, invoice = theirs
    before = _state(other_tenant)
    for method, path, body in _routes(account, invoice.id):
        response = _call(moov, method, path, body)
        assert (response.status_code, response.json()) == (404, {"error": "invoice not found"}), (
            method,
            path,
        )
        missing = _call(moov, method, path.replace(str(invoice.id), str(uuid.uuid4())), body)
        assert missing.json() == response.json()
    assert _state(other_tenant) == before


def test_an_invoice_of_another_of_my_accounts_is_a_404_under_this_one(moov, tenant, account):
    other_account = tenant.account(email="b@acme.test")
    invoice = _sent(tenant, other_account)
    before = _state(tenant)
    for method, path, body in _routes(account, invoice.id):
        assert _call(moov, method, path, body).status_code == 404, (method, path)
    assert _state(tenant) == before


@pytest.mark.parametrize("bad", ["not-a-uuid", "1", "x" * 300])
def test_malformed_ids_are_404s(moov, tenant, account, bad):
    invoice = _sent(tenant, account)
    assert moov.get(invoices_path(bad)).json() == {"error": "account not found"}
    assert moov.get(invoices_path(account, bad)).json() == {"error": "invoice not found"}
    assert moov.get(invoices_path(bad, invoice.id, "/payments")).status_code == 404


def test_lists_show_nothing_of_another_business(moov, tenant, account, other_tenant, theirs):
    _, their_invoice = theirs
    mine = _sent(tenant, account)
    their_payment = other_tenant.payment("5", account=their_invoice.account)
    services.payment_apply(
        ctx=other_tenant.ctx(),
        invoice_id=their_invoice.id,
        payment_id=their_payment.id,
        amount=their_payment.amount,
    )
    assert [row["invoiceID"] for row in moov.get(invoices_path(account)).json()] == [str(mine.id)]
    assert moov.get(invoices_path(account, mine.id, "/payments")).json() == []
    assert moov.get(invoices_path(account, mine.id)).json()["invoicePayments"] == []


def test_an_entity_the_client_is_not_granted_hides_its_accounts(api, db):
    tenant = make_tenant(entities=2)
    tenant.client.all_entities = False
    tenant.client.save()
    tenant.client.entities.set([tenant.entity_ids[0]])
    hidden = tenant.account(entity_id=tenant.entity_ids[1])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.token}")
    assert api.get(invoices_path(hidden)).json() == {"error": "account not found"}
