"""Shared by the keyword data migrations (0003-0006); Django's loader skips modules named with "_"."""


def replace_unedited(apps, keywords: dict[str, dict], before: dict[str, dict]) -> None:
    """Set the global catalog items' keywords to ``keywords``, only where a row still holds the keywords
    the earlier migrations left (``before``): an administrator's edit is kept."""
    Catalog = apps.get_model("checklist", "ChecklistCatalog")
    for key, new in keywords.items():
        for row in Catalog.objects.filter(key=key, owner=None):
            if row.keywords == before[key]:
                row.keywords = new
                row.save(update_fields=["keywords"])
