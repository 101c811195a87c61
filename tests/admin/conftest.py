"""Two businesses with a bit of everything, and staff users of the first.

Acme is the staff user's business; Globex is another tenant whose rows must never show. Their names are
distinct words so that "not in the page" assertions cannot match by accident.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from api.models import IdempotencyKey
from invoices.models import Invoice, PaymentLink
from invoices.services import invoice_send
from payments.models import InvoicePayment, Payment, Receipt, Refund
from payments.services import RefundPart, payment_apply, refund_create
from tests.factories import Tenant, make_tenant

PASSWORD = "correct horse battery staple"
BACK_OFFICE_APPS = ("tenants", "invoices", "ledger", "payments", "api")

# Each page, and how to find the business of a row it lists.
PAGES = {
    "tenants/business": lambda row: row.pk,
    "tenants/entity": lambda row: row.business_id,
    "tenants/account": lambda row: row.business_id,
    "tenants/apiclient": lambda row: row.business_id,
    "invoices/invoice": lambda row: row.business_id,
    "invoices/paymentlink": lambda row: row.business_id,
    "payments/payment": lambda row: row.business_id,
    "payments/invoicepayment": lambda row: row.business_id,
    "payments/refund": lambda row: row.business_id,
    "payments/receipt": lambda row: row.business_id,
    "ledger/ledgerevent": lambda row: row.business_id,
    "api/idempotencykey": lambda row: row.business_id,
}
# The pages of rows the admin never edits: the ledger and its records.
LEDGER_PAGES = [
    "invoices/invoice",
    "invoices/paymentlink",
    "payments/payment",
    "payments/invoicepayment",
    "payments/refund",
    "payments/receipt",
    "ledger/ledgerevent",
    "api/idempotencykey",
]


def back_office_user(username: str, *tenants: Tenant, codenames: tuple[str, ...] = ()) -> User:
    """A staff user assigned to `tenants`' businesses holding every permission of the back-office apps
    (or only `codenames`): what the admin itself still refuses is what the tests look at."""
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    permissions = Permission.objects.filter(content_type__app_label__in=BACK_OFFICE_APPS)
    if codenames:
        permissions = permissions.filter(codename__in=codenames)
    user.user_permissions.set(permissions)
    for tenant in tenants:
        tenant.provisioned.business.staff.add(user)
    if codenames:
        # Made staff of a business, they were given the back-office group: only `codenames` here.
        user.groups.clear()
    return user


@dataclass
class Ledger:
    """One business's rows of every kind the back office shows."""

    invoice: Invoice
    payment: Payment
    application: InvoicePayment
    refund: Refund
    receipt: Receipt
    linked_invoice: Invoice
    link: PaymentLink
    key: IdempotencyKey


def make_ledger(tenant: Tenant, prefix: str) -> Ledger:
    """Invoice `{prefix}-1` (100) paid 60 by payment `{prefix}-ref` (100), 10 of that refunded; invoice
    `{prefix}-2` (50) with an active payment link; one idempotency key."""
    ctx = tenant.ctx()
    account = tenant.account(email="", name=f"{prefix} Account")
    invoice = tenant.invoice("100", account=account, number=f"{prefix}-1")
    payment = tenant.payment("100", account=account, reference=f"{prefix}-ref", foreign_id=f"{prefix}-fid")
    application = payment_apply(ctx=ctx, invoice_id=invoice.pk, payment_id=payment.pk, amount=Decimal(60))
    refund = refund_create(
        ctx=ctx, payment_id=payment.pk, amount=Decimal(10), parts=[RefundPart(invoice.pk, Decimal(10))]
    )
    linked_invoice, link = invoice_send(
        ctx=ctx, invoice_id=tenant.invoice("50", account=account, number=f"{prefix}-2").pk
    )
    key = IdempotencyKey.objects.across_tenants(reason="test").create(
        business_id=tenant.business_id,
        client=tenant.client,
        key=f"{prefix}-key",
        method="POST",
        path="/api/v1/transactions",
        body_sha256="0" * 64,
        created_at=timezone.now(),
    )
    return Ledger(
        invoice=Invoice.objects.across_tenants(reason="test").get(pk=invoice.pk),
        payment=Payment.objects.across_tenants(reason="test").get(pk=payment.pk),
        application=InvoicePayment.objects.across_tenants(reason="test").get(pk=application.pk),
        refund=refund,
        receipt=Receipt.objects.across_tenants(reason="test").get(invoice_payment=application),
        linked_invoice=linked_invoice,
        link=link,
        key=key,
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Staff users log in with passwords; PBKDF2's deliberate slowness would only slow the tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture
def acme(db):
    return make_tenant(name="Acme")


@pytest.fixture
def globex(db):
    return make_tenant(name="Globex")


@pytest.fixture
def acme_ledger(acme):
    return make_ledger(acme, "ACME")


@pytest.fixture
def globex_ledger(globex):
    return make_ledger(globex, "GLOBEX")


@pytest.fixture
def staff(acme):
    return back_office_user("alice", acme)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
