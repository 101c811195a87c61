from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION payments_ledgerevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger events are append-only (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_ledgerevent_append_only
    BEFORE UPDATE OR DELETE ON payments_ledgerevent
    FOR EACH ROW EXECUTE FUNCTION payments_ledgerevent_append_only();
"""

DROP = """
DROP TRIGGER payments_ledgerevent_append_only ON payments_ledgerevent;
DROP FUNCTION payments_ledgerevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
