"""Builders for test data. Everything goes through the services, as a client's data would."""

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from invoices.models import Invoice
from invoices.services import invoice_create
from payments.models import Payment
from payments.services import payment_record
from tenants.context import TenantContext
from tenants.models import Account
from tenants.services import ProvisionedTenant, account_create, business_provision

_seq = itertools.count(1)


@dataclass
class Tenant:
    """A provisioned business with helpers for HTTP calls as its client."""

    provisioned: ProvisionedTenant

    @property
    def business_id(self):
        return self.provisioned.business.id

    @property
    def entity_ids(self):
        return self.provisioned.entity_ids

    @property
    def client(self):
        return self.provisioned.client

    @property
    def token(self) -> str:
        return self.provisioned.access_token

    def ctx(self, entity_id=None) -> TenantContext:
        entities = (entity_id,) if entity_id else tuple(self.entity_ids)
        return TenantContext(
            business_id=self.business_id,
            entity_ids=entities,
            selected_entity_id=entities[0] if len(entities) == 1 else None,
            actor=self.client.actor,
        )

    def headers(self, **extra) -> dict:
        return {"Authorization": f"Bearer {self.token}", "x-business-id": str(self.business_id), **extra}

    def account(self, *, currency="USD", email="billing@example.com", name=None, entity_id=None) -> Account:
        return account_create(
            ctx=self.ctx(),
            name=name or f"Account {next(_seq)}",
            currency=currency,
            email=email,
            entity_id=entity_id or self.entity_ids[0],
        )

    def invoice(self, amount="100.00", *, account=None, currency="USD", status="open", **kwargs) -> Invoice:
        account = account or self.account(currency=currency)
        return invoice_create(
            ctx=self.ctx(),
            account_id=account.id,
            amount=Decimal(amount),
            currency=currency,
            status=status,
            **kwargs,
        )

    def payment(self, amount="100.00", *, currency="USD", account=None, **kwargs) -> Payment:
        return payment_record(
            ctx=self.ctx(),
            amount=Decimal(amount),
            currency=currency,
            account_id=account.id if account else None,
            occurred_at=timezone.now(),
            **kwargs,
        )


def make_tenant(*, name=None, entities=1, currency="USD") -> Tenant:
    return Tenant(
        business_provision(name=name or f"Business {next(_seq)}", entities=entities, currency=currency)
    )
