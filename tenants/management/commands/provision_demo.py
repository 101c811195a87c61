from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.errors import ApplicationError
from tenants.services import demo_provision


class Command(BaseCommand):
    help = (
        "Create the development demo tenant once; later runs print the same credentials and change nothing."
    )

    def handle(self, *args, **options):
        try:
            tenant = demo_provision()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        base = settings.PUBLIC_BASE_URL
        self.stdout.write(
            f"""Demo business: {tenant.business.name}
  business_id:   {tenant.business.id}
  entity_ids:    {", ".join(str(e) for e in tenant.entity_ids)}
  client_id:     {tenant.client.client_id}
  client_secret: {tenant.client_secret}
  access_token:  {tenant.access_token}

Try it:
  curl -s {base}/api/v1/accounts -H 'Authorization: Bearer {tenant.access_token}' \\
       -H 'x-business-id: {tenant.business.id}'
  curl -s {base}/oauth/token -d grant_type=client_credentials \\
       -d client_id={tenant.client.client_id} -d client_secret={tenant.client_secret}
API docs: {base}/api/docs/
"""
        )
