from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION soapify_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditlog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION soapify_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_auditlog_no_update ON core_auditlog;
DROP FUNCTION IF EXISTS soapify_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        CreateExtension("vector"),
        migrations.RunSQL(APPEND_ONLY, DROP),
    ]
