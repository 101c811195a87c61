from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from invoices.services import invoice_create
from payments.models import Payment
from payments.services import payment_record
from tenants.models import Account
from tenants.services import account_create, demo_provision


class Command(BaseCommand):
    help = (
        "Create the development demo tenant once; later runs print the same credentials and change nothing."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        try:
            tenant = demo_provision()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        ctx = tenant.context()
        account = Account.objects.for_tenant(ctx).order_by("created_at").first()
        if account is None:  # something to pay on the first run only
            account = account_create(ctx=ctx, name="Demo Customer", currency="USD", email="ap@demo.invalid")
            invoice_create(ctx=ctx, account_id=account.id, amount=Decimal("250.00"), number="DEMO-1")
            payment_record(
                ctx=ctx,
                amount=Decimal("100.00"),
                currency="USD",
                occurred_at=timezone.now(),
                description="Demo wire",
            )
        invoice = account.invoices.order_by("created_at").first()
        payment = Payment.objects.for_tenant(ctx).order_by("created_at").first()
        base, token, business = settings.PUBLIC_BASE_URL, tenant.access_token, tenant.business.id
        auth = f"-H 'Authorization: Bearer {token}' -H 'x-business-id: {business}'"
        self.stdout.write(
            f"""Demo business: {tenant.business.name}
  business_id:   {business}
  entity_ids:    {", ".join(str(e) for e in tenant.entity_ids)}
  client_id:     {tenant.client.client_id}
  client_secret: {tenant.client_secret}
  access_token:  {token}

Try it:
  curl -s {base}/api/v1/invoices/{invoice.id} {auth}
  curl -s {base}/api/v1/invoices/{invoice.id}/payments {auth} -H 'Content-Type: application/json' \\
       -d '{{"transaction_id": "{payment.id}", "amount": 2500}}'
  curl -s {base}/v1/object/invoice/{invoice.id.hex} -H 'Authorization: Bearer {token}'
  curl -s {base}/accounts/{invoice.entity_id}/invoices/{invoice.id} -u {tenant.client.client_id}:{tenant.client_secret}
  curl -s {base}/oauth/token -d grant_type=client_credentials \\
       -d client_id={tenant.client.client_id} -d client_secret={tenant.client_secret}
API docs: {base}/api/docs/   Back office: {base}/admin/ (.venv/bin/python manage.py createsuperuser)
"""
        )
