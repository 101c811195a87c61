"""Random sequences of apply / change / remove / refund / void: after every step each counter equals the
sum of its rows, every status follows its balance, and no database constraint is violated."""

import contextlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from core.errors import ApplicationError
from invoices import services as invoice_services
from invoices.models import Invoice
from payments import services
from payments.models import InvoicePayment, Payment
from payments.services import RefundPart
from tests.factories import make_tenant

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80"), places=2)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tenant = make_tenant()
        self.ctx = self.tenant.ctx()
        account = self.tenant.account()
        self.invoices = [self.tenant.invoice(amount, account=account) for amount in ("100", "55.55", "20")]
        self.payments = [self.tenant.payment(amount, account=account) for amount in ("120", "60", "35.5")]

    def _try(self, fn, **kwargs):
        # A refusal is a legal outcome; the invariants check that it changed nothing wrong.
        with contextlib.suppress(ApplicationError):
            fn(ctx=self.ctx, **kwargs)

    def _applications(self):
        return list(InvoicePayment.objects.for_tenant(self.ctx).order_by("created_at", "id"))

    @rule(i=st.integers(0, 2), p=st.integers(0, 2), amount=amounts, overpay=st.booleans())
    def apply(self, i, p, amount, overpay):
        self._try(
            services.payment_apply,
            invoice_id=self.invoices[i].id,
            payment_id=self.payments[p].id,
            amount=amount,
            allow_overpayment=overpay,
        )

    @rule(k=st.integers(0, 20), amount=amounts)
    def change(self, k, amount):
        applications = self._applications()
        if applications:
            self._try(
                services.application_change_amount,
                invoice_payment_id=applications[k % len(applications)].id,
                amount=amount,
            )

    @rule(k=st.integers(0, 20))
    def remove(self, k):
        applications = self._applications()
        if applications:
            self._try(services.payment_unapply, invoice_payment_id=applications[k % len(applications)].id)

    @rule(k=st.integers(0, 20), amount=amounts)
    def refund(self, k, amount):
        applications = self._applications()
        if applications:
            a = applications[k % len(applications)]
            self._try(
                services.refund_create,
                payment_id=a.payment_id,
                amount=amount,
                parts=[RefundPart(a.invoice_id, amount)],
            )

    @rule(i=st.integers(0, 2))
    def void(self, i):
        self._try(invoice_services.invoice_void, invoice_id=self.invoices[i].id)

    @invariant()
    def counters_equal_their_rows(self):
        assert services.ledger_reconcile(business_id=self.tenant.business_id) == []

    @invariant()
    def statuses_follow_balances(self):
        for invoice in Invoice.objects.for_tenant(self.ctx):
            if invoice.status == Invoice.Status.VOID:
                assert invoice.payment_amount == invoice.refund_amount
            elif invoice.balance <= 0:
                assert invoice.status == Invoice.Status.PAID and invoice.paid_at is not None
            elif invoice.balance == invoice.amount:
                assert invoice.status == Invoice.Status.OPEN
            else:
                assert invoice.status == Invoice.Status.PARTIALLY_PAID
        for payment in Payment.objects.for_tenant(self.ctx):
            assert 0 <= payment.refund_amount <= payment.allocated_amount <= payment.amount


@pytest.mark.django_db
def test_ledger_state_machine():
    LedgerMachine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    LedgerMachine.TestCase().runTest()
