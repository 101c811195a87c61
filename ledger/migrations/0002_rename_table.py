from django.db import migrations

RENAME = """
ALTER TRIGGER payments_ledgerevent_append_only ON ledger_ledgerevent RENAME TO ledger_ledgerevent_append_only;
ALTER FUNCTION payments_ledgerevent_append_only() RENAME TO ledger_ledgerevent_append_only;
"""
BACK = """
ALTER TRIGGER ledger_ledgerevent_append_only ON ledger_ledgerevent RENAME TO payments_ledgerevent_append_only;
ALTER FUNCTION ledger_ledgerevent_append_only() RENAME TO payments_ledgerevent_append_only;
"""


class Migration(migrations.Migration):
    # After payments 0004, which reads the events under their old table name.
    dependencies = [("ledger", "0001_initial"), ("payments", "0004_ledger_event_moved_payment_for_invoice")]

    operations = [
        migrations.AlterModelTable(name="ledgerevent", table=None),
        migrations.RunSQL(RENAME, BACK),
    ]
