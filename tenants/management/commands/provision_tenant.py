import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from tenants.services import business_provision


class Command(BaseCommand):
    help = "Create a business with N entities and one API client granted all of them with both scopes."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--entities", type=int, default=1)
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    def handle(self, *args, name, entities, currency, json: bool, **options):
        try:
            tenant = business_provision(name=name, entities=entities, currency=currency)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        out = {
            "business_id": str(tenant.business.id),
            "entity_ids": [str(e) for e in tenant.entity_ids],
            "client_id": tenant.client.client_id,
            "client_secret": tenant.client_secret,
            "access_token": tenant.access_token,
        }
        if json:
            self.stdout.write(jsonlib.dumps(out))
        else:
            for key, value in out.items():
                self.stdout.write(f"{key}: {value}")
