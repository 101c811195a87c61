"""The shape of the house (DESIGN.md): below api/ nothing knows a dialect, modules stay small, and every
place that crosses tenants is listed here with its reason. (The import arrows themselves are checked by
import-linter in `make lint`.)"""

import ast
import re
from pathlib import Path

import pytest
from rest_framework import serializers

from api.dayzero import fields as dayzero_fields
from api.dayzero import schemas as dayzero_schemas
from api.dayzero import serializers as dayzero_serializers
from api.moov import presenters as moov_presenters
from api.moov import schemas as moov_schemas
from api.moov import serializers as moov_serializers
from api.zuora import presenters as zuora_presenters
from api.zuora import schemas as zuora_schemas
from api.zuora import serializers as zuora_serializers
from invoices.models import Invoice, PaymentLink
from outbox.models import EmailDelivery
from payments.models import Payment

ROOT = Path(__file__).resolve().parent.parent
BELOW_API = ("core", "tenants", "outbox", "ledger", "invoices", "payments")
APPLICATION = (*BELOW_API, "api", "config")
DIALECTS = re.compile(r"zuora|dayzero|moov", re.IGNORECASE)
HEADERS = {"zuora-entity-ids", "zuora-track-id", "x-business-id", "x-moov-version", "idempotency-key"}
# DayZero's words for what the ledger names otherwise (a transaction is a payment, cents are minor units).
DAYZERO_WORDS = {"transaction_id", "issue_date", "paid_amount", "refunded_amount", "cents"}
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")


def _modules(*packages: str):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _wire_words() -> set[str]:
    """Every compound field name (InvoiceId, valueDecimal) of the dialects' requests and responses, their
    status words the ledger does not use, and DayZero's own words."""
    words = set(DAYZERO_WORDS)
    for module in (
        zuora_serializers,
        zuora_schemas,
        moov_serializers,
        moov_schemas,
        dayzero_serializers,
        dayzero_schemas,
    ):
        for value in vars(module).values():
            declared = isinstance(value, type) and value.__module__ == module.__name__
            if declared and issubclass(value, serializers.Serializer):
                words |= {name for name in value().fields if re.search(r"[a-z][A-Z]", name)}
    ledger_statuses = {
        *Invoice.Status.values,
        *PaymentLink.Status.values,
        *Payment.Status.values,
        *EmailDelivery.Status.values,
    }
    statuses = {
        *moov_presenters.STATUSES.values(),
        *dayzero_fields.INVOICE_STATUSES.values(),
        *zuora_presenters.INVOICE_STATUS.values(),
        *zuora_presenters.PAYMENT_STATUS.values(),
    }
    return words | (statuses - ledger_statuses)


def test_no_module_below_api_names_a_dialect_or_one_of_its_wire_words():
    wire = _wire_words()
    assert {"InvoiceId", "valueDecimal", "unpaid", "manual_paid", "Posted"} <= wire  # the check has teeth
    found = []
    for path in _modules(*BELOW_API):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for token in TOKEN.findall(line):
                if DIALECTS.search(token) or token.lower() in HEADERS or token in wire:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {token}")
    assert found == [], "dialect words below api/:\n" + "\n".join(found)


@pytest.mark.parametrize("path", list(_modules(*APPLICATION)), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_is_over_450_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines < 450, f"{path.relative_to(ROOT)} has {lines} lines: split it by what its parts do"


# Every place application code crosses tenants, with its reason. A new one fails this test until it is
# added here, where a reviewer sees it. (The admin's superuser lists and Django's own machinery read
# through the model's default manager, inside TenantScopedAdmin's one rule.)
ACROSS_TENANTS = {
    ("api/idempotency.py", "keys expire for every tenant alike"),
    ("invoices/links.py", "the outbox cancels the link it was queued for"),
    ("invoices/links.py", "the public payment-link page: its code is the credential"),
    ("outbox/email.py", "an outbox task sends the row it was queued for"),
    ("outbox/relay.py", "the outbox relays every tenant's pending side effects"),
    ("payments/services/reconcile.py", "reconcile recomputes every tenant's counters"),
}
# Names that would read rows past the tenant managers.
UNSCOPED = {"django_manager", "_default_manager", "_base_manager", "all_tenants", "unscoped"}


def test_every_crossing_of_tenants_is_spelled_one_way_with_a_reason_and_listed():
    crossings, unscoped = set(), []
    for path in _modules(*APPLICATION):
        name = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "across_tenants":
                reason = next(k.value for k in node.keywords if k.arg == "reason")
                assert isinstance(reason, ast.Constant) and reason.value, f"{name}: a reason in words"
                crossings.add((name, reason.value))
            if isinstance(node, ast.Attribute) and node.attr in UNSCOPED:
                unscoped.append(f"{name}:{node.lineno}: {node.attr}")
    assert crossings == ACROSS_TENANTS
    assert unscoped == []
