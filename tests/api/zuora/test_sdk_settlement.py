"""The Invoice Settlement API (/v1/accounts, /v1/invoices, /v1/payments, /v1/refunds) driven by zuora-sdk's
own AccountsApi, InvoicesApi, PaymentsApi and RefundsApi against a live server: every answer is read by the
operation's `_response_types_map` into the SDK's models, every refusal into the model of its status."""

import json
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from zuora_sdk.exceptions import ApiException
from zuora_sdk.models import (
    AccountDetailResponse,
    ApplyPaymentInvoiceApplication,
    ApplyPaymentRequest,
    AsyncOperationResponse,
    CommonErrorResponse,
    CommonResponse,
    CreateAccountContact,
    CreateAccountRequest,
    CreateAccountResponse,
    CreateInvoiceItem,
    CreateInvoiceRequest,
    CreatePaymentInvoiceApplication,
    CreatePaymentRequest,
    CreateRefundRequest,
    CreateRefundwithAutoUnapply,
    GetInvoiceApplicationPartsRequest,
    GetPaymentPartResponse,
    GetPaymentPartsResponse,
    GetPaymentsResponse,
    GetRefundPartsResponse,
    GetRefundsResponse,
    InvoiceItemsResponse,
    InvoiceResponse,
    PaymentResponse,
    PostAsyncInvoiceRequest,
    ProxyUnauthorizedResponse,
    RefundResponse,
    UnapplyPaymentInvoiceApplication,
    UnapplyPaymentRequest,
    UpdatePaymentRequest,
)
from zuora_sdk.zuora_client import ZuoraClient

from payments.models import Payment
from tests.api.dayzero.helpers import client_for
from tests.api.moov.sdk_client import amount_of, basic_client
from tests.api.zuora.sdk_client import CRUD, call
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOUND, INVALID, RULE, UNKNOWN_FIELD = "50000040", "50000020", "50000030", "50000021"


@pytest.fixture
def tenant(transactional_db):
    return make_tenant()


@pytest.fixture
def sdk(zuora, tenant) -> ZuoraClient:
    client = zuora(tenant.client.client_id, tenant.provisioned.client_secret)
    client.initialize()
    return client


# --- building blocks, each through the SDK ---------------------------------------------------------------


def new_account(client: ZuoraClient, name: str = "Acme", **headers) -> CreateAccountResponse:
    contact = CreateAccountContact(first_name="Ada", last_name="Lovelace", work_email="ap@acme.test")
    request = CreateAccountRequest(name=name, currency="USD", bill_to_contact=contact)
    return client.accounts_api().create_account(request, **headers)


def new_invoice(client: ZuoraClient, account_id: str, *amounts: str, status="Posted", **headers):
    items = [
        CreateInvoiceItem(
            amount=Decimal(amount), service_start_date=date(2026, 1, 1), charge_name=f"Item {n}"
        )
        for n, amount in enumerate(amounts, 1)
    ]
    request = CreateInvoiceRequest(
        account_id=account_id, invoice_date=date(2026, 1, 5), invoice_items=items, status=status
    )
    return client.invoices_api().create_standalone_invoice(request, **headers)


def new_payment(client: ZuoraClient, account_id: str, amount, invoices=(), **headers) -> PaymentResponse:
    """An External payment; `invoices` as (invoice id, amount) pairs to apply it to at once."""
    request = CreatePaymentRequest(
        account_id=account_id,
        amount=amount,
        currency="USD",
        type="External",
        effective_date="2026-01-10",
        invoices=[CreatePaymentInvoiceApplication(invoice_id=key, amount=value) for key, value in invoices]
        or None,
    )
    return client.payments_api().create_payment(request, **headers)


def parts(*pairs) -> list[ApplyPaymentInvoiceApplication]:
    return [ApplyPaymentInvoiceApplication(invoice_id=key, amount=value) for key, value in pairs]


def refused(operation, *args, **kwargs) -> ApiException:
    with pytest.raises(ApiException) as caught:
        operation(*args, **kwargs)
    return caught.value


def reason(refusal: ApiException, status: int = 400) -> tuple[str, str]:
    """A CommonResponse refusal's first reason; its envelope checked on the way."""
    assert refusal.status == status, refusal.body
    assert isinstance(refusal.data, CommonResponse), refusal.body
    assert refusal.data.success is False and refusal.data.request_id
    return refusal.data.reasons[0].code, refusal.data.reasons[0].message


def figures(payment) -> tuple:
    return payment.amount, payment.applied_amount, payment.unapplied_amount, payment.refund_amount


def balances(invoice: InvoiceResponse) -> tuple:
    return invoice.amount, invoice.payment_amount, invoice.refund_amount, invoice.balance


# --- credentials ----------------------------------------------------------------------------------------


def test_initialize_gets_a_token_for_the_credentials_provisioning_printed(zuora, transactional_db):
    out = StringIO()
    call_command("provision_tenant", "--name", "Printed", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    client = zuora(printed["client_id"], printed["client_secret"])
    client.initialize()
    assert client.token["access_token"]
    created = new_account(client)
    assert isinstance(created, CreateAccountResponse) and created.success is True
    assert created.account_number.startswith("A") and len(created.account_id) == 32


def test_a_wrong_token_is_proxy_unauthorized_response(sdk):
    sdk.api_client.default_headers["Authorization"] = "Bearer nope"
    unauthorized = refused(sdk.accounts_api().get_account, "A00000001")
    assert unauthorized.status == 401 and isinstance(unauthorized.data, ProxyUnauthorizedResponse)
    assert unauthorized.data.message == "Authentication error"


# --- accounts and invoices ------------------------------------------------------------------------------


def test_an_account_created_and_read_by_id_and_by_number(sdk):
    created = new_account(sdk, "Acme Ltd")
    accounts = sdk.accounts_api()
    by_id = accounts.get_account(created.account_id)
    by_number = accounts.get_account(created.account_number)
    assert isinstance(by_id, AccountDetailResponse)
    assert by_id.to_dict() == by_number.to_dict()
    assert (by_id.basic_info.id, by_id.basic_info.account_number) == (
        created.account_id,
        created.account_number,
    )
    assert by_id.basic_info.name == "Acme Ltd" and by_id.billing_and_payment.currency == "USD"
    assert by_id.bill_to_contact.work_email == "ap@acme.test"
    assert (by_id.metrics.total_invoice_balance, by_id.metrics.unapplied_payment_amount) == (0, 0)


def test_an_account_missing_its_contact_is_refused_by_name(sdk):
    body = {"name": "Acme", "currency": "USD"}
    refusal = refused(_raw, sdk, "create_account", body)
    assert reason(refusal) == ("50000022", "billToContact: This field is required.")


def test_a_standalone_invoice_its_items_and_a_draft_posted_then_one_canceled(sdk):
    account = new_account(sdk)
    draft = new_invoice(sdk, account.account_id, "60.00", "40.5", status="Draft")
    assert isinstance(draft, InvoiceResponse)
    assert (draft.status, draft.amount, draft.balance, draft.account_id) == (
        "Draft",
        100.5,
        100.5,
        account.account_id,
    )
    invoices = sdk.invoices_api()

    items = invoices.get_invoice_items(draft.invoice_number, page_size=1)
    assert isinstance(items, InvoiceItemsResponse)
    assert [(i.charge_name, i.charge_amount, i.quantity) for i in items.invoice_items] == [
        ("Item 1", "60", 1)
    ]  # chargeAmount: a string in the SDK
    assert items.next_page
    second = invoices.get_invoice_items(draft.id, page=2, page_size=1)
    assert [(i.charge_name, i.unit_price) for i in second.invoice_items] == [("Item 2", 40.5)]
    assert second.next_page is None

    posted = invoices.post_invoice(draft.id, PostAsyncInvoiceRequest(invoice_date=date(2026, 1, 7)))
    assert isinstance(posted, AsyncOperationResponse) and posted.id == draft.id
    got = invoices.get_invoice(draft.invoice_number)
    assert (got.status, got.invoice_date, got.balance) == ("Posted", "2026-01-07", 100.5)

    other = new_invoice(sdk, account.account_id, "5", status="Draft")
    canceled = invoices.cancel_invoice(other.id)
    assert isinstance(canceled, AsyncOperationResponse) and canceled.id == other.id
    assert invoices.get_invoice(other.id).status == "Canceled"
    # A posted invoice is no draft: canceling it is a rule the ledger refuses.
    code, message = reason(refused(invoices.cancel_invoice, draft.id))
    assert code == RULE and message


# --- payments -------------------------------------------------------------------------------------------


def test_a_payment_applied_at_once_and_one_unapplied_then_applied(sdk):
    account = new_account(sdk)
    first = new_invoice(sdk, account.account_id, "100")
    second = new_invoice(sdk, account.account_id, "50")
    paid = new_payment(sdk, account.account_id, 120.25, [(first.id, 100), (second.id, 20.25)])
    assert isinstance(paid, PaymentResponse) and paid.success is True
    assert figures(paid) == (120.25, 120.25, 0, 0)
    assert (paid.status, paid.type, paid.account_id) == ("Processed", "External", account.account_id)

    unapplied = new_payment(sdk, account.account_id, 30)
    assert figures(unapplied) == (30, 0, 30, 0)
    payments = sdk.payments_api()
    applied = payments.apply_payment(
        unapplied.number, ApplyPaymentRequest(invoices=parts((second.id, 29.75)))
    )
    assert figures(applied) == (30, 29.75, 0.25, 0)
    assert balances(sdk.invoices_api().get_invoice(second.id)) == (50, 50, 0, 0)
    assert balances(sdk.invoices_api().get_invoice(first.id)) == (100, 100, 0, 0)
    assert figures(payments.get_payment(paid.id)) == figures(payments.get_payment(paid.number))


def test_an_invoice_is_never_paid_beyond_its_balance(sdk):
    account = new_account(sdk)
    invoice = new_invoice(sdk, account.account_id, "10")
    refusal = refused(new_payment, sdk, account.account_id, 20, [(invoice.id, 15)])
    code, message = reason(refusal)
    assert code in (INVALID, RULE) and message
    assert sdk.invoices_api().get_invoice(invoice.id).balance == 10
    assert sdk.payments_api().get_retrieve_all_payments().payments == []


def test_update_cancel_and_the_refusal_to_cancel_a_payment_with_money_applied(sdk):
    account = new_account(sdk)
    invoice = new_invoice(sdk, account.account_id, "10")
    payments = sdk.payments_api()
    loose = new_payment(sdk, account.account_id, 5)
    updated = payments.update_payment(
        loose.id, UpdatePaymentRequest(comment="wire 42", reference_id="REF-42")
    )
    assert (updated.comment, updated.reference_id, updated.amount) == ("wire 42", "REF-42", 5)
    canceled = payments.cancel_payment(loose.number)
    assert isinstance(canceled, PaymentResponse) and canceled.status == "Canceled"

    applied = new_payment(sdk, account.account_id, 10, [(invoice.id, 10)])
    code, message = reason(refused(payments.cancel_payment, applied.id))
    assert code in (INVALID, RULE) and message
    assert payments.get_payment(applied.id).status == "Processed"


def test_payments_listed_with_the_filters_and_pages_the_sdk_sends(sdk):
    account = new_account(sdk)
    other = new_account(sdk, "Other")
    invoice = new_invoice(sdk, account.account_id, "100")
    small = new_payment(sdk, account.account_id, 10, [(invoice.id, 10)])
    large = new_payment(sdk, account.account_id, 50)
    elsewhere = new_payment(sdk, other.account_id, 10)
    payments = sdk.payments_api()

    def numbers(**query) -> list[str]:
        listed = payments.get_retrieve_all_payments(**query)
        assert isinstance(listed, GetPaymentsResponse)
        return [p.number for p in listed.payments]

    assert numbers() == [elsewhere.number, large.number, small.number]  # by number, descending
    assert numbers(account_id=account.account_id) == [large.number, small.number]
    assert numbers(amount=10.0, sort="-number") == [small.number, elsewhere.number]
    assert numbers(applied_amount=10) == [small.number]
    assert numbers(unapplied_amount=50) == [large.number]
    assert numbers(number=large.number) == [large.number]
    assert numbers(
        status="Processed", type="External", currency="USD", effective_date=datetime(2026, 1, 10)
    ) == [
        elsewhere.number,
        large.number,
        small.number,
    ]
    assert numbers(status="Canceled") == []
    assert numbers(effective_date=datetime(2026, 1, 11)) == []
    by_day = call(sdk, "GET", "/v1/payments?effectiveDate=2026-01-10", {"200": "GetPaymentsResponse"})
    assert len(by_day.payments) == 3  # a date, as the API reference writes it, is taken too
    assert numbers(created_by_id=large.created_by_id, sort="-number") == [
        small.number,
        large.number,
        elsewhere.number,
    ]
    created = datetime.strptime(large.created_date, "%Y-%m-%d %H:%M:%S")  # Zuora's REST date-time
    assert large.number in numbers(created_date=created)
    assert numbers(created_date=datetime(2020, 1, 1, 12)) == []
    first = payments.get_retrieve_all_payments(page=1, page_size=2)
    assert [p.number for p in first.payments] == [elsewhere.number, large.number] and first.next_page
    assert numbers(page=2, page_size=2) == [small.number]
    code, message = reason(refused(payments.get_retrieve_all_payments, sort="colour"))
    assert code == INVALID and "sort" in message


def test_a_payments_parts_and_one_part(sdk):
    account = new_account(sdk)
    first = new_invoice(sdk, account.account_id, "100")
    second = new_invoice(sdk, account.account_id, "50")
    paid = new_payment(sdk, account.account_id, 150, [(first.id, 100), (second.id, 50)])
    payments = sdk.payments_api()
    listed = payments.get_payment_parts(paid.number)
    assert isinstance(listed, GetPaymentPartsResponse)
    assert sorted((p.invoice_id, p.amount) for p in listed.parts) == sorted(
        [(first.id, 100), (second.id, 50)]
    )
    one = payments.get_payment_part(listed.parts[0].id, paid.id)
    assert isinstance(one, GetPaymentPartResponse)
    assert one.payment_part.to_dict() == listed.parts[0].to_dict()
    paged = payments.get_payment_parts(paid.id, page=2, page_size=1)
    assert len(paged.parts) == 1 and paged.next_page is None

    applications = sdk.invoices_api().get_invoice_application_parts(first.id)
    assert isinstance(applications, GetInvoiceApplicationPartsRequest)
    assert [(a.payment_id, a.applied_amount) for a in applications.application_parts] == [(paid.id, 100)]
    code, _ = reason(refused(payments.get_payment_part, "0" * 32, paid.id))
    assert code == NOT_FOUND


def test_refunds_from_unapplied_money_and_with_auto_unapply(sdk):
    account = new_account(sdk)
    invoice = new_invoice(sdk, account.account_id, "100")
    paid = new_payment(sdk, account.account_id, 150, [(invoice.id, 100)])
    payments, refunds = sdk.payments_api(), sdk.refunds_api()

    plain = payments.create_refund_payment(
        paid.id, CreateRefundRequest(total_amount=30, type="External", method_type="Check", comment="back")
    )
    assert isinstance(plain, RefundResponse) and plain.success is True
    assert (plain.amount, plain.payment_id, plain.method_type, plain.comment) == (
        30,
        paid.id,
        "Check",
        "back",
    )
    assert figures(payments.get_payment(paid.id)) == (150, 100, 20, 30)
    # More than the payment holds unapplied, with no invoice named: refused, nothing moved.
    code, message = reason(
        refused(
            payments.create_refund_payment, paid.id, CreateRefundRequest(total_amount=21, type="External")
        )
    )
    assert code == INVALID and message == "totalAmount: the payment has 20 unapplied"

    auto = payments.refund_paymentwith_auto_unapply(
        paid.number,
        CreateRefundwithAutoUnapply(total_amount=45, type="External", invoices=parts((invoice.id, 25))),
    )
    assert isinstance(auto, RefundResponse) and auto.amount == 45
    assert figures(payments.get_payment(paid.id)) == (150, 75, 0, 75)
    assert balances(sdk.invoices_api().get_invoice(invoice.id)) == (100, 100, 25, 25)

    got = refunds.get_refund(auto.number)
    assert isinstance(got, RefundResponse) and got.to_dict() == refunds.get_refund(auto.id).to_dict()
    assert (got.payment_number, got.status, got.type) == (paid.number, "Processed", "External")
    listed = refunds.get_refunds(payment_id=paid.id)
    assert isinstance(listed, GetRefundsResponse)
    assert [(r.number, r.amount) for r in listed.refunds] == [(auto.number, 45), (plain.number, 30)]
    # RefundsApi.get_refunds types methodType a str but sends `method_type.value`: it cannot send this filter.
    by_method = call(sdk, "GET", "/v1/refunds?methodType=Check", {"200": "GetRefundsResponse"})
    assert [r.number for r in by_method.refunds] == [plain.number]
    assert [r.number for r in refunds.get_refunds(refund_date=date.today(), amount=30).refunds] == [
        plain.number
    ]
    created = datetime.strptime(plain.created_date, "%Y-%m-%d %H:%M:%S")
    assert plain.number in [r.number for r in refunds.get_refunds(created_date=created).refunds]
    refund_parts = refunds.get_refund_parts(auto.id)
    assert isinstance(refund_parts, GetRefundPartsResponse)
    assert [(p.payment_id, p.amount) for p in refund_parts.parts] == [(paid.id, 45)]


def test_unknown_keys_are_refused_as_not_found(sdk):
    account = new_account(sdk)
    calls = [
        (sdk.accounts_api().get_account, ("A99999999",)),
        (sdk.invoices_api().get_invoice, ("0" * 32,)),
        (sdk.invoices_api().get_invoice_items, ("INV-none",)),
        (sdk.payments_api().get_payment, ("P-99999999",)),
        (sdk.payments_api().get_payment_parts, ("0" * 32,)),
        (sdk.refunds_api().get_refund, ("R-99999999",)),
        (sdk.refunds_api().get_refund_parts, ("0" * 32,)),
    ]
    for operation, args in calls:
        assert reason(refused(operation, *args))[0] == NOT_FOUND, operation.__name__
    payment = new_payment(sdk, account.account_id, 5)
    body = ApplyPaymentRequest(invoices=parts(("0" * 32, 5)))
    code, message = reason(refused(sdk.payments_api().apply_payment, payment.id, body))
    assert (code, message) == (NOT_FOUND, "invoices[0].invoiceId: invoice not found")


# --- tenancy --------------------------------------------------------------------------------------------


def test_another_tenants_objects_answer_exactly_as_missing_ones(sdk, zuora):
    stranger = make_tenant()
    theirs = zuora(stranger.client.client_id, stranger.provisioned.client_secret)
    theirs.initialize()
    account = new_account(theirs)
    invoice = new_invoice(theirs, account.account_id, "10")
    payment = new_payment(theirs, account.account_id, 10, [(invoice.id, 4)])
    refund = theirs.payments_api().create_refund_payment(
        payment.id, CreateRefundRequest(total_amount=1, type="External")
    )
    calls = [
        (sdk.accounts_api().get_account, (account.account_id,)),
        (sdk.invoices_api().get_invoice, (invoice.id,)),
        (sdk.invoices_api().get_invoice_application_parts, (invoice.id,)),
        (sdk.payments_api().get_payment, (payment.id,)),
        (sdk.payments_api().cancel_payment, (payment.id,)),
        (sdk.refunds_api().get_refund, (refund.id,)),
    ]
    for operation, args in calls:
        foreign = refused(operation, *args)
        missing = refused(operation, *(("0" * 32),))
        assert (foreign.status, reason(foreign)[0]) == (missing.status, reason(missing)[0]), (
            operation.__name__
        )
        assert reason(foreign)[1] == reason(missing)[1]
    assert theirs.payments_api().get_payment(payment.id).refund_amount == 1


def test_two_entities_each_sees_only_its_own(zuora):
    business = make_tenant(entities=2)
    first, second = (entity.hex for entity in business.entity_ids)
    client = zuora(business.client.client_id, business.provisioned.client_secret)
    client.initialize()
    accounts, invoices = client.accounts_api(), client.invoices_api()

    # A token for two entities names one on every call.
    code, message = reason(refused(accounts.get_account, "A00000001"))
    assert (code, message) == (
        INVALID,
        "Zuora-Entity-Ids: this credential holds several entities and the request names none of them: name one"
        " in the Zuora-Entity-Ids header",
    )

    # Per call (Zuora-Entity-Ids): what entity A made is not there for entity B.
    account = new_account(client, zuora_entity_ids=first)
    invoice = new_invoice(client, account.account_id, "10", zuora_entity_ids=first)
    assert invoices.get_invoice(invoice.id, zuora_entity_ids=first).amount == 10
    code, _ = reason(refused(invoices.get_invoice, invoice.id, zuora_entity_ids=second))
    assert code == NOT_FOUND
    code, _ = reason(refused(new_invoice, client, account.account_id, "5", zuora_entity_ids=second))
    assert code == NOT_FOUND

    # On the client (set_entity_id): the SDK's default header, which wins over a per-call one.
    client.set_entity_id(second)
    code, _ = reason(refused(accounts.get_account, account.account_number))
    assert code == NOT_FOUND
    assert client.payments_api().get_retrieve_all_payments().payments == []
    client.set_entity_id(first)
    assert accounts.get_account(account.account_number).basic_info.id == account.account_id
    assert invoices.get_invoice(invoice.id, zuora_entity_ids=second).amount == 10

    stranger = make_tenant()
    client.set_entity_id(stranger.entity_ids[0].hex)
    forbidden = refused(invoices.get_invoice, invoice.id)
    assert forbidden.status == 403 and isinstance(forbidden.data, CommonErrorResponse)
    assert forbidden.data.code == 50000010 and forbidden.data.message


# --- headers and options --------------------------------------------------------------------------------


def test_an_idempotency_key_replays_the_first_answer_and_records_one_payment(sdk, tenant):
    account = new_account(sdk)
    payments = sdk.payments_api()
    request = CreatePaymentRequest(
        account_id=account.account_id, amount=12.5, currency="USD", type="External"
    )
    first = payments.create_payment_with_http_info(request, idempotency_key="pay-once")
    again = payments.create_payment_with_http_info(request, idempotency_key="pay-once")
    assert first.status_code == again.status_code == 200
    assert again.data.to_dict() == first.data.to_dict()
    assert Payment.objects.for_tenant(tenant.ctx()).count() == 1
    other = payments.create_payment(request, idempotency_key="pay-twice")
    assert other.id != first.data.id


def test_the_track_id_is_echoed_on_answers_and_refusals(sdk):
    accounts = sdk.accounts_api()
    created = new_account(sdk)
    answer = accounts.get_account_with_http_info(created.account_id, zuora_track_id="batch-7")
    assert answer.headers["Zuora-Track-Id"] == "batch-7"
    refusal = refused(accounts.get_account, "A99999999", zuora_track_id="batch-8")
    assert refusal.zuora_track_id == "batch-8" and refusal.zuora_request_id == refusal.data.request_id


def _raw(client: ZuoraClient, operation: str, body: dict, query: str = ""):
    """A generated operation's request with a body the request model would not build (and rejectUnknownFields,
    which no settlement operation takes), read by that operation's `_response_types_map`."""
    path, answer = {
        "create_account": ("/v1/accounts", "CreateAccountResponse"),
        "create_payment": ("/v1/payments", "PaymentResponse"),
    }[operation]
    types = {
        "200": answer,
        "400": "CommonResponse",
        "401": "ProxyUnauthorizedResponse",
        "403": "CommonErrorResponse",
    }
    return call(client, "POST", path + query, types, body)


def test_reject_unknown_fields(sdk):
    account = new_account(sdk)
    body = {
        "accountId": account.account_id,
        "amount": 5,
        "currency": "USD",
        "type": "External",
        "colour": "blue",
    }
    refusal = refused(_raw, sdk, "create_payment", body, "?rejectUnknownFields=true")
    assert reason(refusal)[0] == UNKNOWN_FIELD
    assert sdk.accounts_api().get_account(account.account_id).metrics.unapplied_payment_amount == 0
    # Without the flag, an unknown field is ignored (as the CRUD operations do, and Zuora documents).
    ignored = _raw(sdk, "create_payment", body)
    assert isinstance(ignored, PaymentResponse) and ignored.amount == 5
    # The SDK itself sends an unknown field when a model holds one in additional_properties.
    request = CreatePaymentRequest.from_dict(body)
    assert request.additional_properties == {"colour": "blue"}
    assert sdk.payments_api().create_payment(request).amount == 5
    # A field the SDK documents for what this service does not do is refused by name, flag or not.
    code, message = reason(refused(_raw, sdk, "create_payment", {**body, "gatewayId": "gw"}))
    assert (code, message) == (INVALID, "gatewayId: not supported by this service")


# --- the story, through every dialect -------------------------------------------------------------------


def test_one_payment_over_two_invoices_partly_unapplied_then_refunded_reads_the_same_everywhere(
    sdk, tenant, live_server
):
    account = new_account(sdk)
    first = new_invoice(sdk, account.account_id, "60", "40")
    second = new_invoice(sdk, account.account_id, "50")
    payments = sdk.payments_api()

    paid = new_payment(sdk, account.account_id, 200, [(first.id, 100), (second.id, 30)])
    assert figures(paid) == (200, 130, 70, 0)
    unapplied = payments.unapply_payment(
        paid.id,
        UnapplyPaymentRequest(invoices=[UnapplyPaymentInvoiceApplication(invoice_id=second.id, amount=10)]),
    )
    assert figures(unapplied) == (200, 120, 80, 0)
    payments.create_refund_payment(paid.id, CreateRefundRequest(total_amount=10, type="External"))
    payments.refund_paymentwith_auto_unapply(
        paid.id, CreateRefundwithAutoUnapply(total_amount=40, type="External", invoices=parts((first.id, 20)))
    )

    # Zuora's Invoice Settlement: amount = applied + unapplied + refunded.
    assert figures(payments.get_payment(paid.id)) == (200, 100, 50, 50)
    invoices = sdk.invoices_api()
    assert balances(invoices.get_invoice(first.id)) == (100, 100, 20, 20)
    assert balances(invoices.get_invoice(second.id)) == (50, 20, 0, 30)
    part_amounts = {p.invoice_id: p.amount for p in payments.get_payment_parts(paid.id).parts}
    assert part_amounts == {first.id: 80, second.id: 20}
    metrics = sdk.accounts_api().get_account(account.account_number).metrics
    assert (metrics.total_invoice_balance, metrics.unapplied_payment_amount) == (50, 50)

    # Zuora CRUD: the invoices and each invoice payment (its Amount and what of it was refunded).
    for invoice, expected in ((first, (100, 100, 20, 20)), (second, (50, 20, 0, 30))):
        crud = call(sdk, "GET", f"/v1/object/invoice/{invoice.id}", CRUD)
        assert (crud["Amount"], crud["PaymentAmount"], crud["RefundAmount"], crud["Balance"]) == expected
    crud_parts = [
        call(sdk, "GET", f"/v1/object/invoice-payment/{part.id}", CRUD)
        for part in payments.get_payment_parts(paid.id).parts
    ]
    assert sorted((p["InvoiceId"], p["Amount"], p["RefundAmount"]) for p in crud_parts) == sorted(
        [(first.id, 100, 20), (second.id, 20, 0)]
    )
    crud_payment = call(sdk, "GET", f"/v1/object/payment/{paid.id}", CRUD)
    assert (crud_payment["Amount"], crud_payment["UnappliedAmount"], crud_payment["RefundAmount"]) == (
        200,
        50,
        50,
    )

    # DayZero: integer cents.
    dayzero = client_for(tenant)
    for invoice, expected in ((first, (10000, 10000, 2000, 2000)), (second, (5000, 2000, 0, 3000))):
        got = dayzero.get(f"/api/v1/invoices/{_uuid(invoice.id)}").json()
        assert (got["amount"], got["paid_amount"], got["refunded_amount"], got["balance"]) == expected
    transaction = dayzero.get(f"/api/v1/transactions/{_uuid(paid.id)}").json()
    assert (transaction["amount"], transaction["unallocated_amount"]) == (20000, 5000)

    # Moov: the merchant is the entity, amounts are decimal strings.
    with basic_client(tenant, live_server.url) as moov:
        merchant = str(tenant.entity_ids[0])
        for invoice, expected in ((first, (100, 100, 20)), (second, (50, 20, 0))):
            got = moov.invoices.get_invoice(account_id=merchant, invoice_id=_uuid(invoice.id)).result
            total, paid_amount, refunded = (
                amount_of(a) for a in (got.total_amount, got.paid_amount, got.refunded_amount)
            )
            assert (total, paid_amount, refunded) == expected
            assert total - paid_amount + refunded == Decimal(expected[0] - expected[1] + expected[2])


def _uuid(hex_id: str) -> str:
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
