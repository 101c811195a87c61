"""tenants.rows: the hot path's single-row SQL, checked against what the ORM reads and writes."""

import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from invoices.models import Invoice
from payments.models import LedgerEvent, Payment
from tenants import rows
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


def test_get_reads_what_the_orm_reads_with_the_related_row_cached(tenant, django_assert_num_queries):
    invoice = tenant.invoice("12.345678901")
    with django_assert_num_queries(1):
        found = rows.get(Invoice, tenant.ctx(), invoice.pk, related="account")
        assert found.account.email == "billing@example.com"
    expected = Invoice.objects.for_tenant(tenant.ctx()).get(pk=invoice.pk)
    for field in Invoice._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.amount == Decimal("12.345678901")
    assert found._state.adding is False


def test_get_is_scoped_to_the_business_and_the_context_entities(tenant, other_tenant):
    invoice = tenant.invoice()
    assert rows.get(Invoice, other_tenant.ctx(), invoice.pk) is None
    assert rows.get(Invoice, tenant.ctx(), uuid.uuid4()) is None
    assert rows.get(Invoice, tenant.ctx(), invoice.pk, account_id=uuid.uuid4()) is None
    assert rows.get(Invoice, tenant.ctx(), invoice.pk, account_id=invoice.account_id) == invoice

    split = make_tenant(entities=2)
    first, second = split.entity_ids
    theirs = split.invoice(account=split.account(entity_id=second))
    assert rows.get(Invoice, split.ctx(first), theirs.pk) is None
    assert rows.get(Invoice, split.ctx(second), theirs.pk) == theirs


def test_insert_fills_defaults_and_reads_back_a_generated_key(tenant):
    payment = tenant.payment("5")
    event = rows.insert(
        LedgerEvent(
            business_id=tenant.business_id,
            entity_id=payment.entity_id,
            kind=LedgerEvent.Kind.PAYMENT_RECORDED,
            actor="test",
            payment_id=payment.pk,
            after={"amount": "5"},
        )
    )
    assert event.pk is not None
    stored = LedgerEvent.objects.unscoped().get(pk=event.pk)
    assert stored.after == {"amount": "5"} and stored.before == {}
    assert stored.created_at is not None


def test_write_runs_every_part_in_one_statement(tenant, django_assert_num_queries):
    account = tenant.account()
    invoice = tenant.invoice("100", account=account)
    payment = Payment(
        business_id=tenant.business_id,
        entity_id=account.entity_id,
        account=account,
        kind=Payment.Kind.EXTERNAL,
        currency="USD",
        amount=Decimal("30"),
        allocated_amount=Decimal("30"),
        occurred_at=timezone.now(),
    )
    # The event refers to the payment inserted after it: foreign keys are checked at commit.
    event = LedgerEvent(
        business_id=tenant.business_id,
        entity_id=account.entity_id,
        kind=LedgerEvent.Kind.PAYMENT_RECORDED,
        actor="test",
        payment_id=payment.pk,
    )
    invoice.payment_amount = Decimal("30")
    with django_assert_num_queries(1):
        rows.write(updates=[(invoice, ("payment_amount", "updated_at"))], inserts=[event, payment])
    assert Invoice.objects.for_tenant(tenant.ctx()).get(pk=invoice.pk).payment_amount == Decimal("30")
    assert Payment.objects.for_tenant(tenant.ctx()).get(pk=payment.pk).allocated_amount == Decimal("30")
    assert LedgerEvent.objects.unscoped().filter(payment_id=payment.pk).count() == 1
    assert payment._state.adding is False


def test_write_refuses_a_missing_row_and_a_broken_check_as_a_whole(tenant):
    invoice = tenant.invoice("100")
    gone = tenant.invoice("100")
    Invoice.objects.unscoped().filter(pk=gone.pk).delete()
    event = LedgerEvent(
        business_id=tenant.business_id, entity_id=invoice.entity_id, kind="applied", actor="test"
    )
    invoice.payment_amount = Decimal("1")
    with pytest.raises(DatabaseError, match="was not updated"), transaction.atomic():
        rows.write(updates=[(invoice, ("payment_amount",)), (gone, ("payment_amount",))], inserts=[event])
    invoice.payment_amount = Decimal("-1")  # CHECK: counters are never negative
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.write(updates=[(invoice, ("payment_amount",))], inserts=[event])
    assert Invoice.objects.for_tenant(tenant.ctx()).get(pk=invoice.pk).payment_amount == 0
    assert not LedgerEvent.objects.unscoped().filter(actor="test").exists()
