from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from invoices import services as invoice_services
from invoices.models import PaymentLink
from payments import services

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def sent(tenant):
    account = tenant.account(name="Acme Ltd")
    invoice = tenant.invoice(
        "150.00", account=account, status="draft", number="INV-P", due_date=timezone.localdate()
    )
    return invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)


def _page(link):
    response = Client().get(f"/pay/{link.code}")
    return response, response.content.decode()


def test_an_active_link_says_how_much_is_due(tenant, sent):
    invoice, link = sent
    payment = tenant.payment("50", account=invoice.account)
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("50"))
    response, page = _page(link)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert tenant.provisioned.business.name in page and "Invoice INV-P" in page
    assert "This payment link is active: 100.00 USD is due on this invoice." in page
    assert "<td>Active</td>" in page and timezone.localdate().isoformat() in page
    assert "no longer active" not in page


def test_a_canceled_link_is_no_longer_active_and_gives_the_invoice_status(
    tenant, sent, django_capture_on_commit_callbacks
):
    invoice, link = sent
    with django_capture_on_commit_callbacks(execute=True):
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)
    response, page = _page(link)
    link.refresh_from_db()
    assert link.status == "canceled"
    assert response.status_code == 200
    assert "This payment link is no longer active. The invoice is void." in page
    assert "<td>Canceled</td>" in page and "INV-P" in page


def test_after_a_partial_external_payment_the_link_asks_for_the_rest(
    tenant, sent, django_capture_on_commit_callbacks
):
    invoice, link = sent
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("20"), currency="USD"
        )
    _, page = _page(link)
    assert "This payment link is active: 130.00 USD is due on this invoice." in page


def test_an_expired_link_is_no_longer_active(tenant, sent):
    _, link = sent
    PaymentLink.objects.across_tenants(reason="test").filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    _, page = _page(link)
    assert "<td>Expired</td>" in page and "no longer active. The invoice is open." in page


def test_a_link_whose_cancellation_is_still_queued_is_already_shown_canceled(tenant, sent):
    """The broker may be down when the payment commits: the page must not offer a link being canceled."""
    invoice, link = sent
    services.payment_apply(
        ctx=tenant.ctx(),
        invoice_id=invoice.id,
        payment_id=tenant.payment("150", account=invoice.account).id,
        amount=D("150"),
    )
    PaymentLink.objects.across_tenants(reason="test").filter(pk=link.pk).update(
        status=PaymentLink.Status.ACTIVE, canceled_at=None
    )
    _, page = _page(link)
    assert "<td>Canceled</td>" in page and "no longer active. The invoice is paid." in page


@pytest.mark.parametrize("code", ["nope", "x" * 65, "%00", "a%20b", "%F0%9F%92%B3"])
def test_an_unknown_code_is_a_404_page(code):
    response = Client().get(f"/pay/{code}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Payment link not found" in response.content.decode()


def test_the_page_keeps_its_code_out_of_referers_caches_and_indexes(sent):
    response, _ = _page(sent[1])
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]
    assert response["x-request-id"]


def test_the_page_only_answers_reads(sent):
    assert Client().post(f"/pay/{sent[1].code}").status_code == 405


def test_business_names_are_escaped(tenant, sent):
    business = tenant.provisioned.business
    business.name = "<script>alert(1)</script>"
    business.save()
    _, page = _page(sent[1])
    assert "<script>alert" not in page and "&lt;script&gt;" in page
