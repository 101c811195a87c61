"""ledger.change: a change inside changes_share_transaction() takes no savepoint, and still never lets a
half-done transaction commit."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError
from invoices.models import Invoice
from ledger.change import Wanted, changes_share_transaction, ledger_change
from payments.models import Payment
from payments.services import payment_apply, payment_record_for_invoice
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paying():
    tenant = make_tenant()
    return tenant, tenant.invoice("100"), tenant.payment("30")


def _stored(invoice: Invoice) -> Invoice:
    return Invoice.objects.across_tenants(reason="test").get(pk=invoice.pk)


def _describe(invoice: Invoice, text: str) -> None:
    """Work done earlier in the same transaction (an Idempotency-Key's claim, in a request)."""
    Invoice.objects.across_tenants(reason="test").filter(pk=invoice.pk).update(description=text)


def _savepoints(captured: CaptureQueriesContext) -> int:
    return sum(query["sql"].startswith("SAVEPOINT") for query in captured.captured_queries)


def test_a_shared_change_takes_no_savepoint_and_commits_with_the_transaction(paying):
    tenant, invoice, payment = paying
    with CaptureQueriesContext(connection) as captured, transaction.atomic(), changes_share_transaction():
        _describe(invoice, "claimed")
        payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=Decimal("10"))
    assert _savepoints(captured) == 0
    stored = _stored(invoice)
    assert (stored.description, stored.payment_amount) == ("claimed", Decimal("10"))


def test_a_refusal_leaves_the_shared_transaction_usable_with_nothing_of_the_change(paying):
    tenant, invoice, payment = paying
    with transaction.atomic(), changes_share_transaction():
        _describe(invoice, "claimed")
        with pytest.raises(ApplicationError):  # more than the payment holds
            payment_apply(
                ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=Decimal("31")
            )
        assert not connection.needs_rollback
        _describe(invoice, "refusal saved")
    stored = _stored(invoice)
    assert (stored.description, stored.payment_amount) == ("refusal saved", 0)


def _breaks_a_check(change, locked, payment):
    locked.payment_amount = Decimal("-1")  # breaks invoice_counters_in_range when written


def _inserts_a_taken_key(change, locked, payment):
    locked.payment_amount = Decimal("1")
    change.add(payment)  # its key is taken


@pytest.mark.parametrize("spoil", [_breaks_a_check, _inserts_a_taken_key])
def test_a_database_error_in_a_shared_change_rolls_the_whole_transaction_back(paying, spoil):
    tenant, invoice, payment = paying
    with pytest.raises(IntegrityError), transaction.atomic(), changes_share_transaction():
        _describe(invoice, "claimed")
        with ledger_change(tenant.ctx()) as change:
            (locked,) = change.lock(Wanted(Invoice, invoice.id, "invoice", "invoice_id"))
            spoil(change, locked, payment)
        # The write is held for the COMMIT (tenants.statements.write), which PostgreSQL refuses whole.
    stored = _stored(invoice)
    assert (stored.description, stored.payment_amount) == ("", 0)


def test_a_new_payments_number_is_read_when_first_read_after_the_held_write(paying):
    """The database fills it from a sequence: reading it sends the held write, then reads the number."""
    tenant, invoice, _ = paying
    with transaction.atomic(), changes_share_transaction():
        with CaptureQueriesContext(connection) as paid:
            paid_for = payment_record_for_invoice(
                ctx=tenant.ctx(), invoice_id=invoice.id, amount=Decimal("5"), currency="USD"
            )
        assert not any("INSERT INTO" in query["sql"] for query in paid.captured_queries)  # held
        payment = paid_for.payment
        assert "number" not in payment.__dict__
        with CaptureQueriesContext(connection) as read:
            number = payment.number
        sent = [query["sql"] for query in read.captured_queries]
        assert len(sent) == 2 and "INSERT INTO" in sent[0] and sent[1].startswith("SELECT")
        assert isinstance(number, int) and number > 0
    assert Payment.objects.across_tenants(reason="test").get(pk=payment.pk).number == number
    assert _stored(invoice).payment_amount == Decimal("5")


def test_a_change_in_a_block_nested_inside_keeps_its_savepoint(paying):
    tenant, invoice, payment = paying

    def pay():
        payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=Decimal("5"))

    with transaction.atomic(), changes_share_transaction():
        with CaptureQueriesContext(connection) as nested, transaction.atomic():
            pay()  # the nested block's savepoint, and the change's own
        with CaptureQueriesContext(connection) as shared:
            pay()  # back in the block it was entered in
    assert (_savepoints(nested), _savepoints(shared)) == (2, 0)
    assert _stored(invoice).payment_amount == Decimal("10")


def test_changes_share_only_a_transaction_that_exists():
    with pytest.raises(TransactionManagementError), changes_share_transaction():
        pass
