"""Another business's objects do not exist, on every route of the three dialects: generated from the URL
patterns, so that a new route is covered (or the suite fails) without anyone writing its cases by hand.

ROUTES, keyed by route name, is the one registry: the kind of object each id of a route names (a path
parameter, a body field or a list filter) and a valid body for each method that takes one. From it and the
URL patterns come

- for every (route, method) naming an id: the request with another business's ids answers exactly what the
  dialect answers for an id that exists nowhere (asserted, and the same request with random uuids answers
  the same), changes nothing of either business, and with the business's own ids it succeeds;
- for every GET, with the business's own ids: nothing of the other business in the answer; a list lists
  exactly the business's own rows, and nothing when a filter names the other business's object;
- a test that fails, naming the route, when a route or one of its methods has no entry.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

import pytest
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from api.views import TenantAPIView
from invoices import services as invoice_services
from invoices.models import Invoice, PaymentLink
from ledger.models import LedgerEvent
from payments import services
from payments.models import InvoicePayment, Payment, Refund
from tenants.models import Account, Entity
from tests.api.moov.helpers import invoices_path
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


class World:
    """One business's objects, one of each kind, built on first use through the factories and services."""

    def __init__(self, tenant):
        self.tenant = tenant

    @cached_property
    def account(self) -> Account:
        return self.tenant.account()

    @cached_property
    def merchant(self) -> Entity:
        """The entity of `account`: Moov's account in the path."""
        return Entity.objects.for_tenant(self.tenant.ctx()).get(pk=self.account.entity_id)

    @cached_property
    def invoice(self) -> Invoice:
        """Open and sent (it has a payment link), nothing paid: it takes a payment, can be voided."""
        draft = self.tenant.invoice("100.00", account=self.account, status="draft")
        return invoice_services.invoice_send(ctx=self.tenant.ctx(), invoice_id=draft.id)[0]

    @cached_property
    def link(self) -> PaymentLink:
        """The payment link of `invoice`."""
        return PaymentLink.objects.for_tenant(self.tenant.ctx()).get(invoice=self.invoice)

    @cached_property
    def draft(self) -> Invoice:
        return self.tenant.invoice("100.00", account=self.account, status="draft")

    @cached_property
    def applied(self) -> Invoice:
        """Open, with `application` on it."""
        return self.tenant.invoice("100.00", account=self.account)

    @cached_property
    def payment(self) -> Payment:
        """Processed, 10 of its 100 applied to `applied` (`application`), so it can be refunded."""
        return self.application.payment

    @cached_property
    def application(self) -> InvoicePayment:
        payment = self.tenant.payment("100.00", account=self.account)
        return services.payment_apply(
            ctx=self.tenant.ctx(), invoice_id=self.applied.id, payment_id=payment.id, amount=Decimal("10")
        )

    @cached_property
    def unapplied(self) -> Payment:
        """Processed, nothing of it applied: it can be canceled."""
        return self.tenant.payment("30.00", account=self.account)

    @cached_property
    def refund(self) -> Refund:
        """Of another payment applied to `applied`, so that `application` can still be removed."""
        payment = self.tenant.payment("20.00", account=self.account)
        ctx = self.tenant.ctx()
        services.payment_apply(
            ctx=ctx, invoice_id=self.applied.id, payment_id=payment.id, amount=payment.amount
        )
        return services.refund_create(ctx=ctx, payment_id=payment.id, amount=Decimal("1"))

    def traces(self) -> set[str]:
        """Every kind built, what of the business an answer could show: its objects' ids as every dialect
        writes them, its own and its entities', its payment links' codes."""
        ids = [getattr(self, kind).pk for kind in KINDS if kind != "link"]
        ids += [self.tenant.business_id, *self.tenant.entity_ids]
        codes = PaymentLink.objects.for_tenant(self.tenant.ctx()).values_list("code", flat=True)
        return {str(pk) for pk in ids} | {pk.hex for pk in ids} | set(codes)


KINDS = [name for name, value in vars(World).items() if isinstance(value, cached_property)]
# How a kind is named in a request: by its primary key, but a payment link by its code.
KEYS = {"link": lambda link: link.code}
# What each kind is called in "... not found" (Moov calls the merchant, an entity, an account).
NOUNS = {
    Entity: "account",
    PaymentLink: "payment link",
    Account: "account",
    Invoice: "invoice",
    Payment: "payment",
    InvoicePayment: "invoice payment",
    Refund: "refund",
}


# --- the dialects -------------------------------------------------------------------------------------------


def _zuora_missing(noun: str, in_path: bool) -> tuple[int, dict]:
    """An object named by the URL is a 404 with no data (ProxyNoDataResponse); an id in a body is Zuora's
    INVALID_ID in a 400."""
    if in_path:
        return 404, {"done": True, "records": [], "size": 0}
    field = {"account": "AccountId", "invoice": "InvoiceId", "payment": "PaymentId"}.get(noun, "Id")
    errors = [{"Code": "INVALID_ID", "Message": f"{field}: {noun} not found"}]
    return 400, {"Success": False, "Errors": errors}


def _settlement_missing(noun: str, in_path: bool) -> tuple[int, dict]:
    """Zuora's Invoice Settlement API: a 400 whose reason is in the "not found" category (40), naming the
    field as the client sent it (an invoice in a body is the first of `invoices`)."""
    fields = {
        "account": "accountId",
        "payment": "paymentKey",
        "refund": "refundKey",
        "invoice payment": "partId",
    }
    field = fields.get(noun) or ("invoiceId" if in_path else "invoices[0].invoiceId")
    reasons = [{"code": "50000040", "message": f"{field}: {noun} not found"}]
    return 400, {"success": False, "reasons": reasons}


def _listed(body) -> list | None:
    """A list's rows (a Moov array, a DayZero page's items), or None when the answer is not a list."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return body["items"]
    return None


@dataclass(frozen=True)
class Dialect:
    headers: Callable[..., dict]  # a business's credentials, as its client sends them
    wire: Callable[[uuid.UUID], str]  # an id as the dialect writes it
    missing: Callable[[str, bool], tuple[int, object]]  # (status, body) for an absent object: (noun, in path)
    row_id: Callable[[dict], str] = lambda row: row["id"]  # a listed row's id
    list_query: dict = field(default_factory=dict)  # sent with every list query
    rows: Callable[[object], list | None] = _listed  # a list's rows, None for an answer that is no list
    # The entities of the business whose objects cross parents: a Zuora request works in one entity.
    entities: int = 2


def _bearer(tenant) -> dict:
    return {"Authorization": f"Bearer {tenant.token}"}


DIALECTS = {
    "api.dayzero.urls": Dialect(
        headers=lambda tenant: tenant.headers(),
        wire=str,
        missing=lambda noun, in_path: (404, {"detail": "Not Found"}),
        list_query={"include_total_count": "true"},
    ),
    "api.zuora.urls": Dialect(headers=_bearer, wire=lambda pk: pk.hex, missing=_zuora_missing),
    "api.zuora.settlement.urls": Dialect(
        headers=_bearer,
        wire=lambda pk: pk.hex,
        missing=_settlement_missing,
        rows=lambda body: body.get("payments", body.get("refunds")) if isinstance(body, dict) else None,
        entities=1,
    ),
    "api.moov.urls": Dialect(
        headers=_bearer,
        wire=str,
        missing=lambda noun, in_path: (404, {"error": f"{noun} not found"}),
        row_id=lambda row: row.get("invoicePaymentID") or row.get("invoiceID") or row["code"],
    ),
}


# --- the registry -------------------------------------------------------------------------------------------

# An id's name (in `Route.ids`) -> the id the case puts there, as the dialect writes it.
Ids = Callable[[str], str]
# A method's body not declared (None declares a method that takes none).
UNDECLARED = "undeclared"


@dataclass(frozen=True)
class Route:
    """How to name one route's objects.

    ids: the kind of object (a World attribute) named by each path parameter, body field or list filter, in
    the order the route looks them up: with several of another business's, the first one answers.
    post, put, patch: a valid body (a function of `Ids`), or None for a method that takes none.
    lists: the kind of the rows a GET lists; queries: more queries of that list (a function of `Ids`);
    one naming an id gets the other business's and lists nothing, one naming none lists the same rows.
    """

    ids: dict[str, str] = field(default_factory=dict)
    post: Callable[[Ids], dict] | str | None = UNDECLARED
    put: Callable[[Ids], dict] | str | None = UNDECLARED
    patch: Callable[[Ids], dict] | str | None = UNDECLARED
    lists: str | None = None
    queries: tuple[Callable[[Ids], dict], ...] = ()


DZ_CENTS = {"currency": "USD", "amount": 100}
MOOV_AMOUNT = {"currency": "USD", "valueDecimal": "1.00"}
MOOV_LINES = {"items": [{"name": "Services", "basePrice": MOOV_AMOUNT, "quantity": 1}]}
ZUORA_AMOUNT = {"Amount": 1}

ROUTES = {
    # DayZero
    "dayzero-accounts": Route(post=lambda i: {"name": "Acme", "currency": "USD"}, lists="account"),
    "dayzero-account": Route({"account_id": "account"}),
    "dayzero-invoices": Route(
        {"account_id": "account"},
        post=lambda i: {"account_id": i("account_id"), **DZ_CENTS},
        lists="invoice",
        queries=(lambda i: {"account_id": i("account_id")},),
    ),
    "dayzero-invoice": Route({"invoice_id": "invoice"}),
    "dayzero-invoice-finalize": Route({"invoice_id": "draft"}, post=None),
    "dayzero-invoice-void": Route({"invoice_id": "draft"}, post=None),
    "dayzero-invoice-payments": Route(
        {"invoice_id": "applied", "transaction_id": "payment"},
        post=lambda i: {"transaction_id": i("transaction_id"), "amount": 1},
        lists="application",
        queries=(lambda i: {"transaction_id": i("transaction_id")},),
    ),
    "dayzero-invoice-payment": Route({"invoice_id": "applied", "payment_id": "application"}),
    "dayzero-transactions": Route(
        post=lambda i: {**DZ_CENTS, "datetime": "2026-01-20T14:45:00Z"},
        lists="payment",
        queries=(lambda i: {"has_unallocated": "true"},),
    ),
    "dayzero-transaction": Route({"transaction_id": "payment"}),
    # Zuora
    "zuora-account-create": Route(post=lambda i: {"Name": "Acme", "Currency": "USD"}),
    "zuora-account": Route({"object_id": "account"}),
    "zuora-invoice": Route({"object_id": "invoice"}),
    "zuora-payment-create": Route(
        {"AccountId": "account"},
        post=lambda i: {
            **ZUORA_AMOUNT,
            "AccountId": i("AccountId"),
            "EffectiveDate": "2026-01-20",
            "Type": "External",
        },
    ),
    "zuora-payment": Route({"object_id": "payment"}),
    "zuora-invoice-payment-create": Route(
        {"PaymentId": "payment", "InvoiceId": "invoice"},
        post=lambda i: {**ZUORA_AMOUNT, "InvoiceId": i("InvoiceId"), "PaymentId": i("PaymentId")},
    ),
    "zuora-invoice-payment": Route({"object_id": "application"}, put=lambda i: {"Amount": 5}),
    "zuora-refund-create": Route(
        {"PaymentId": "payment", "InvoiceId": "applied"},
        post=lambda i: {
            **ZUORA_AMOUNT,
            "PaymentId": i("PaymentId"),
            "Type": "External",
            "RefundInvoicePaymentData": {
                "RefundInvoicePayment": [{"InvoiceId": i("InvoiceId"), "RefundAmount": 1}]
            },
        },
    ),
    "zuora-refund": Route({"object_id": "refund"}),
    # Zuora's Invoice Settlement API
    "zuora-accounts": Route(
        post=lambda i: {
            "name": "Acme",
            "currency": "USD",
            "billToContact": {"firstName": "A", "lastName": "B"},
        }
    ),
    "zuora-account-key": Route({"account_key": "account"}),
    "zuora-invoices": Route(
        {"accountId": "account"},
        post=lambda i: {
            "accountId": i("accountId"),
            "invoiceDate": "2026-01-20",
            "invoiceItems": [{"amount": 1, "serviceStartDate": "2026-01-20"}],
        },
    ),
    "zuora-invoice-key": Route({"invoice_key": "invoice"}),
    "zuora-invoice-items": Route({"invoice_key": "invoice"}),
    "zuora-invoice-application-parts": Route({"invoice_key": "applied"}),
    "zuora-invoice-post": Route({"invoice_key": "draft"}, put=None),
    "zuora-invoice-cancel": Route({"invoice_key": "draft"}, put=None),
    "zuora-payments": Route(
        {"accountId": "account", "invoiceId": "invoice"},
        post=lambda i: {
            "type": "External",
            "accountId": i("accountId"),
            "amount": 1,
            "currency": "USD",
            "invoices": [{"invoiceId": i("invoiceId"), "amount": 1}],
        },
        lists="payment",
        queries=(lambda i: {"accountId": i("accountId")},),
    ),
    "zuora-payment-key": Route({"payment_key": "payment"}, put=lambda i: {"comment": "checked"}),
    "zuora-payment-apply": Route(
        {"payment_key": "payment", "invoiceId": "invoice"},
        put=lambda i: {"invoices": [{"invoiceId": i("invoiceId"), "amount": 1}]},
    ),
    "zuora-payment-unapply": Route(
        {"payment_key": "payment", "invoiceId": "applied"},
        put=lambda i: {"invoices": [{"invoiceId": i("invoiceId"), "amount": 1}]},
    ),
    "zuora-payment-cancel": Route({"payment_key": "unapplied"}, put=None),
    "zuora-payment-parts": Route({"payment_key": "payment"}),
    "zuora-payment-part": Route({"payment_key": "payment", "part_id": "application"}),
    "zuora-payment-refunds": Route(
        {"payment_key": "payment"}, post=lambda i: {"type": "External", "totalAmount": 1}
    ),
    "zuora-payment-refund-unapply": Route(
        {"payment_key": "payment", "invoiceId": "applied"},
        post=lambda i: {
            "type": "External",
            "totalAmount": 1,
            "invoices": [{"invoiceId": i("invoiceId"), "amount": 1}],
        },
    ),
    "zuora-refunds": Route(
        {"paymentId": "payment", "accountId": "account"},
        lists="refund",
        queries=(lambda i: {"paymentId": i("paymentId")}, lambda i: {"accountId": i("accountId")}),
    ),
    "zuora-refund-key": Route({"refund_key": "refund"}),
    "zuora-refund-parts": Route({"refund_key": "refund"}),
    # Moov
    "moov-invoices": Route(
        {"account_id": "merchant", "customerAccountID": "account"},
        post=lambda i: {"customerAccountID": i("customerAccountID"), "lineItems": MOOV_LINES},
        lists="invoice",
        queries=(lambda i: {"customerAccountID": i("customerAccountID")},),
    ),
    "moov-invoice": Route(
        {"account_id": "merchant", "invoice_id": "draft"},
        patch=lambda i: {"status": "canceled", "description": "x"},
    ),
    "moov-invoice-notifications": Route(
        {"account_id": "merchant", "invoice_id": "invoice"}, post=lambda i: {"channels": ["email"]}
    ),
    "moov-invoice-payments": Route(
        {"account_id": "merchant", "invoice_id": "applied"},
        post=lambda i: {"amount": MOOV_AMOUNT},
        lists="application",
    ),
    "moov-payment-links": Route({"account_id": "merchant"}, lists="link"),
    "moov-payment-link": Route(
        {"account_id": "merchant", "link_code": "link"}, patch=lambda i: {"display": {"title": "Pay"}}
    ),
}


# --- the routes, from the URL patterns ----------------------------------------------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Endpoint:
    """One method of one tenant-scoped route."""

    name: str
    method: str
    dialect: Dialect
    path: tuple[str, ...]  # path parameters, in order
    route: Route

    def __str__(self):
        return f"{self.name} {self.method.upper()}"

    @property
    def body(self) -> Callable[[Ids], dict] | None:
        return getattr(self.route, self.method, None)

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids the request names, path then body, in the order the route looks them up."""
        named = set(self.path) | (_named(self.body) if self.body else set())
        return tuple(name for name in self.route.ids if name in named)


def _named(function: Callable[[Ids], dict]) -> set[str]:
    """The ids a body or query function asks for."""
    asked = set()
    function(lambda name: asked.add(name) or str(uuid.UUID(int=0)))
    return asked


def _api_patterns():
    """(name, urlconf, path parameters, view class) of every tenant-scoped route of the URL patterns."""

    def walk(patterns, urlconf=None, params=()):
        for pattern in patterns:
            here = (*params, *getattr(pattern.pattern, "converters", {}))
            if isinstance(pattern, URLResolver):
                included = getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
                yield from walk(pattern.url_patterns, included, here)
            else:
                yield pattern, urlconf, here

    for pattern, urlconf, params in walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and issubclass(view, TenantAPIView):
            yield pattern.name or f"<unnamed {pattern.pattern}>", urlconf, params, view


def _problem(name: str, method: str, params: tuple[str, ...], route: Route | None) -> str | None:
    """What the registry lacks to test this method of this route, if anything."""
    if route is None:
        return "no entry in ROUTES"
    body = getattr(route, method, None)
    if body is UNDECLARED:
        return f"no body: declare ROUTES[{name!r}].{method} (None for a method without one)"
    named = (*params, *sorted(_named(body) if body else ()))
    filters = {n for query in route.queries for n in _named(query)} if method == "get" else set()
    if unknown := [n for n in (*named, *sorted(filters)) if route.ids.get(n) not in KINDS]:
        return f"no kind of object (a World attribute) in ROUTES[{name!r}].ids for {', '.join(unknown)}"
    if method in ("get", "delete") and not named and not (method == "get" and route.lists):
        return f"names no id and is no list (ROUTES[{name!r}].lists)"
    return None


def _endpoints() -> tuple[list[Endpoint], list[str]]:
    """Every (route, method) with its registry entry, and what the registry lacks."""
    endpoints, missing, seen = [], [], set()
    for name, urlconf, params, view in _api_patterns():
        seen.add(name)
        route, dialect = ROUTES.get(name), DIALECTS.get(urlconf)
        if dialect is None:
            missing.append(f"{name}: not under a dialect's urls ({', '.join(DIALECTS)})")
            continue
        for method in (m for m in METHODS if hasattr(view, m)):
            if problem := _problem(name, method, params, route):
                missing.append(f"{name} {method.upper()}: {problem}")
            else:
                endpoints.append(Endpoint(name, method, dialect, params, route))
        for method in ("post", "put", "patch"):
            if route is not None and getattr(route, method) is not UNDECLARED and not hasattr(view, method):
                missing.append(f"{name} {method.upper()}: a body in ROUTES, but the view has no {method}()")
    missing += [f"{name}: in ROUTES, but no such route" for name in sorted(ROUTES.keys() - seen)]
    return endpoints, missing


ENDPOINTS, MISSING = _endpoints()


# --- requests and state -------------------------------------------------------------------------------------


def _call(endpoint: Endpoint, tenant, ids: dict[str, uuid.UUID], query: dict | None = None):
    """The endpoint's request as `tenant`'s client, naming `ids` (name -> primary key)."""
    wire = {name: endpoint.dialect.wire(pk) for name, pk in ids.items()}
    path = reverse(endpoint.name, kwargs={name: wire[name] for name in endpoint.path})
    if query:
        path += "?" + urlencode(query)
    body = endpoint.body(wire.__getitem__) if endpoint.body else None
    return APIClient().generic(
        endpoint.method.upper(),
        path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=endpoint.dialect.headers(tenant),
    )


def _answer(response) -> tuple[int, object]:
    body = response.json() if response.content else None
    if isinstance(body, dict):
        body.pop("requestId", None)  # each request's own
    return response.status_code, body


def _state(tenant) -> tuple:
    """What a refused request must leave as it was: the business's events and rows with their numbers."""
    ctx = tenant.ctx()

    def rows(model, *fields):
        return sorted(model.objects.for_tenant(ctx).values_list("id", *fields))

    return (
        LedgerEvent.objects.for_tenant(ctx).count(),
        rows(Account, "name", "email"),
        rows(Invoice, "status", "amount", "payment_amount", "refund_amount", "description", "due_date"),
        rows(Payment, "status", "amount", "allocated_amount", "refund_amount"),
        rows(InvoicePayment, "amount", "refund_amount"),
        rows(Refund, "amount"),
    )


def _key(world: World, kind: str):
    return KEYS.get(kind, lambda row: row.pk)(getattr(world, kind))


def _ids(world: World, endpoint: Endpoint, names) -> dict[str, uuid.UUID]:
    return {name: _key(world, endpoint.route.ids[name]) for name in names}


# --- the generated cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    endpoint: Endpoint
    label: str
    theirs: tuple[str, ...]  # the ids that name the other business's objects; the rest name the first's

    def __str__(self):
        return f"{self.endpoint} {self.label}"


def _cases(endpoint: Endpoint) -> list[Case]:
    """Everything theirs; with ids in both, only the path's or only the body's; with several in the path
    (or the body), each one alone."""
    in_path = tuple(n for n in endpoint.ids if n in endpoint.path)
    in_body = tuple(n for n in endpoint.ids if n not in endpoint.path)
    variants = {}
    if in_path and in_body:
        variants[endpoint.ids] = "theirs-everywhere"
    if in_path:
        variants.setdefault(in_path, "theirs-in-path")
    if in_body:
        variants.setdefault(in_body, "theirs-in-body")
    for group in (in_path, in_body):
        if len(group) > 1:
            for name in group:
                variants.setdefault((name,), f"theirs-{name}")
    return [Case(endpoint, label, theirs) for theirs, label in variants.items()]


CASES = [case for endpoint in ENDPOINTS for case in _cases(endpoint)]


@pytest.mark.parametrize("case", [pytest.param(c, id=str(c)) for c in CASES])
def test_another_business_s_ids_are_not_found(case, tenant, other_tenant):
    endpoint = case.endpoint
    mine_world, theirs_world = World(tenant), World(other_tenant)
    mine = _ids(mine_world, endpoint, endpoint.ids)
    theirs = {**mine, **_ids(theirs_world, endpoint, case.theirs)}
    nowhere = {**mine, **{name: uuid.uuid4() for name in case.theirs}}
    first = case.theirs[0]
    noun = NOUNS[type(getattr(theirs_world, endpoint.route.ids[first]))]
    expected = endpoint.dialect.missing(noun, first in endpoint.path)
    before = _state(tenant), _state(other_tenant)

    assert _answer(_call(endpoint, tenant, theirs)) == expected
    assert _answer(_call(endpoint, tenant, nowhere)) == expected
    assert (_state(tenant), _state(other_tenant)) == before

    # With its own ids the same request succeeds: the refusal was the other business's ids, nothing else.
    own = _call(endpoint, tenant, mine)
    assert 200 <= own.status_code < 300, own.content
    assert _state(other_tenant) == before[1]


@dataclass(frozen=True)
class Read:
    endpoint: Endpoint
    query: Callable[[Ids], dict] | None = None

    def __str__(self):
        if self.query is None:
            return f"{self.endpoint} {'list' if self.endpoint.route.lists else 'mine'}"
        shown = self.query(lambda name: f"<theirs {name}>")
        return f"{self.endpoint} list?{'&'.join(f'{k}={v}' for k, v in shown.items())}"


READS = [
    Read(endpoint, query)
    for endpoint in ENDPOINTS
    if endpoint.method == "get"
    for query in (None, *endpoint.route.queries)
]


@pytest.mark.parametrize("read", [pytest.param(r, id=str(r)) for r in READS])
def test_reads_show_nothing_of_another_business(read, tenant, other_tenant):
    endpoint, route = read.endpoint, read.endpoint.route
    mine_world, theirs_world = World(tenant), World(other_tenant)
    foreign = theirs_world.traces()
    filters = _named(read.query) if read.query else set()
    ids = {**_ids(mine_world, endpoint, endpoint.path), **_ids(theirs_world, endpoint, filters)}
    query = read.query(lambda name: endpoint.dialect.wire(ids[name])) if read.query else {}
    if route.lists:
        query.update(endpoint.dialect.list_query)
    own_rows = [_key(mine_world, route.lists)] if route.lists else []

    response = _call(endpoint, tenant, ids, query)
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert not [trace for trace in foreign if trace in text], "the answer shows the other business's ids"
    body = response.json()
    rows = endpoint.dialect.rows(body)
    assert (rows is not None) == bool(route.lists), "a list not declared in ROUTES, or the reverse"
    if rows is not None:
        expected = [] if filters else [endpoint.dialect.wire(pk) for pk in own_rows]
        assert [endpoint.dialect.row_id(row) for row in rows] == expected
        if "total_count" in body:
            assert body["total_count"] == len(rows)


def test_every_route_and_method_has_an_entry():
    """A route (or a method of one) the registry does not describe fails here, named."""
    if MISSING:
        pytest.fail(
            "no isolation fixture in ROUTES (tests/api/test_isolation.py) for:\n" + "\n".join(MISSING)
        )


# --- what the generated cases do not say --------------------------------------------------------------------


SEVERAL_IN_PATH = [e for e in ENDPOINTS if len(e.path) > 1]


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=str(e)) for e in SEVERAL_IN_PATH])
def test_an_object_of_mine_under_another_of_my_parents_is_not_found(endpoint, db):
    """Moov's invoice (or link) of another of my merchants under this one, DayZero's invoice payment of
    another of my invoices under this one: as absent as one that exists nowhere."""
    tenant = make_tenant(entities=endpoint.dialect.entities)
    here = World(tenant)
    elsewhere = World(tenant)
    elsewhere.account = tenant.account(entity_id=tenant.entity_ids[-1])
    child = endpoint.path[-1]
    mine = _ids(here, endpoint, endpoint.ids)
    crossed = {**mine, **_ids(elsewhere, endpoint, [child])}
    noun = NOUNS[type(getattr(elsewhere, endpoint.route.ids[child]))]
    before = _state(tenant)
    expected = endpoint.dialect.missing(noun, True)
    assert _answer(_call(endpoint, tenant, crossed)) == expected
    assert _answer(_call(endpoint, tenant, {**mine, child: uuid.uuid4()})) == expected
    assert _state(tenant) == before


@pytest.mark.parametrize("bad", ["not-a-uuid", "1", "x" * 300])
def test_moov_malformed_ids_are_404s(tenant, bad):
    world = World(tenant)
    moov = APIClient(headers=_bearer(tenant))
    assert moov.get(invoices_path(bad)).json() == {"error": "account not found"}
    assert moov.get(invoices_path(world.account, bad)).json() == {"error": "invoice not found"}
    assert moov.get(invoices_path(bad, world.invoice.id, "/payments")).status_code == 404


def test_an_entity_the_client_is_not_granted_hides_its_accounts(api, db):
    tenant = make_tenant(entities=2)
    tenant.client.all_entities = False
    tenant.client.save()
    tenant.client.entities.set([tenant.entity_ids[0]])
    hidden = tenant.account(entity_id=tenant.entity_ids[1])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.token}")
    assert api.get(invoices_path(hidden)).json() == {"error": "account not found"}
