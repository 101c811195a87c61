"""config.postgres: savepoints left to the COMMIT, a statement sent with the COMMIT, and the ledger's writes
converted once."""

from decimal import Decimal
from unittest import mock

import psycopg._queries
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from invoices.models import Invoice
from payments.services import payment_apply, payment_record_for_invoice
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split()[0] for query in captured.captured_queries]


def _with_commit(invoice: Invoice, column: str) -> None:
    """Sends the invoice's `column` as it is now with the transaction's COMMIT."""
    connection.execute_with_commit(
        f"UPDATE invoices_invoice SET {column} = %s WHERE id = %s", [getattr(invoice, column), invoice.pk]
    )


def _stored(invoice: Invoice) -> Invoice:
    return Invoice.objects.across_tenants(reason="test").get(pk=invoice.pk)


def test_a_statement_held_for_the_commit_goes_with_it_in_one_round_trip():
    invoice = make_tenant().invoice("100")
    invoice.description = "saved with the commit"
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk).update(number="N-2")
        _with_commit(invoice, "description")
        held = len(captured)
    assert _statements(captured)[held - 1 :] == ["UPDATE", "UPDATE", "COMMIT"]
    stored = _stored(invoice)
    assert (stored.description, stored.number) == ("saved with the commit", "N-2")


def test_the_transactions_next_statement_sees_the_held_one():
    invoice = make_tenant().invoice("100")
    invoice.description = "held"
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        _with_commit(invoice, "description")
        before = len(captured)
        assert _stored(invoice).description == "held"  # sent just before this SELECT
        assert _statements(captured)[before:] == ["UPDATE", "SELECT"]
    assert _statements(captured)[-1] == "COMMIT"


def test_a_savepoint_rolled_back_leaves_the_held_statement_that_came_before_it():
    invoice = make_tenant().invoice("100")
    invoice.description = "held"
    table = Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        _with_commit(invoice, "description")
        before = len(captured)
        with pytest.raises(RuntimeError), transaction.atomic():
            table.update(number="undone")
            raise RuntimeError
    assert _statements(captured)[before:] == [
        "UPDATE",
        "SAVEPOINT",
        "UPDATE",
        "ROLLBACK",
        "RELEASE",
        "COMMIT",
    ]
    assert (_stored(invoice).description, _stored(invoice).number) == ("held", invoice.number)


def test_a_held_statement_that_fails_dooms_its_transaction_even_when_the_error_is_caught():
    invoice = make_tenant().invoice("100")
    invoice.payment_amount = Decimal("-1")  # breaks invoice_counters_in_range
    table = Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk)
    with pytest.raises(TransactionManagementError), transaction.atomic():
        table.update(description="work")
        _with_commit(invoice, "payment_amount")
        with pytest.raises(IntegrityError), transaction.atomic():  # its SAVEPOINT sends the held one first
            pass
        assert connection.needs_rollback
        table.update(number="never")  # Django refuses any more of the transaction
    assert (_stored(invoice).description, _stored(invoice).payment_amount) == ("", 0)


def test_when_the_statement_fails_nothing_of_the_transaction_commits():
    invoice = make_tenant().invoice("100")
    invoice.payment_amount = Decimal("-1")  # breaks invoice_counters_in_range
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk).update(description="work")
        _with_commit(invoice, "payment_amount")
    assert _stored(invoice).description == ""
    with transaction.atomic():  # the connection is usable, and holds nothing of the failed transaction
        Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk).update(number="N-3")
    assert (_stored(invoice).number, _stored(invoice).payment_amount) == ("N-3", 0)


def test_a_rollback_drops_the_statement():
    invoice = make_tenant().invoice("100")
    invoice.description = "never"
    with transaction.atomic():
        _with_commit(invoice, "description")
        transaction.set_rollback(True)
    with transaction.atomic():
        Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk).update(number="N-4")
    assert (_stored(invoice).description, _stored(invoice).number) == ("", "N-4")


def test_inside_a_savepoint_or_outside_a_transaction_the_statement_runs_at_once():
    invoice = make_tenant().invoice("100")
    invoice.description = "at once"
    with transaction.atomic(), transaction.atomic():
        _with_commit(invoice, "description")
        assert Invoice.objects.across_tenants(reason="test").get(pk=invoice.pk).description == "at once"
    invoice.description = "autocommit"
    _with_commit(invoice, "description")
    assert _stored(invoice).description == "autocommit"


def test_savepoints_left_to_the_commit_still_roll_back_alone():
    invoice = make_tenant().invoice("100")
    table = Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk)
    with (
        CaptureQueriesContext(connection) as captured,
        transaction.atomic(),
        connection.savepoints_left_to_commit(),
    ):
        with transaction.atomic():
            table.update(description="kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            table.update(number="undone")
            raise RuntimeError
        with transaction.atomic():
            table.update(currency="EUR")
    statements = _statements(captured)
    assert "RELEASE" not in statements and statements.count("ROLLBACK") == 1  # ROLLBACK TO SAVEPOINT
    stored = _stored(invoice)
    assert (stored.description, stored.number, stored.currency) == ("kept", invoice.number, "EUR")
    with CaptureQueriesContext(connection) as captured, transaction.atomic(), transaction.atomic():
        table.update(description="released")
    assert "RELEASE" in _statements(captured)  # only inside the block


def test_the_ledgers_one_statement_writes_are_converted_once_not_per_payment():
    """psycopg leaves statements of over 50 parameters out of its conversion cache; a payment's write has
    55-81 (tenants.statements.write), and config.postgres raises that limit."""
    tenant = make_tenant()
    invoice = tenant.invoice("100")
    account = invoice.account
    ctx = tenant.ctx()

    def pay():
        payment_record_for_invoice(
            ctx=ctx, invoice_id=invoice.id, amount=Decimal("1"), currency="USD", account_id=account.id
        )
        payment_apply(ctx=ctx, payment_id=tenant.payment("5").id, invoice_id=invoice.id, amount=Decimal("1"))

    pay()  # the first of each shape is converted and cached
    with (
        CaptureQueriesContext(connection) as captured,
        mock.patch.object(
            psycopg._queries, "_query2pg_nocache", wraps=psycopg._queries._query2pg_nocache
        ) as uncached,
    ):
        pay()
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("WITH u0 AS")]
    assert len(writes) == 2
    assert uncached.call_count == 0


def test_a_connection_used_a_moment_ago_is_not_health_checked_one_left_idle_is(monkeypatch):
    from config.postgres.base import HEALTH_CHECK_AFTER_IDLE_SECONDS

    checks = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append("SELECT 1") or usable())

    def request():
        connection.close_if_unusable_or_obsolete()  # what every request's start and end do
        with connection.cursor() as cursor:
            cursor.execute("SELECT 2")

    request()
    assert connection.health_check_enabled
    checks.clear()
    request()
    request()
    assert checks == []
    connection.used_at -= HEALTH_CHECK_AFTER_IDLE_SECONDS
    request()
    assert checks == ["SELECT 1"]
