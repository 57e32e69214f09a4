"""Reading the search index: hybrid ranking, suggestions and query analytics, scoped first.

Ranking runs in PostgreSQL: up to ``CANDIDATES`` rows from each of full text
(``websearch_to_tsquery`` in the ``english`` and ``simple`` configurations, ranked by
``ts_rank_cd``), prefix matches of every query word (``word:*``: partial words, and Persian words
with a suffix, which no dictionary stems) and vector
k-NN (cosine distance below ``SEARCH_VECTOR_MAX_DISTANCE``: without a bound every row would be
a "match"), each list restricted to the caller's own rows and the filters *before* it
is ranked, fused by reciprocal rank fusion (``1 / (60 + rank)`` summed over the lists).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
import re
import statistics
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from pgvector import Vector

from soapify.core.embeddings import get_embedder
from soapify.core.engines import EngineError
from soapify.search.models import EMBEDDING_DIMENSIONS, SearchQueryLog
from soapify.search.text import mostly_persian, normalise

logger = logging.getLogger("soapify.search")

CANDIDATES = 100
RRF_K = 60
#: the candidate lists fused by default: full text (with word prefixes) and vector k-NN
MODES = frozenset({"text", "vector"})


@dataclass(frozen=True)
class Filters:
    encounter_id: int | None = None
    content_type: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _where(owner_id: int, filters: Filters) -> tuple[str, dict[str, Any]]:
    sql = ["u.owner_id = %(owner)s"]
    params: dict[str, Any] = {"owner": owner_id}
    if filters.encounter_id is not None:
        sql.append("u.encounter_id = %(encounter)s")
        params["encounter"] = filters.encounter_id
    if filters.content_type:
        sql.append("u.content_type = %(content_type)s")
        params["content_type"] = filters.content_type
    if filters.date_from:
        sql.append("u.date >= %(date_from)s")
        params["date_from"] = filters.date_from
    if filters.date_to:
        sql.append("u.date <= %(date_to)s")
        params["date_to"] = filters.date_to
    return " AND ".join(sql), params


def index_embedder() -> Any | None:
    """The embedder whose vectors the index holds: the one ``EMBEDDING_ENGINE`` names (the same
    instance the other engines share), or None when it gives vectors of another size."""
    embedder = get_embedder(str(settings.EMBEDDING_ENGINE))
    if embedder.dimensions != EMBEDDING_DIMENSIONS:
        logger.warning(
            "embedding engine gives %s dimensions, the index holds %s: vectors skipped",
            embedder.dimensions,
            EMBEDDING_DIMENSIONS,
        )
        return None
    return embedder


def _query_vector(text: str) -> str | None:
    """The pgvector literal of the (normalised) query's vector, or None: no vector leg.

    Short queries get none (``SEARCH_VECTOR_MIN_CHARS``). Vectors are shared by every process
    through the Django cache (``SEARCH_QUERY_VECTOR_CACHE_SECONDS``), keyed by the embedding model
    and a hash of the query (never its text), so a query typed again anywhere is not embedded again.
    """
    if len(text) < settings.SEARCH_VECTOR_MIN_CHARS:
        return None
    try:
        embedder = index_embedder()
        if embedder is None or (mostly_persian(text) and not getattr(embedder, "multilingual", False)):
            return None  # an English-only model puts every Persian text near every other one
        ttl = settings.SEARCH_QUERY_VECTOR_CACHE_SECONDS
        key = query_vector_key(embedder, text)
        cached = _cache_get(key) if ttl > 0 else None
        if cached is not None:
            return cached
        literal: str = Vector(embedder.encode([text])[0]).to_text()
    except EngineError:
        return None  # full text and word prefixes still answer
    if ttl > 0:
        _cache_set(key, literal, ttl)
    return literal


def query_vector_key(embedder: Any, text: str) -> str:
    """The cache key of ``text``'s vector by ``embedder``: a hash, never the query's words."""
    model = f"{embedder.name}:{getattr(embedder, 'model', '')}:{embedder.dimensions}"
    return "search:qvec:" + hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


def _cache_get(key: str) -> str | None:
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache only saves work: without it the query is embedded
        logger.warning("query-vector cache unavailable", exc_info=True)
        return None
    return value if isinstance(value, str) else None


def _cache_set(key: str, value: str, ttl: int) -> None:
    try:
        cache.set(key, value, ttl)
    except Exception:  # noqa: BLE001 - as in _cache_get
        logger.warning("query-vector cache unavailable", exc_info=True)


_TSQUERY = "(websearch_to_tsquery('english', %(q)s) || websearch_to_tsquery('simple', %(q)s))"


_WORD = re.compile(r"[^\W_]+")


def prefix_tsquery(text: str) -> str:
    """``w1:* & w2:*`` from the words of ``text`` (letters and digits only, so no tsquery syntax
    can get in): partial words, and Persian words with a suffix attached."""
    return " & ".join(f"{w}:*" for w in _WORD.findall(text)[:16])


def _ranking(
    *, user, query: str, filters: Filters, modes: frozenset[str]
) -> tuple[str, dict[str, Any]] | None:
    """The statement ranking the caller's best matches (``id, score``, best first) and its
    parameters, or None when no candidate list applies."""
    where, params = _where(user.pk, filters)
    params.update(q=normalise(query), k=CANDIDATES)
    lists = []
    if "text" in modes:
        lists.append(
            f"""SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r FROM (
              SELECT u.id, ts_rank_cd(u.tsv, {_TSQUERY}) AS rank FROM search_searchunit u
              WHERE {where} AND u.tsv @@ {_TSQUERY} ORDER BY rank DESC, u.id LIMIT %(k)s) fts"""  # noqa: S608 - fixed fragments, values bound
        )
    prefix = prefix_tsquery(params["q"]) if "text" in modes else ""
    if prefix:
        params["prefix"] = prefix
        lists.append(
            f"""SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r FROM (
                  SELECT u.id, ts_rank_cd(u.tsv, to_tsquery('simple', %(prefix)s)) AS rank
                  FROM search_searchunit u
                  WHERE {where} AND u.tsv @@ to_tsquery('simple', %(prefix)s)
                  ORDER BY rank DESC, u.id LIMIT %(k)s) pre"""  # noqa: S608
        )
    vector = _query_vector(params["q"]) if "vector" in modes else None
    if vector is not None:
        params["v"] = vector
        params["max_distance"] = settings.SEARCH_VECTOR_MAX_DISTANCE
        # the nearest k, then those within the bound (the same rows as bounding first: they are
        # a prefix of the order); the distance is computed once a row and the vector sent once
        lists.append(
            f"""SELECT id, row_number() OVER (ORDER BY d, id) AS r FROM (
                  SELECT u.id, u.embedding <=> %(v)s::vector AS d FROM search_searchunit u
                  WHERE {where} AND u.embedding IS NOT NULL
                  ORDER BY d, u.id LIMIT %(k)s) vec WHERE d < %(max_distance)s"""  # noqa: S608
        )
    if not lists:
        return None
    union = " UNION ALL ".join(f"({sql})" for sql in lists)
    sql = f"""SELECT id, sum(1.0 / ({RRF_K} + r)) AS score FROM ({union}) ranked
              GROUP BY id ORDER BY score DESC, id LIMIT %(k)s"""  # noqa: S608 - fixed SQL, values bound
    return sql, params


def search_ranked(
    *, user, query: str, filters: Filters, modes: frozenset[str] = MODES
) -> list[tuple[int, float]]:
    """``(unit id, fused score)`` of the caller's best matches, best first. ``modes``: which
    candidate lists are fused - ``text`` (full text and word prefixes) and/or ``vector``."""
    ranking = _ranking(user=user, query=query, filters=filters, modes=modes)
    if ranking is None:
        return []
    with connection.cursor() as cur:
        cur.execute(*ranking)
        return [(row[0], float(row[1])) for row in cur.fetchall()]


def _snippet(headline: str) -> str:
    """HTML-escaped, matches in ``<mark>``: PostgreSQL marks them with control characters (which
    no stored text holds), so the escaping can never touch the markup."""
    escaped = html.escape(" ".join(headline.split()), quote=False)
    return escaped.replace("\x02", "<mark>").replace("\x03", "</mark>")


#: a hit's columns, the snippet last: ``ts_headline`` of the text the query matched (Persian rows
#: show their normalised text), matches between chr(2) and chr(3)
_HIT_COLUMNS = f"""u.id, u.encounter_id, u.content_type, u.source_type, u.source_id, u.date, u.language,
               u.evidence,
               ts_headline(
                   CASE WHEN u.language = 'fa' THEN 'simple'::regconfig ELSE 'english'::regconfig END,
                   CASE WHEN u.language = 'fa' THEN u.search_text ELSE u.text END,
                   {_TSQUERY},
                   'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=35, MinWords=12, MaxFragments=2'
               )"""
_HIT_KEYS = ("id", "encounter_id", "content_type", "source_type", "source_id", "date", "language", "evidence")


def _hit(row: tuple) -> dict[str, Any]:
    """A hit in its response shape (``SearchHitSerializer`` documents it; the view sends these
    dicts as they are, the fields being already of their output types)."""
    hit = dict(zip(_HIT_KEYS, row[:8], strict=True))
    if isinstance(hit["evidence"], str):  # Django reads jsonb from a raw cursor as text
        hit["evidence"] = json.loads(hit["evidence"])  # stored as [{start, end}] (services._spans)
    hit["date"] = hit["date"].isoformat()
    return {**hit, "snippet": _snippet(row[8])}


def search_hits(*, ids: list[int], query: str) -> dict[int, dict[str, Any]]:
    """The rows of ``ids`` with an HTML-escaped snippet whose matches are wrapped in ``<mark>``."""
    if not ids:
        return {}
    sql = f"SELECT {_HIT_COLUMNS} FROM search_searchunit u WHERE u.id = ANY(%(ids)s)"  # noqa: S608 - fixed SQL
    with connection.cursor() as cur:
        cur.execute(sql, {"ids": ids, "q": normalise(query)})
        return {row[0]: _hit(row) for row in cur.fetchall()}


def search_page(
    *, user, query: str, filters: Filters, page: int | str, page_size: int
) -> tuple[list[tuple[int, float]], dict[int, dict[str, Any]]]:
    """One statement: the caller's ranked matches (as :func:`search_ranked`) and, for the rows of
    page ``page`` (a number from 1, or ``"last"``) of ``page_size`` only, their hit columns and
    snippets (``ts_headline`` runs on the page's rows, not on every candidate).

    Returns the ranking and the hits by id; a row of the page that has no hit (a page out of
    range) is simply missing from the hits."""
    ranking = _ranking(user=user, query=query, filters=filters, modes=MODES)
    if ranking is None:
        return [], {}
    sql, params = ranking
    if page == "last":
        on_page = "n.pos > (n.total - 1) / %(size)s * %(size)s"
    else:
        on_page = "n.pos > %(offset)s AND n.pos <= %(offset)s + %(size)s"
        params["offset"] = (int(page) - 1) * page_size
    params["size"] = page_size
    statement = f"""
        WITH ranked AS ({sql}),
        numbered AS (SELECT id, score, row_number() OVER (ORDER BY score DESC, id) AS pos,
                            count(*) OVER () AS total FROM ranked)
        SELECT n.id, n.score, {_HIT_COLUMNS}
        FROM numbered n
        LEFT JOIN search_searchunit u ON u.id = n.id AND u.owner_id = %(owner)s AND {on_page}
        ORDER BY n.pos"""  # noqa: S608 - fixed SQL, values bound
    with connection.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    ranked = [(row[0], float(row[1])) for row in rows]
    hits = {row[0]: _hit(row[2:]) for row in rows if row[2] is not None}
    return ranked, hits


_SUGGESTIONS = """
    (SELECT normalised, count(*) AS n, 0 AS past FROM search_searchquerylog
     WHERE user_id = %(user)s AND normalised LIKE %(like)s
     GROUP BY normalised ORDER BY n DESC, normalised LIMIT %(limit)s)
    UNION ALL
    (SELECT term, count(*) AS n, 1 AS past FROM search_searchterm
     WHERE owner_id = %(user)s AND term LIKE %(last)s
     GROUP BY term ORDER BY n DESC, term LIMIT %(limit)s)"""


def _like_prefix(text: str) -> str:
    """A LIKE pattern for values starting with ``text`` (``%``, ``_`` and ``\\`` literal)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_suggestions(*, user, prefix: str, limit: int) -> list[str]:
    """Completions of the last word of ``prefix`` from the caller's own words, then whole past
    queries of the caller that start with ``prefix``: one statement over two b-tree indexes
    (``search_query_prefix``, ``search_term_prefix``), both lists counted from the indexed column,
    so PostgreSQL answers them from the indexes. No embedding."""
    text = normalise(prefix)
    if not text:
        return []
    head, _, last = text.rpartition(" ")
    with connection.cursor() as cur:
        cur.execute(
            _SUGGESTIONS,
            {"user": user.pk, "like": _like_prefix(text), "last": _like_prefix(last), "limit": limit},
        )
        rows = cur.fetchall()
    past = [r[0] for r in rows if r[2] == 0]
    words = [f"{head} {r[0]}".strip() for r in rows if r[2] == 1]
    out: list[str] = []
    for candidate in past + words:
        if candidate not in out and candidate != text:
            out.append(candidate)
    return out[:limit]


def _latency(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None}
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(p95, 1)}


def search_analytics(*, user, days: int, is_admin: bool) -> dict[str, Any]:
    """A doctor: their own queries (counts, top, zero-result, latency). An admin: every user's,
    as aggregates only - never the text of a query."""
    since = timezone.now() - dt.timedelta(days=days)
    logs = SearchQueryLog.objects.filter(created_at__gte=since)
    if not is_admin:
        logs = logs.filter(user=user)
    latencies = list(logs.values_list("took_ms", flat=True))
    out: dict[str, Any] = {
        "days": days,
        "total_queries": len(latencies),
        "zero_result_count": logs.filter(results=0).count(),
        "latency": _latency(latencies),
    }
    if is_admin:
        out["users"] = logs.values("user").distinct().count()
        return out

    def top(qs) -> list[dict[str, Any]]:
        rows = qs.values("normalised").annotate(count=Count("id")).order_by("-count", "normalised")[:10]
        return [{"query": r["normalised"], "count": r["count"]} for r in rows]

    out["top_queries"] = top(logs)
    out["zero_result_queries"] = top(logs.filter(results=0))
    return out
