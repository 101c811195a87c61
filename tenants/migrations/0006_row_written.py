from django.db import migrations

# tenants.statements.write checks in the statement itself that each row it updates or deletes was there, so
# that it can be sent with the COMMIT, when no Python is left to look at its result.
ROW_WRITTEN = """
CREATE FUNCTION row_written(counted bigint, what text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF counted <> 1 THEN
        RAISE EXCEPTION '% was not written', what USING ERRCODE = 'no_data_found';
    END IF;
    RETURN counted;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_account_contact")]

    operations = [
        migrations.RunSQL(ROW_WRITTEN, "DROP FUNCTION row_written(bigint, text)"),
    ]
