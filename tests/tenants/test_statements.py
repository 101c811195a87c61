"""tenants.statements: the hot path's SQL, checked against what the ORM reads and writes."""

import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from api.errors import lock_wait_expired
from core.errors import NotFound
from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments.models import Payment
from tenants import statements
from tenants.models import Account
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


def test_get_reads_what_the_orm_reads_with_the_related_row_cached(tenant, django_assert_num_queries):
    invoice = tenant.invoice("12.345678901")
    with django_assert_num_queries(1):
        found = statements.get(Invoice, tenant.ctx(), invoice.pk, related="account")
        assert found.account.email == "billing@example.com"
    expected = Invoice.objects.for_tenant(tenant.ctx()).get(pk=invoice.pk)
    for field in Invoice._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.amount == Decimal("12.345678901")
    assert found._state.adding is False


def test_get_is_scoped_to_the_business_and_the_context_entities(tenant, other_tenant):
    invoice = tenant.invoice()
    assert statements.get(Invoice, other_tenant.ctx(), invoice.pk) is None
    assert statements.get(Invoice, tenant.ctx(), uuid.uuid4()) is None
    assert statements.get(Invoice, tenant.ctx(), invoice.pk, account_id=uuid.uuid4()) is None
    assert statements.get(Invoice, tenant.ctx(), invoice.pk, account_id=invoice.account_id) == invoice

    split = make_tenant(entities=2)
    first, second = split.entity_ids
    theirs = split.invoice(account=split.account(entity_id=second))
    assert statements.get(Invoice, split.ctx(first), theirs.pk) is None
    assert statements.get(Invoice, split.ctx(second), theirs.pk) == theirs


@pytest.mark.parametrize("key", ["not-a-uuid", "", None, str(uuid.uuid4())])
def test_get_by_key_is_not_found_for_a_malformed_absent_or_foreign_key(tenant, other_tenant, key):
    with pytest.raises(NotFound, match="account not found"):
        statements.get_by_key(Account, tenant.ctx(), key, what="account", field="account_id")
    theirs = other_tenant.account()
    with pytest.raises(NotFound):
        statements.get_by_key(Account, tenant.ctx(), theirs.pk, what="account", field="account_id")
    assert statements.get_by_key(Account, other_tenant.ctx(), theirs.id.hex, what="a", field="f") == theirs


def _both(ctx, payment_id, invoice_id):
    return statements.get_locked_together(
        ctx,
        statements.Wanted(Payment, payment_id, "payment", "payment_id"),
        statements.Wanted(Invoice, invoice_id, "invoice", "invoice_id", related="account"),
    )


def test_get_locked_together_reads_what_get_locked_reads_in_one_statement(tenant, django_assert_num_queries):
    invoice, payment = tenant.invoice("12.5"), tenant.payment("7.25")
    with transaction.atomic():
        with django_assert_num_queries(1):
            found_payment, found_invoice = _both(tenant.ctx(), payment.pk.hex, str(invoice.pk))
            assert found_invoice.account.email == "billing@example.com"
        one_payment = statements.get_locked(
            Payment, tenant.ctx(), payment.pk, what="payment", field="payment_id"
        )
        one_invoice = statements.get_locked(
            Invoice, tenant.ctx(), invoice.pk, what="invoice", field="invoice_id"
        )
    for found, one in ((found_payment, one_payment), (found_invoice, one_invoice)):
        for field in type(one)._meta.concrete_fields:
            assert getattr(found, field.attname) == getattr(one, field.attname), field.name
        assert found._state.adding is False


def test_get_locked_together_names_the_first_absent_row_as_the_calls_one_by_one_would(tenant, other_tenant):
    invoice, payment = tenant.invoice(), tenant.payment()
    theirs = other_tenant.invoice()
    ctx = tenant.ctx()
    for payment_id, invoice_id, field in [
        (uuid.uuid4(), invoice.pk, "payment_id"),
        ("not-a-key", invoice.pk, "payment_id"),
        (uuid.uuid4(), uuid.uuid4(), "payment_id"),
        (payment.pk, uuid.uuid4(), "invoice_id"),
        (payment.pk, "not-a-key", "invoice_id"),
        (payment.pk, theirs.pk, "invoice_id"),  # another tenant's row is as absent as a missing one
    ]:
        with pytest.raises(NotFound) as missing, transaction.atomic():
            _both(ctx, payment_id, invoice_id)
        assert missing.value.field == field


@pytest.mark.django_db(transaction=True)
def test_get_locked_together_holds_every_row_lock_and_queue_turn_it_took(tenant):
    invoice, payment = tenant.invoice(), tenant.payment()
    ctx = tenant.ctx()
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                _both(ctx, payment.pk, invoice.pk)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(hold)
        assert holding.wait(10)
        try:
            for model, pk in ((Payment, payment.pk), (Invoice, invoice.pk)):
                with pytest.raises(OperationalError) as busy, transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '200ms'")
                    statements.get(model, ctx, pk, lock=True)
                assert lock_wait_expired(busy.value), model
                # The row lock itself, not only the queue's turn: the ORM's own lock waits too.
                with pytest.raises(OperationalError) as busy, transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '200ms'")
                    model.objects.across_tenants(reason="test").select_for_update().get(pk=pk)
                assert lock_wait_expired(busy.value), model
        finally:
            release.set()
            held.result(10)


def test_write_fills_defaults_as_save_would(tenant):
    payment = tenant.payment("5")
    statements.write(
        inserts=[
            LedgerEvent(
                business_id=tenant.business_id,
                entity_id=payment.entity_id,
                kind=LedgerEvent.Kind.PAYMENT_RECORDED,
                actor="written",
                payment_id=payment.pk,
                after={"amount": "5"},
            )
        ]
    )
    stored = LedgerEvent.objects.across_tenants(reason="test").get(actor="written")
    assert stored.after == {"amount": "5"} and stored.before == {}
    assert stored.created_at is not None


def _send_held() -> None:
    """A write the database fills nothing of is held for the transaction's next statement or its COMMIT
    (config.postgres); a test's transaction is never committed, so the next cursor sends it."""
    connection.cursor().close()


def test_write_keeps_the_order_events_were_added_in(tenant, django_assert_num_queries):
    # One INSERT per WITH clause ran them in reverse: the ledger's history read backwards.
    payment = tenant.payment("5")
    events = [
        LedgerEvent(
            business_id=tenant.business_id,
            entity_id=payment.entity_id,
            kind=kind,
            actor="ordered",
            payment_id=payment.pk,
        )
        for kind in (LedgerEvent.Kind.APPLIED, LedgerEvent.Kind.AMOUNT_CHANGED, LedgerEvent.Kind.UNAPPLIED)
    ]
    with django_assert_num_queries(1):
        statements.write(updates=[(payment, ("updated_at",))], inserts=events)
        _send_held()
    stored = LedgerEvent.objects.across_tenants(reason="test").filter(actor="ordered").order_by("id")
    assert [event.kind for event in stored] == ["applied", "amount_changed", "unapplied"]


def test_write_deletes_in_the_same_statement_and_refuses_a_row_already_gone(
    tenant, django_assert_num_queries
):
    first, second = tenant.payment("10"), tenant.payment("20")
    with django_assert_num_queries(1):
        statements.write(deletes=[first])
        _send_held()
    assert not Payment.objects.for_tenant(tenant.ctx()).filter(pk=first.pk).exists()
    with pytest.raises(DatabaseError, match="was not written"), transaction.atomic():
        statements.write(deletes=[second, first])
    assert Payment.objects.for_tenant(tenant.ctx()).filter(pk=second.pk).exists()


def test_write_runs_every_part_in_one_statement(tenant, django_assert_num_queries):
    account = tenant.account()
    invoice = tenant.invoice("100", account=account)
    payment = Payment(
        business_id=tenant.business_id,
        entity_id=account.entity_id,
        account=account,
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
        statements.write(updates=[(invoice, ("payment_amount", "updated_at"))], inserts=[event, payment])
        _send_held()
    assert Invoice.objects.for_tenant(tenant.ctx()).get(pk=invoice.pk).payment_amount == Decimal("30")
    assert Payment.objects.for_tenant(tenant.ctx()).get(pk=payment.pk).allocated_amount == Decimal("30")
    assert LedgerEvent.objects.across_tenants(reason="test").filter(payment_id=payment.pk).count() == 1
    assert payment._state.adding is False
    # Its number, which the database filled, is read when first read.
    assert "number" not in payment.__dict__
    with django_assert_num_queries(1):
        number = payment.number
    assert number == Payment.objects.for_tenant(tenant.ctx()).get(pk=payment.pk).number


def test_write_sent_at_once_in_a_savepoint_returns_the_fields_the_database_filled(
    tenant, django_assert_num_queries
):
    payment = Payment(
        business_id=tenant.business_id,
        entity_id=tenant.entity_ids[0],
        currency="USD",
        amount=Decimal("5"),
        occurred_at=timezone.now(),
    )
    with transaction.atomic(), django_assert_num_queries(1):  # in a savepoint: sent at once
        statements.write(inserts=[payment])
    assert isinstance(payment.__dict__["number"], int)
    assert str(payment).startswith(f"Payment {payment.number} ")


def test_naming_a_new_payment_never_queries(tenant, django_assert_num_queries):
    payment = tenant.payment("5")
    held = Payment(
        business_id=tenant.business_id,
        entity_id=payment.entity_id,
        currency="USD",
        amount=Decimal("5"),
        occurred_at=timezone.now(),
    )
    statements.write(inserts=[held])
    with django_assert_num_queries(0):
        assert str(held).startswith("Payment · ")
    _send_held()


def test_write_refuses_a_missing_row_and_a_broken_check_as_a_whole(tenant):
    invoice = tenant.invoice("100")
    gone = tenant.payment("100")
    Payment.objects.across_tenants(reason="test").filter(pk=gone.pk).delete()
    event = LedgerEvent(
        business_id=tenant.business_id, entity_id=invoice.entity_id, kind="applied", actor="test"
    )
    invoice.payment_amount = Decimal("1")
    with pytest.raises(DatabaseError, match="was not written"), transaction.atomic():
        statements.write(
            updates=[(invoice, ("payment_amount",)), (gone, ("allocated_amount",))], inserts=[event]
        )
    invoice.payment_amount = Decimal("-1")  # CHECK: counters are never negative
    with pytest.raises(IntegrityError), transaction.atomic():
        statements.write(updates=[(invoice, ("payment_amount",))], inserts=[event])
    assert Invoice.objects.for_tenant(tenant.ctx()).get(pk=invoice.pk).payment_amount == 0
    assert not LedgerEvent.objects.across_tenants(reason="test").filter(actor="test").exists()


@pytest.mark.django_db(transaction=True)
def test_a_write_held_for_the_commit_refuses_a_missing_row_there_and_nothing_commits():
    tenant = make_tenant()
    invoice, gone = tenant.invoice("100"), tenant.payment("100")
    Payment.objects.across_tenants(reason="test").filter(pk=gone.pk).delete()
    event = LedgerEvent(
        business_id=tenant.business_id, entity_id=invoice.entity_id, kind="applied", actor="held"
    )
    invoice.payment_amount = Decimal("1")
    with pytest.raises(DatabaseError, match=f"Payment {gone.pk} was not written"), transaction.atomic():
        statements.write(
            updates=[(invoice, ("payment_amount",)), (gone, ("allocated_amount",))], inserts=[event]
        )
        assert connection.with_commit  # held: the COMMIT sends it
    assert Invoice.objects.for_tenant(tenant.ctx()).get(pk=invoice.pk).payment_amount == 0
    assert not LedgerEvent.objects.across_tenants(reason="test").filter(actor="held").exists()


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_goes_to_the_request_that_waited_longest_not_to_a_newcomer():
    """When a lock holder commits, PostgreSQL wakes the waiter, and a newcomer that finds the row unlocked
    before the waiter runs again would take it ahead of its turn. The waiter's backend is stopped
    (SIGSTOP) across the holder's commit, so the newcomer always runs first: it must queue behind."""
    tenant = make_tenant()
    invoice, ctx = tenant.invoice(), tenant.ctx()
    holding, release = threading.Event(), threading.Event()
    waiter_pid = []

    def hold():
        try:
            with transaction.atomic():
                statements.get(Invoice, ctx, invoice.pk, lock=True)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def wait_turn():
        try:
            connection.ensure_connection()
            waiter_pid.append(connection.connection.info.backend_pid)
            with transaction.atomic():
                return statements.get(Invoice, ctx, invoice.pk, lock=True)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        held = pool.submit(hold)
        assert holding.wait(10)
        waited = pool.submit(wait_turn)
        pid = _backend_waiting_on_a_lock(waiter_pid)
        os.kill(pid, signal.SIGSTOP)
        try:
            release.set()
            held.result(10)
            with pytest.raises(OperationalError) as newcomer, transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                statements.get(Invoice, ctx, invoice.pk.hex, lock=True)  # Zuora's spelling of the same key
            assert lock_wait_expired(newcomer.value)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert waited.result(10) == invoice


def _backend_waiting_on_a_lock(pid_holder: list) -> int:
    """The waiter's backend pid, once PostgreSQL shows it waiting on a lock."""
    deadline = time.monotonic() + 10
    while not pid_holder and time.monotonic() < deadline:
        time.sleep(0.01)
    pid = pid_holder[0]
    command = Path(f"/proc/{pid}/cmdline")
    if not command.exists() or not command.read_bytes().startswith(b"postgres"):
        pytest.skip("PostgreSQL runs on another machine: its backend cannot be paused from here")
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() == ("Lock",):
                return pid
            time.sleep(0.01)
    raise AssertionError("the waiter never waited on the lock")
