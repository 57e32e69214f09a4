"""Shared query helpers: PostgreSQL's ``percentile_cont`` as an ORM aggregate, and latency
histograms summed in SQL."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, BigIntegerField, DurationField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from soapify.analytics.timings import N_BUCKETS


class PercentileCont(Aggregate):
    """``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``: the interpolated ``p`` quantile (of
    intervals too: then a ``timedelta``)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, percentile: float, output_field=None, **extra: Any) -> None:
        if not 0.0 <= float(percentile) <= 1.0:
            raise ValueError("percentile must be within 0..1")
        super().__init__(
            expression,
            percentile=repr(float(percentile)),
            output_field=output_field or DurationField(),
            **extra,
        )


def bucket_sums() -> dict[str, Any]:
    """``b0 … b11``: the latency buckets of ``RequestRollup`` rows summed (for ``.aggregate`` or
    ``.annotate``)."""
    return {
        f"b{i}": Coalesce(Sum(Cast(KeyTextTransform(str(i), "buckets"), BigIntegerField())), 0)
        for i in range(N_BUCKETS)
    }


def buckets_of(row: dict) -> list[int]:
    return [int(row.get(f"b{i}") or 0) for i in range(N_BUCKETS)]
