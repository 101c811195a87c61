from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceNotice, PaymentLink
from payments import services
from tests.api.moov.helpers import golden, invoice_body, invoices_path

pytestmark = pytest.mark.django_db
D = Decimal


def _create(moov, account, value="100.00", **fields):
    return moov.post(
        invoices_path(account), invoice_body(account, value, account.currency, **fields), format="json"
    )


def _patch(moov, account, invoice_id, body):
    return moov.patch(invoices_path(account, invoice_id), body, format="json")


def _invoices(tenant):
    return Invoice.objects.for_tenant(tenant.ctx())


def test_create_returns_a_draft(moov, tenant, account):
    response = _create(
        moov,
        account,
        "1250.50",
        invoiceNumber="INV-1001",
        description="Consulting, January",
        invoiceDate="2026-01-16",
        dueDate="2026-02-16T00:00:00Z",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    names = {account.id: "account", account.entity_id: "merchant", tenant.business_id: "business"}
    golden("invoice_create", body, {**names, body["invoiceID"]: "invoice"})
    assert body["status"] == "draft"
    assert body["totalAmount"] == body["subtotalAmount"] == {"currency": "USD", "valueDecimal": "1250.50"}
    # Nothing is in flight or disputed: payments here settle when they are recorded.
    assert body["pendingAmount"] == body["disputedAmount"] == {"currency": "USD", "valueDecimal": "0.00"}
    assert (body["customerAccountID"], body["customerDisplayName"]) == (str(account.id), "Acme Ltd")
    assert (body["customerEmail"], body["partnerAccountID"]) == ("ap@acme.test", str(tenant.business_id))
    assert (body["invoiceDate"], body["dueDate"]) == ("2026-01-16T00:00:00Z", "2026-02-16T00:00:00Z")
    assert "paymentLinkCode" not in body and "sentOn" not in body
    invoice = _invoices(tenant).get(pk=body["invoiceID"])
    assert (invoice.amount, invoice.status, invoice.account_id) == (D("1250.50"), "draft", account.id)


def test_create_defaults_and_nine_decimal_places(moov, account):
    body = _create(moov, account, "12.987654321").json()
    assert body["totalAmount"]["valueDecimal"] == "12.987654321"
    assert body["invoiceNumber"] == "INV-1"  # the merchant's first
    assert body["description"] == ""
    assert body["invoiceDate"] == f"{timezone.localdate().isoformat()}T00:00:00Z"
    assert "dueDate" not in body


def test_a_date_time_keeps_the_date_as_written(moov, account):
    body = _create(moov, account, dueDate="2026-03-31T23:30:00-05:00").json()
    assert body["dueDate"] == "2026-03-31T00:00:00Z"


def _at_line(error: dict) -> dict:
    """An error of the first line's base price, where CreateInvoiceError has it."""
    return {"lineItems": {"items": {"0": {"basePrice": error}}}}


@pytest.mark.parametrize(
    ("price", "errors"),
    [
        # A message meant for the whole amount stands on its first field: the SDK's model has no other.
        (None, _at_line({"currency": "must not be null"})),
        ("100.00", _at_line({"currency": "must be an object with currency and valueDecimal"})),
        ({"valueDecimal": "1.00"}, _at_line({"currency": "is required"})),
        (
            {"currency": "usd", "valueDecimal": "1.00"},
            _at_line({"currency": "must be a 3-letter ISO 4217 currency code"}),
        ),
        (
            {"currency": "XTS", "valueDecimal": "1.00"},
            _at_line({"currency": "XTS is not a supported ISO 4217 currency"}),
        ),
        (
            {"currency": "USD", "valueDecimal": 12.5},
            _at_line({"valueDecimal": 'must be a decimal string such as "12.34"'}),
        ),
        (
            {"currency": "USD", "valueDecimal": "1e3"},
            _at_line({"valueDecimal": 'must be a decimal string such as "12.34"'}),
        ),
        (
            {"currency": "USD", "valueDecimal": "-5.00"},
            _at_line({"valueDecimal": "must be greater than zero"}),
        ),
        (
            {"currency": "USD", "valueDecimal": "1.1234567891"},
            _at_line({"valueDecimal": "must have at most 9 decimal places"}),
        ),
        (
            {"currency": "USD", "valueDecimal": "1" * 20},
            _at_line({"valueDecimal": "must be less than 1000000000000000"}),
        ),
        ({"currency": "EUR", "valueDecimal": "1.00"}, _at_line({"currency": "the account bills in USD"})),
    ],
)
def test_create_refuses_a_bad_price_and_creates_nothing(moov, tenant, account, price, errors):
    body = invoice_body(account)
    body["lineItems"]["items"][0]["basePrice"] = price
    response = moov.post(invoices_path(account), body, format="json")
    assert response.status_code == 422, response.content
    assert response.json() == errors
    assert not _invoices(tenant).exists()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"invoiceNumber": "N" * 65}, {"invoiceNumber": "must be at most 64 characters"}),
        ({"invoiceNumber": 1001}, {"invoiceNumber": "must be a string"}),
        ({"description": None}, {"description": "must not be null"}),
        ({"description": "nul\x00"}, {"description": "must not contain NUL characters"}),
        ({"dueDate": "2026-02-30"}, {"dueDate": "must be a date (YYYY-MM-DD) or an RFC 3339 date-time"}),
        ({"dueDate": "next week"}, {"dueDate": "must be a date (YYYY-MM-DD) or an RFC 3339 date-time"}),
        ({"invoiceDate": 20260101}, {"invoiceDate": "must be a date (YYYY-MM-DD) or an RFC 3339 date-time"}),
        (
            {"invoiceDate": "2026-03-01", "dueDate": "2026-02-01"},
            {"dueDate": "the due date is before the invoice date"},
        ),
        ({"customerAccountID": "acme"}, {"customerAccountID": "must be a UUID"}),
        ({"customerEmail": "not-an-email"}, {"customerEmail": "Enter a valid email address."}),
        (
            {
                "lineItems": {
                    "items": [
                        {"name": "", "basePrice": {"currency": "USD", "valueDecimal": "1"}, "quantity": 0}
                    ]
                }
            },
            {
                "lineItems": {
                    "items": {
                        "0": {
                            "name": "must not be blank",
                            "quantity": "Ensure this value is greater than or equal to 1.",
                        }
                    }
                }
            },
        ),
        (
            {"amountDetails": {"tax": {"currency": "USD", "valueDecimal": "-1"}}},
            {"amountDetails": {"tax": "valueDecimal: must be greater than zero"}},
        ),
        (
            {"amountDetails": {"surcharge": {"currency": "EUR", "valueDecimal": "1"}}},
            {"amountDetails": {"surcharge": "must be USD, the currency of the invoice's first line"}},
        ),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(moov, tenant, account, fields, errors):
    response = moov.post(invoices_path(account), invoice_body(account, **fields), format="json")
    assert response.status_code == 422, response.content
    assert response.json() == errors
    assert not _invoices(tenant).exists()


def test_create_requires_the_customer_and_the_lines(moov, tenant, account):
    response = moov.post(invoices_path(account), {}, format="json")
    # CreateInvoiceError has no place for a message about the lines as a whole: the customer's is kept.
    assert (response.status_code, response.json()) == (422, {"customerAccountID": "is required"})
    response = moov.post(invoices_path(account), {"customerAccountID": str(account.id)}, format="json")
    assert (response.status_code, response.json()) == (400, {"error": "lineItems: is required"})


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "NaN"])
def test_malformed_or_non_object_json_is_a_400(moov, tenant, account, raw):
    response = moov.post(invoices_path(account), raw, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert not _invoices(tenant).exists()


def test_a_duplicate_invoice_number_is_a_409(moov, account):
    assert _create(moov, account, invoiceNumber="INV-7").status_code == 201
    response = _create(moov, account, invoiceNumber="INV-7")
    assert (response.status_code, response.json()) == (409, {"error": "invoice number INV-7 already exists"})


def test_get_one(moov, account):
    created = _create(moov, account, invoiceNumber="INV-2").json()
    response = moov.get(invoices_path(account, created["invoiceID"]))
    assert response.status_code == 200
    assert response.json() == created


def test_sending_opens_the_invoice_creates_its_link_and_emails_the_account(
    moov, tenant, account, smtp, django_capture_on_commit_callbacks
):
    created = _create(moov, account, "250.00", invoiceNumber="INV-S", dueDate="2099-01-31").json()
    with django_capture_on_commit_callbacks(execute=True):
        response = _patch(moov, account, created["invoiceID"], {"status": "unpaid"})
    assert response.status_code == 200, response.content
    body = response.json()
    link = PaymentLink.objects.for_tenant(tenant.ctx()).get()
    names = {account.id: "account", created["invoiceID"]: "invoice"}
    names |= {account.entity_id: "merchant", tenant.business_id: "business"}
    golden("invoice_sent", body, names, codes=[link.code])
    assert body["status"] == "unpaid"
    assert body["paymentLinkCode"] == link.code
    assert body["paymentLinkURL"] == f"{settings.PUBLIC_BASE_URL}/pay/{link.code}"
    assert "sentOn" in body
    [message] = smtp.messages
    assert message["To"] == "ap@acme.test"
    assert message["Subject"] == f"Invoice INV-S from {tenant.provisioned.business.name}: 250.00 USD due"
    assert body["paymentLinkURL"] in message.get_body(("plain",)).get_content()
    assert InvoiceNotice.objects.for_tenant(tenant.ctx()).get().status == "sent"


def test_sending_again_changes_nothing_and_emails_no_one(
    moov, tenant, account, smtp, django_capture_on_commit_callbacks
):
    created = _create(moov, account).json()
    with django_capture_on_commit_callbacks(execute=True):
        first = _patch(moov, account, created["invoiceID"], {"status": "unpaid"}).json()
        again = _patch(moov, account, created["invoiceID"], {"status": "unpaid"})
    assert again.status_code == 200
    assert again.json() == first
    assert len(smtp.messages) == 1
    assert PaymentLink.objects.for_tenant(tenant.ctx()).count() == 1


def test_an_open_invoice_never_sent_is_sent_by_unpaid(
    moov, tenant, account, smtp, django_capture_on_commit_callbacks
):
    invoice = tenant.invoice("40.00", account=account, status="open")
    with django_capture_on_commit_callbacks(execute=True):
        body = _patch(moov, account, invoice.id, {"status": "unpaid"}).json()
    assert body["status"] == "unpaid" and "paymentLinkCode" in body and "sentOn" in body
    assert len(smtp.messages) == 1


def test_cancel_voids_the_invoice_and_its_link(moov, tenant, account, django_capture_on_commit_callbacks):
    created = _create(moov, account).json()
    with django_capture_on_commit_callbacks(execute=True):
        _patch(moov, account, created["invoiceID"], {"status": "unpaid"})
        response = _patch(moov, account, created["invoiceID"], {"status": "canceled"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "canceled" and "canceledOn" in body
    assert PaymentLink.objects.for_tenant(tenant.ctx()).get().status == "canceled"
    again = _patch(moov, account, created["invoiceID"], {"status": "canceled"})
    assert (again.status_code, again.json()["status"]) == (200, "canceled")


def test_a_draft_can_be_canceled(moov, account):
    created = _create(moov, account).json()
    assert _patch(moov, account, created["invoiceID"], {"status": "canceled"}).json()["status"] == "canceled"


@pytest.mark.parametrize(
    ("state", "status"), [("paid", "unpaid"), ("canceled", "unpaid"), ("paid", "canceled")]
)
def test_a_status_the_invoice_cannot_take_is_a_409(moov, tenant, account, state, status):
    invoice = tenant.invoice("10.00", account=account)
    if state == "paid":
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("10"), currency="USD"
        )
    else:
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)
    response = _patch(moov, account, invoice.id, {"status": status})
    assert response.status_code == 409
    assert set(response.json()) == {"error"}


def test_a_patch_is_all_or_nothing(moov, tenant, account, smtp, django_capture_on_commit_callbacks):
    # Canceling an invoice that has a payment fails after the description was changed: both are undone.
    invoice = tenant.invoice("10.00", account=account, description="before")
    services.payment_record_for_invoice(
        ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("4"), currency="USD"
    )
    response = _patch(moov, account, invoice.id, {"status": "canceled", "description": "after"})
    assert response.status_code == 409
    invoice.refresh_from_db()
    assert (invoice.description, invoice.status) == ("before", "partially_paid")
    # A send that fails on its due date leaves the draft a draft, with no link and no email.
    draft = tenant.invoice("10.00", account=account, status="draft", invoice_date=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        response = _patch(moov, account, draft.id, {"status": "unpaid", "dueDate": "2000-01-01"})
    assert (response.status_code, response.json()) == (
        422,
        {"dueDate": "the due date is before the invoice date"},
    )
    draft.refresh_from_db()
    assert draft.status == "draft" and not draft.payment_links.exists()
    assert smtp.messages == []


def test_patch_changes_due_date_and_description(moov, account):
    created = _create(moov, account, dueDate="2099-01-01").json()
    response = _patch(moov, account, created["invoiceID"], {"dueDate": "2099-02-01", "description": "Net 30"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dueDate"], body["description"], body["status"]) == (
        "2099-02-01T00:00:00Z",
        "Net 30",
        "draft",
    )
    assert _patch(moov, account, created["invoiceID"], {}).json() == body


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"status": "paid"}, {"status": "must be one of unpaid, canceled"}),
        ({"status": None}, {"status": "must not be null"}),
        ({"dueDate": "31/01/2099"}, {"dueDate": "must be a date (YYYY-MM-DD) or an RFC 3339 date-time"}),
        ({"description": ["a"]}, {"description": "must be a string"}),
    ],
)
def test_patch_refuses_bad_input(moov, tenant, account, body, errors):
    created = _create(moov, account).json()
    response = _patch(moov, account, created["invoiceID"], body)
    assert (response.status_code, response.json()) == (422, errors)
    assert _invoices(tenant).get().status == "draft"


def test_details_of_a_paid_invoice_cannot_change(moov, tenant, account):
    invoice = tenant.invoice("10.00", account=account)
    services.payment_record_for_invoice(
        ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("10"), currency="USD"
    )
    response = _patch(moov, account, invoice.id, {"description": "late edit"})
    assert (response.status_code, response.json()) == (
        409,
        {"error": "the invoice is paid; its details can no longer change"},
    )


def test_overdue_is_unpaid_past_the_due_date(moov, tenant, account):
    today = timezone.localdate()
    invoice = tenant.invoice(
        "10.00", account=account, invoice_date=today - timedelta(days=40), due_date=today - timedelta(days=1)
    )
    assert moov.get(invoices_path(account, invoice.id)).json()["status"] == "overdue"
    due_today = tenant.invoice("10.00", account=account, due_date=today)
    assert moov.get(invoices_path(account, due_today.id)).json()["status"] == "unpaid"


def test_list_with_status_filters_and_paging(moov, tenant, account):
    today = timezone.localdate()
    past = today - timedelta(days=1)
    draft = tenant.invoice("1.00", account=account, status="draft", number="INV-A")
    unpaid = tenant.invoice("2.00", account=account, number="INV-B", due_date=today)
    overdue = tenant.invoice("3.00", account=account, number="INV-C", invoice_date=past, due_date=past)
    partly = tenant.invoice("4.00", account=account, number="INV-D")
    services.payment_record_for_invoice(ctx=tenant.ctx(), invoice_id=partly.id, amount=D("1"), currency="USD")
    paid = tenant.invoice("5.00", account=account, number="INV-E")
    services.payment_record_for_invoice(ctx=tenant.ctx(), invoice_id=paid.id, amount=D("5"), currency="USD")
    canceled = tenant.invoice("6.00", account=account, number="INV-F")
    invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=canceled.id)
    other = tenant.invoice("7.00", number="INV-OTHER-ACCOUNT")  # another customer of the same merchant

    def numbers(query=""):
        response = moov.get(invoices_path(account) + query)
        assert response.status_code == 200, response.content
        return [row["invoiceNumber"] for row in response.json()]

    assert numbers() == ["INV-A", "INV-B", "INV-C", "INV-D", "INV-E", "INV-F", "INV-OTHER-ACCOUNT"]
    assert numbers(f"?customerAccountID={other.account_id}") == ["INV-OTHER-ACCOUNT"]
    assert numbers(f"?customerAccountID={account.id}") == [
        "INV-A",
        "INV-B",
        "INV-C",
        "INV-D",
        "INV-E",
        "INV-F",
    ]
    assert numbers("?status=draft") == ["INV-A"]
    assert numbers("?status=unpaid") == ["INV-B", "INV-D", "INV-OTHER-ACCOUNT"]
    assert numbers("?status=overdue") == ["INV-C"]
    assert numbers("?status=paid") == ["INV-E"]
    assert numbers("?status=canceled") == ["INV-F"]
    assert numbers("?status=payment-pending") == []
    assert numbers("?skip=1&count=2") == ["INV-B", "INV-C"]
    assert numbers("?status=unpaid&skip=1") == ["INV-D", "INV-OTHER-ACCOUNT"]
    assert numbers("?skip=7") == []
    names = {account.id: "account", draft.id: "draft", unpaid.id: "unpaid", overdue.id: "overdue"}
    names |= {account.entity_id: "merchant", tenant.business_id: "business"}
    golden("invoice_list", moov.get(invoices_path(account) + "?count=3").json(), names)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("status=late", {"status": "must be one of draft, unpaid, overdue, payment-pending, paid, canceled"}),
        ("count=0", {"count": "must be at least 1"}),
        ("count=201", {"count": "must be at most 200"}),
        ("count=ten", {"count": "must be an integer"}),
        ("skip=-1", {"skip": "must be at least 0"}),
        (f"skip={10**30}", {"skip": "must be at most 2147483647"}),
    ],
)
def test_list_refuses_a_bad_query(moov, account, query, errors):
    response = moov.get(f"{invoices_path(account)}?{query}")
    assert (response.status_code, response.json()) == (422, errors)


def test_the_list_costs_the_same_queries_for_one_invoice_or_many(
    moov, tenant, account, django_assert_max_num_queries
):
    for _ in range(5):
        invoice = tenant.invoice("10.00", account=account)
        invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("1"), currency="USD"
        )
    # Authentication, the account, then the invoices with their applications, payments and links.
    with django_assert_max_num_queries(12):
        response = moov.get(invoices_path(account))
    assert len(response.json()) == 5


def test_an_invoice_is_emailed_again_at_most_once_a_minute(
    moov, tenant, account, smtp, settings, django_capture_on_commit_callbacks
):
    settings.INVOICE_EMAIL_RATE_LIMIT = "1/minute"
    invoice = tenant.invoice("10.00", account=account, status="draft")
    invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)
    path = invoices_path(account, invoice.id, "/notifications")
    with django_capture_on_commit_callbacks(execute=True):
        first = moov.post(path, {"channels": ["email"]}, format="json")
        again = moov.post(path, {"channels": ["email"]}, format="json")
    assert first.status_code == 204
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    body = again.json()
    assert (body["availableChannels"], body["limitedChannels"][0]["channel"]) == ([], "email")
    assert InvoiceNotice.objects.for_tenant(tenant.ctx()).count() == 2  # the send's and the first again
