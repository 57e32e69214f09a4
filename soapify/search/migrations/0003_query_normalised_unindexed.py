"""``SearchQueryLog.normalised`` loses its index of its own: every read is per user, through
``search_query_prefix`` (user, normalised), so the single-column one only cost each search a write."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("search", "0002_query_prefix_index")]

    operations = [
        migrations.AlterField(
            model_name="searchquerylog",
            name="normalised",
            field=models.CharField(max_length=500),
        ),
    ]
