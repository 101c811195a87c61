from django.core.management.base import BaseCommand, CommandError

from core.ids import parse_uuid
from payments.services import ledger_reconcile


class Command(BaseCommand):
    help = "Recompute every ledger counter from its rows and report differences (exit 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--business", help="only this business id")

    def handle(self, *args, business=None, **options):
        business_id = None
        if business is not None:
            business_id = parse_uuid(business)
            if business_id is None:
                raise CommandError(f"not a business id: {business}")
        differences = ledger_reconcile(business_id=business_id)
        for d in differences:
            self.stdout.write(f"{d.model} {d.pk} {d.field}: stored {d.stored} computed {d.computed}")
        if differences:
            raise CommandError(f"{len(differences)} counter(s) differ from their rows", returncode=1)
        self.stdout.write("ledger consistent: every counter equals the sum of its rows")
