"""Finalized notes and their files are immutable in the database itself: UPDATE is always refused,
DELETE only inside a transaction that has run ``SET LOCAL soapify.allow_note_delete = 'on'`` (the
one escape hatch, for a retention purge run by an operator; the app never sets it)."""

from django.db import migrations

IMMUTABLE = """
CREATE OR REPLACE FUNCTION soapify_outputs_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('soapify.allow_note_delete', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is immutable (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER outputs_finalizednote_immutable BEFORE UPDATE OR DELETE ON outputs_finalizednote
    FOR EACH ROW EXECUTE FUNCTION soapify_outputs_immutable();
CREATE TRIGGER outputs_outputfile_immutable BEFORE UPDATE OR DELETE ON outputs_outputfile
    FOR EACH ROW EXECUTE FUNCTION soapify_outputs_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS outputs_outputfile_immutable ON outputs_outputfile;
DROP TRIGGER IF EXISTS outputs_finalizednote_immutable ON outputs_finalizednote;
DROP FUNCTION IF EXISTS soapify_outputs_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("outputs", "0001_initial")]

    operations = [migrations.RunSQL(IMMUTABLE, DROP)]
