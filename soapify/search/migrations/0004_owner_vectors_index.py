"""The caller-scoped vector list reads every row of its owner (an exact scan: HNSW cannot filter by
owner first in pgvector 0.6). ``search_unit_owner`` becomes a covering index holding each row's
encounter, id and embedding, so that scan is an index-only scan over the owner's part of the index
(about 500 pages for 2,000 rows) instead of one table page per row (1.5-3 k pages): 1.2 ms instead
of 5-7 ms for 2,000 rows on 2026-12-06 (docs/SEARCH.md). It costs ~1.6 kB of index per row."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # built and dropped CONCURRENTLY (outside a transaction): searches and index writes go on
    # while the new index is built, the old one serving until it is dropped
    atomic = False

    dependencies = [("search", "0003_query_normalised_unindexed")]

    operations = [
        AddIndexConcurrently(
            model_name="searchunit",
            index=models.Index(
                fields=["owner", "content_type", "date"],
                include=["encounter", "id", "embedding"],
                name="search_unit_owner_vectors",
            ),
        ),
        RemoveIndexConcurrently(model_name="searchunit", name="search_unit_owner"),
    ]
