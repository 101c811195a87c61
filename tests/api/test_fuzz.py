"""schemathesis against /api/schema/: every operation of the three dialects, in process through the WSGI
application, as a provisioned tenant. No 5xx, every status documented, every body, content type and
header as the schema says, and a refused request (4xx) changes nothing.

Each operation is one pytest test whose cases share one tenant with a ledger in every state (draft,
open, partly paid, paid, void and foreign-currency invoices, payments, applications, a refund). So that
the fuzzer reaches the services and not only the 404s, the tenant's ids go into path parameters and
bodies: half of the time while Hypothesis generates (the hooks), and in place of every well-formed id in
the explicit cases (see _as_tenant).
"""

import base64
import itertools
import random
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.core import NOT_SET

from api.idempotency import valid_key
from api.moov.versioning import DEFAULT_VERSION, VERSION
from config.wsgi import application
from core.ids import parse_uuid
from invoices import services as invoice_services
from invoices.models import Invoice, PaymentLink
from ledger.models import LedgerEvent
from payments import services
from payments.models import InvoicePayment, Payment, Refund
from tenants.models import Account
from tests.factories import make_tenant

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.missing_required_header,
    checks.ignored_auth,
]

_REQUESTS = itertools.count()
# The tenant's ids by operation path, and its ids and currencies by body field; filled by the `ledger`
# fixture for each test.
KNOWN: dict = {"paths": {}, "fields": {}}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    known = KNOWN["paths"].get(context.operation.path)
    return st.one_of(st.just(path_parameters), st.sampled_from(known)) if known else st.just(path_parameters)


@schema.hook
def flatmap_body(context, body):
    owned = st.randoms(use_true_random=False).map(lambda rng: _owned(body, rng, every=True))
    return st.one_of(st.just(body), owned)


def _owned(body, rng: random.Random, *, every: bool):
    """The body with the tenant's values in its known fields, at any depth: in all of them, or
    (every=False) only in those holding a well-formed id, so that the rest still tests the validation."""
    if isinstance(body, list):
        return [_owned(item, rng, every=every) for item in body]
    if not isinstance(body, dict):
        return body
    return {
        field: rng.choice(KNOWN["fields"][field])
        if field in KNOWN["fields"] and (every or parse_uuid(value))
        else _owned(value, rng, every=every)
        for field, value in body.items()
    }


# Rows and last change of each of a tenant's tables (events are only ever added), in one query.
STATE_SQL = "SELECT " + ", ".join(
    f"(SELECT concat(count(*), ' ', max({'created_at' if model is LedgerEvent else 'updated_at'})) "
    f"FROM {model._meta.db_table} WHERE business_id = %(business)s)"
    for model in (LedgerEvent, Account, Invoice, Payment, InvoicePayment, Refund)
)


def _state(business_id) -> tuple:
    """What a refused request must leave as it was."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL, {"business": business_id})
        return cursor.fetchone()


def _credentials(tenant, request: int) -> str:
    """The tenant's token and its client's HTTP Basic credentials, by turns."""
    if request % 2:
        client = f"{tenant.client.client_id}:{tenant.provisioned.client_secret}"
        return f"Basic {base64.b64encode(client.encode()).decode()}"
    return f"Bearer {tenant.token}"


def _as_tenant(case, tenant, request: int) -> None:
    """The credential's own business and entity in place of well-formed ones (another one is a plain 403,
    tests/api/test_auth.py), and an Idempotency-Key of its own (a reused one is a plain 422,
    tests/api/test_http_edge.py): either would hide everything behind it.

    The explicit cases (the schema's examples, the coverage phase) are built at collection, before the
    tenant exists: their well-formed ids become the tenant's.
    """
    headers = case.headers or {}
    for header, own in (
        ("x-business-id", str(tenant.business_id)),
        ("Zuora-Entity-Ids", tenant.entity_ids[0].hex),
    ):
        if parse_uuid(headers.get(header, "").strip()):
            headers[header] = own
    if valid_key(headers.get("Idempotency-Key", "")):
        headers["Idempotency-Key"] = f"{request}-{headers['Idempotency-Key']}"[:255]
    if case.meta is None or case.meta.phase.name not in ("examples", "coverage"):
        return
    # The coverage phase finds no value for a header pattern with punctuation in it and sends "0" even
    # in its positive cases: that 400 would hide the rest (the fuzzing phase sends well-formed ones).
    if not VERSION.fullmatch(headers.get("X-Moov-Version", DEFAULT_VERSION)):
        del headers["X-Moov-Version"]
    rng = random.Random(repr((case.path_parameters, case.query, None if case.body is NOT_SET else case.body)))
    known = KNOWN["paths"].get(case.operation.path)
    if known and all(parse_uuid(value) for value in case.path_parameters.values()):
        case.path_parameters = dict(rng.choice(known))
    case.body = _owned(case.body, rng, every=False)


@pytest.fixture
def ledger(db):
    tenant = make_tenant()
    ctx = tenant.ctx()
    account = tenant.account()
    other_account = tenant.account(currency="EUR")
    draft = tenant.invoice("50.00", account=account, status="draft")
    open_invoice = tenant.invoice("1000.00", account=account)
    partly_paid = tenant.invoice("800.00", account=account)
    paid = tenant.invoice("20.00", account=account)
    void = tenant.invoice("10.00", account=account)
    eur_invoice = tenant.invoice("30.00", account=other_account, currency="EUR")
    invoice_services.invoice_void(ctx=ctx, invoice_id=void.pk)
    invoice_services.invoice_send(ctx=ctx, invoice_id=open_invoice.pk)
    payment = tenant.payment("500.00", account=account)
    spent = tenant.payment("20.00", account=account)
    applied = services.payment_apply(
        ctx=ctx, invoice_id=partly_paid.pk, payment_id=payment.pk, amount=Decimal("30.00")
    )
    settled = services.payment_apply(
        ctx=ctx, invoice_id=paid.pk, payment_id=spent.pk, amount=Decimal("20.00")
    )
    refund = services.refund_create(ctx=ctx, payment_id=spent.pk, amount=Decimal("5.00"))
    accounts = [account, other_account]
    invoices = [draft, open_invoice, partly_paid, paid, void, eur_invoice]
    payments = [payment, spent]
    applications = [applied, settled]

    def uuids(rows):
        return [str(row.pk) for row in rows]

    def zuora(rows):
        return [row.pk.hex for row in rows]

    zuora_objects = {
        "account": zuora(accounts),
        "invoice": zuora(invoices),
        "payment": zuora(payments),
        "invoice-payment": zuora(applications),
        "refund": zuora([refund]),
    }
    paths = {
        **{
            f"/v1/object/{kind}/{{object_id}}": [{"object_id": pk} for pk in pks]
            for kind, pks in zuora_objects.items()
        },
        "/api/v1/accounts/{account_id}": [{"account_id": pk} for pk in uuids(accounts)],
        "/api/v1/transactions/{transaction_id}": [{"transaction_id": pk} for pk in uuids(payments)],
        **{
            f"/api/v1/invoices/{{invoice_id}}{suffix}": [{"invoice_id": pk} for pk in uuids(invoices)]
            for suffix in ("", "/finalize", "/void", "/payments")
        },
        "/api/v1/invoices/{invoice_id}/payments/{payment_id}": [
            {"invoice_id": str(row.invoice_id), "payment_id": str(row.pk)} for row in applications
        ],
        # Moov's account in the path is the merchant: the entity.
        **{
            f"/accounts/{{account_id}}{suffix}": [{"account_id": str(pk)} for pk in tenant.entity_ids]
            for suffix in ("/invoices", "/payment-links")
        },
        **{
            f"/accounts/{{account_id}}/invoices/{{invoice_id}}{suffix}": [
                {"account_id": str(row.entity_id), "invoice_id": str(row.pk)} for row in invoices
            ]
            for suffix in ("", "/payments", "/notifications")
        },
        # Zuora's Invoice Settlement API names objects by id or number.
        "/v1/accounts/{account_key}": [
            {"account_key": key} for row in accounts for key in (row.pk.hex, f"A{row.number:08d}")
        ],
        **{
            f"/v1/invoices/{{invoice_key}}{suffix}": [
                {"invoice_key": key} for row in invoices for key in (row.pk.hex, row.number)
            ]
            for suffix in ("", "/items", "/application-parts", "/post", "/cancel")
        },
        **{
            f"/v1/payments/{{payment_key}}{suffix}": [
                {"payment_key": key} for row in payments for key in (row.pk.hex, f"P-{row.number:08d}")
            ]
            for suffix in ("", "/apply", "/unapply", "/cancel", "/parts", "/refunds", "/refunds/unapply")
        },
        "/v1/payments/{payment_key}/parts/{part_id}": [
            {"payment_key": row.payment_id.hex, "part_id": row.pk.hex} for row in applications
        ],
        **{
            f"/v1/refunds/{{refund_key}}{suffix}": [
                {"refund_key": key} for key in (refund.pk.hex, f"R-{refund.number:08d}")
            ]
            for suffix in ("", "/parts")
        },
        "/accounts/{account_id}/payment-links/{link_code}": [
            {"account_id": str(link.entity_id), "link_code": link.code}
            for link in PaymentLink.objects.for_tenant(ctx)
        ],
    }
    fields = {
        "client_id": [tenant.client.client_id],
        "client_secret": [tenant.provisioned.client_secret],
        "currency": ["USD", "EUR"],
        "Currency": ["USD", "EUR"],
        "AccountId": zuora(accounts),
        "InvoiceId": zuora(invoices),
        "PaymentId": zuora(payments),
        "accountId": zuora(accounts),
        "invoiceId": zuora(invoices),
        "invoiceNumber": [row.number for row in invoices],
        "account_id": uuids(accounts),
        "customerAccountID": uuids(accounts),
        "transaction_id": uuids(payments),
    }
    empty = dict(KNOWN)
    KNOWN.update(paths=paths, fields=fields)
    # Requests run inside this test's transaction: Django must not close the connection after each one
    # as it does in production (its test client disconnects the same receiver).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield tenant
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    KNOWN.update(empty)


@schema.parametrize()
# Bounded and reproducible for CI: 30 generated cases per operation besides the explicit ones, the same
# every run. An operation's cases share its ledger on purpose (function_scoped_fixture).
@settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case, ledger):
    request = next(_REQUESTS)
    _as_tenant(case, ledger, request)
    # identity: the in-process transport does not inflate the gzip a real client would.
    headers = {"Authorization": _credentials(ledger, request), "Accept-Encoding": "identity"}
    before = _state(ledger.business_id) if case.method != "GET" else None
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    if before is not None and response.status_code >= 400:
        assert _state(ledger.business_id) == before, "a refused request changed the ledger"


def test_inputs_the_generator_never_draws(ledger):
    """Its strings are UTF-8 text, short when they must be well-formed. These are refused in the dialect's
    envelope, never with a 500: a NUL byte in a client id (PostgreSQL text cannot hold one), an unpaired
    surrogate escape in JSON, a valid email address longer than its column."""
    token = {"Authorization": f"Bearer {ledger.token}"}
    business = {"x-business-id": str(ledger.business_id)}
    merchant = str(KNOWN["paths"]["/accounts/{account_id}/invoices"][0]["account_id"])
    customer = KNOWN["fields"]["customerAccountID"][0]
    long_email = "a" * 64 + "@" + "b" * 60 + ".example" * 24
    cases = [
        (
            schema["/oauth/token"]["POST"].Case(
                body={"grant_type": "client_credentials", "client_id": "\x00x", "client_secret": "x"},
                media_type="application/x-www-form-urlencoded",
            ),
            {},
            401,
        ),
        (
            schema["/v1/object/account/{object_id}"]["GET"].Case(path_parameters={"object_id": "0" * 32}),
            {"Authorization": f"Basic {base64.b64encode(b'\x00x:y').decode()}"},
            401,
        ),
        (schema["/v1/object/account"]["POST"].Case(body={"Name": "\ud800", "Currency": "USD"}), token, 400),
        (
            schema["/api/v1/accounts"]["POST"].Case(
                body={"name": "\ud800", "currency": "USD"}, headers=business
            ),
            token,
            400,
        ),
        (
            schema["/accounts/{account_id}/invoices"]["POST"].Case(
                path_parameters={"account_id": merchant},
                body={
                    "customerAccountID": customer,
                    "lineItems": {
                        "items": [
                            {
                                "name": "A",
                                "basePrice": {"currency": "USD", "valueDecimal": "1"},
                                "quantity": 1,
                            }
                        ]
                    },
                    "description": "\ud800",
                },
            ),
            token,
            400,
        ),
        (
            schema["/v1/object/account"]["POST"].Case(
                body={"Name": "A", "Currency": "USD", "BillToContact": {"WorkEmail": long_email}}
            ),
            token,
            400,
        ),
        (
            schema["/api/v1/accounts"]["POST"].Case(
                body={"name": "A", "currency": "USD", "email": long_email}, headers=business
            ),
            token,
            422,
        ),
    ]
    for case, headers, status in cases:
        assert case.call_and_validate(headers=headers, checks=CHECKS).status_code == status, case.body
