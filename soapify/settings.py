"""SOAPify settings: one module, every value from the environment (see README "Configuration")."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    try:
        return default if value is None else int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = env(name)
    try:
        return default if value is None else float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in (env(name, default) or "").split(",") if v.strip()]


TESTING = "pytest" in sys.modules or env_bool("SOAPIFY_TESTING")
SOAPIFY_ENV = env("SOAPIFY_ENV", "development")
PRODUCTION = SOAPIFY_ENV == "production"

DATA_DIR = Path(env("SOAPIFY_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def local_secret_key(path: Path) -> str:
    """Outside production, with no SECRET_KEY set: a random key made on first run and kept in
    DATA_DIR (mode 0600), shared by every process (web, worker, tests) using that folder. It is
    written to a temporary file and hard-linked into place, so concurrent first runs agree on one
    key and nobody reads a half-written one. Never a published default."""
    if not path.exists():
        import contextlib
        import secrets

        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(64))
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first: use that one
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable secret key; delete it to make a new one.")
    return key


SECRET_KEY = env("SECRET_KEY") or ("" if PRODUCTION else local_secret_key(DATA_DIR / "secret_key"))
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SOAPIFY_ENV=production needs SECRET_KEY set to a random value of at least 50 characters."
    )

DEBUG = False if PRODUCTION else env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The base of the URLs this service hands out (signed links); by default the local port it runs on.
PUBLIC_BASE_URL = (env("PUBLIC_BASE_URL", f"http://127.0.0.1:{env('PORT', '8000')}") or "").rstrip("/")

INSTALLED_APPS = [
    "soapify.accounts.admin.AdminConfig",  # django.contrib.admin with the sign-in limiter on its login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "django_structlog",
    "soapify.core",
    "soapify.accounts",
    "soapify.encounters",
    "soapify.stt",
    "soapify.nlp",
    "soapify.checklist",
    "soapify.outputs",
    "soapify.search",
    "soapify.integrations",
    "soapify.analytics",
    "soapify.adminplus",
    "soapify.webhooks",
]

MIDDLEWARE = [
    # first: every response carries X-Request-ID and every log line of the request its request_id
    "soapify.core.logs.RequestIdMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "soapify.core.middleware.InputCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "soapify.core.middleware.ApiHeadersMiddleware",
]

ROOT_URLCONF = "soapify.urls"
WSGI_APPLICATION = "soapify.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL 16 + pgvector in DATA_DIR/pg -------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url

    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
else:
    from soapify.dbserver import embedded_database_config

    _db = embedded_database_config(DATA_DIR, shared_buffers=env("EMBEDDED_PG_SHARED_BUFFERS", "1GB"))
    _db["NAME"] = env("SOAPIFY_DB_NAME", _db["NAME"])
    _db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
_db["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", False)
# Each test run gets its own test database so parallel runs on one server never collide.
_db["TEST"] = {"NAME": env("TEST_DATABASE_NAME", f"test_soapify_{os.getpid()}")}
DATABASES = {"default": _db}

# --- Cache: Redis when configured, else a file cache shared by the web and worker processes ---------
REDIS_URL = env("REDIS_URL")
# Tests use the machine's Redis when it answers (db 1, TEST_CACHE_REDIS_URL), else a local-memory
# cache. Concurrent test runs share that db: each keeps its keys under its own KEY_PREFIX and clears
# only those (tests/conftest.py), never the whole db.
TEST_CACHE_REDIS_URL = env("TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/1")


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif TESTING and TEST_CACHE_REDIS_URL != "off" and _redis_answers(TEST_CACHE_REDIS_URL):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_CACHE_REDIS_URL,
            "KEY_PREFIX": f"soapify-test-{os.getpid()}",
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# --- Files: local by default, any S3-compatible store with AWS_STORAGE_BUCKET_NAME -----------------
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_URL = "/static/"
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
_private_local = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(MEDIA_ROOT / "private"), "base_url": None},
}
if AWS_STORAGE_BUCKET_NAME:
    _private = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME", "us-east-1"),
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
        },
    }
else:
    _private = _private_local
STORAGES = {
    "default": _private,
    "audio": _private,
    "outputs": _private,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Limits ------------------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
# JSON request bodies nested deeper than this are a 400 invalid_json (core/parsers.py).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
AUDIO_MAX_BYTES = env_int("AUDIO_MAX_BYTES", 500 * 1024 * 1024)
AUDIO_MAX_DURATION_SECONDS = env_float("AUDIO_MAX_DURATION_SECONDS", 4 * 3600)
UPLOAD_CHUNK_SIZE = env_int("UPLOAD_CHUNK_SIZE", 5 * 1024 * 1024)
UPLOAD_SESSION_TTL_SECONDS = env_int("UPLOAD_SESSION_TTL_SECONDS", 24 * 3600)
# after a whole-file checksum mismatch at commit, a session's parts are kept this long (a commit
# with the right sha256 may follow), then the periodic clean-up removes them
UPLOAD_FAILED_COMMIT_TTL_SECONDS = env_int("UPLOAD_FAILED_COMMIT_TTL_SECONDS", 3600)
SIGNED_URL_TTL_SECONDS = env_int("SIGNED_URL_TTL_SECONDS", 900)
UPLOAD_REQUEST_MAX_BYTES = env_int("UPLOAD_REQUEST_MAX_BYTES", UPLOAD_CHUNK_SIZE + 1024 * 1024)
BODY_LIMIT_EXEMPT_PREFIXES: tuple[str, ...] = ("/api/audio/upload/",)
# raw (tus-style) chunks stream to disk; the view enforces the same limits as this middleware
BODY_LIMIT_EXEMPT_PREFIXES += ("/api/uploads/chunk/",)

# --- Auth ------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env("JWT_SIGNING_KEY", SECRET_KEY),  # follows SECRET_KEY unless set
    "AUTH_HEADER_TYPES": ("Bearer",),
    "LEEWAY": 0,
}

if PRODUCTION and len(SIMPLE_JWT["SIGNING_KEY"]) < 50:
    raise ImproperlyConfigured("JWT_SIGNING_KEY, when set, must be a random value of at least 50 characters.")

# Django's username/password backend behind the sign-in limiter (accounts/limiter.py): token and
# login views, HTTP Basic and the admin login all count their failed attempts together.
AUTHENTICATION_BACKENDS = ["soapify.accounts.limiter.LimitedModelBackend"]

# HTTP Basic (development and tooling): off unless DEBUG or tests, or HTTP_BASIC_AUTH=true.
HTTP_BASIC_AUTH = env_bool("HTTP_BASIC_AUTH", DEBUG or TESTING)

# Rates are "<n>/<period>": s, m, h, d with an optional multiple ("10/15m", "30/min", "100/h").
THROTTLE_RATES = {
    # failed sign-in attempts (accounts/limiter.py): per client IP, per account from one client IP,
    # per account from every client (clients that signed in to the account before are exempt)
    "auth_ip": env("THROTTLE_AUTH_IP", "30/15m"),
    "auth_account_client": env("THROTTLE_AUTH_ACCOUNT_CLIENT", "10/15m"),
    "auth_account": env("THROTTLE_AUTH_ACCOUNT", "100/h"),
    # requests per client IP to the auth endpoints, whatever their outcome (a flood guard)
    "auth_requests": env("THROTTLE_AUTH_REQUESTS", "60/min"),
    "share_access": env("THROTTLE_SHARE_ACCESS", "60/min"),
    "otp": env("THROTTLE_OTP", "5/min"),
}

# Rate-limit profiles (requests per user and scope; RATE_LIMIT_PROFILES at the end of this file):
# off with RATE_LIMITS_ENABLED=false (benchmarks; a deployment limiting at its proxy instead).
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "soapify.accounts.authentication.SessionJWTAuthentication",
        # HTTP Basic (development and tooling) goes through the same sign-in limiter
        *(["soapify.accounts.basic.BasicAuthentication"] if HTTP_BASIC_AUTH else []),
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "soapify.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "soapify.core.parsers.JSONParser",
        "soapify.core.parsers.MultiPartParser",
        "soapify.core.parsers.FormParser",
    ],
    "DEFAULT_METADATA_CLASS": "soapify.core.metadata.Metadata",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "soapify.core.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # views with throttle_classes of their own (auth, share links) keep them instead
    "DEFAULT_THROTTLE_CLASSES": (
        ["soapify.accounts.throttles.ProfileRateThrottle"] if RATE_LIMITS_ENABLED else []
    ),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "SOAPify API",
    "DESCRIPTION": "Clinical documentation backend: audio → transcript → SOAP draft → checklist → "
    "finalized note (Markdown, PDF, FHIR) → patient share link.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # every operation documents the error statuses the framework gives, with the one error body
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "soapify.core.schema.error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "EncounterStatusEnum": "soapify.encounters.models.Encounter.Status",
        "AudioChunkStatusEnum": "soapify.encounters.models.AudioChunk.Status",
        "UploadSessionStatusEnum": "soapify.encounters.models.UploadSession.Status",
        "JobStatusEnum": "soapify.core.models.Job.Status",
        "ChunkTranscriptionStatusEnum": "soapify.stt.models.ChunkTranscription.Status",
        "SegmentSourceEnum": "soapify.stt.models.TranscriptSegment.Source",
        "ChecklistStatusEnum": "soapify.checklist.engines.base.STATUSES",
        "ChecklistPriorityEnum": "soapify.checklist.engines.base.PRIORITIES",
        "ChecklistCategoryEnum": "soapify.checklist.engines.base.CATEGORIES",
    },
}

# --- Celery: Redis/RabbitMQ in production; a filesystem broker (no server) otherwise -------------
_broker_dir = DATA_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": env_float("CELERY_FS_POLLING_INTERVAL", 0.1),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None  # job state lives in the Job table
CELERY_TASK_IGNORE_RESULT = True
# Durability: the Job row is the truth and a message only says "run this job now" (core/jobs.py).
# A message is acknowledged after its task (a worker that dies holding one gives it back, on brokers
# with acknowledgements; Redis after CELERY_VISIBILITY_TIMEOUT, which must stay longer than the
# task time limit and the longest retry delay). A redelivered or duplicate message is a no-op: the
# job is claimed by one conditional UPDATE, and jobs whose worker died are re-sent by the reaper.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds no more messages than it has free processes
# A lost broker connection does not cancel running jobs: they finish, fenced by their claim.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Stopping (make run: REMAP_SIGTERM=SIGQUIT, so TERM is Celery's cold shutdown; soapify/celery.py):
# running tasks get this long to finish, then are cancelled and their jobs queued again (the reaper,
# JOB_STALE_SECONDS after their last heartbeat); an idle worker stops at once. 0: cancel at once.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env_float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", 8.0)
# Last resort (workers without an event loop, i.e. the filesystem broker): a worker still running
# this long after its soft shutdown ended logs its threads' stacks and exits (soapify/celery.py).
WORKER_STOP_GRACE_SECONDS = env_float("WORKER_STOP_GRACE_SECONDS", 15.0)
CELERY_BROKER_HEARTBEAT = env_int("CELERY_BROKER_HEARTBEAT", 60)  # AMQP: a dead peer noticed in ~2 min
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1500)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Jobs whose worker died (core/jobs.py, jobs_reap): a running job's worker bumps its heartbeat_at
# every JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_SECONDS is queued again as a new attempt (up
# to its max_attempts, then failed with worker_lost); a queued job not picked up
# JOB_QUEUED_STALE_SECONDS after it was sent is sent again. The reaper runs every JOB_REAP_SECONDS.
JOB_HEARTBEAT_SECONDS = env_float("JOB_HEARTBEAT_SECONDS", 5.0)
JOB_STALE_SECONDS = env_float("JOB_STALE_SECONDS", 30.0)
JOB_QUEUED_STALE_SECONDS = env_float("JOB_QUEUED_STALE_SECONDS", 120.0)
JOB_REAP_SECONDS = env_float("JOB_REAP_SECONDS", 10.0)
# Job routing (core.jobs.job_queue): work nobody waits for at the end of a visit (speaker
# diarization, the search index) goes to the `background` queue, served by a worker process of its
# own at the lowest CPU priority (make run; README, Workers), so a visit's last chunk, draft and
# checklist never wait behind it. JOB_BACKGROUND_QUEUE="" keeps every job on its handler's queue.
JOB_BACKGROUND_QUEUE = os.environ.get("JOB_BACKGROUND_QUEUE", "background").strip()  # "" is meaningful
JOB_QUEUES: dict[str, str] = (
    dict.fromkeys(("stt.diarize_encounter", "search.reindex"), JOB_BACKGROUND_QUEUE)
    if JOB_BACKGROUND_QUEUE
    else {}
)
if JOB_STALE_SECONDS < 3 * JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("JOB_STALE_SECONDS must be at least 3 x JOB_HEARTBEAT_SECONDS.")
CELERY_BEAT_SCHEDULE: dict = {
    "jobs-reap": {
        "task": "soapify.core.tasks.reap_jobs",
        "schedule": JOB_REAP_SECONDS,
        "options": {"expires": JOB_REAP_SECONDS},  # runs missed while no worker ran are dropped
    },
    "idempotency-cleanup": {"task": "soapify.core.tasks.cleanup_expired", "schedule": 3600.0},
    "upload-sessions-cleanup": {
        "task": "soapify.encounters.tasks.cleanup_upload_sessions",
        "schedule": 900.0,
    },
}

# --- Engines (see README "Engines") ----------------------------------------------------------------
LLM_BASE_URL = env("LLM_BASE_URL")
LLM_API_KEY = env("LLM_API_KEY")
LLM_MODEL = env("LLM_MODEL", "gpt-4o-mini")
LLM_TIMEOUT = env_float("LLM_TIMEOUT", 60.0)
# Local models on CPUs (llama.cpp, Ollama) take minutes per note: LLM_STREAM=true reads the answer as
# it is generated, so LLM_TIMEOUT bounds the silence between tokens; LLM_MAX_SECONDS bounds the whole.
LLM_STREAM = env_bool("LLM_STREAM", False)
LLM_MAX_SECONDS = env_float("LLM_MAX_SECONDS", 900.0)
# How to ask for JSON: auto (negotiated per server: json_schema, json_object with a schema,
# json_object, the schema in the prompt), or one of those pinned.
LLM_RESPONSE_FORMAT = env("LLM_RESPONSE_FORMAT", "auto")

# Sentence embeddings. The offline engines (section classifier, checklist rules) always use the
# "minilm" alias: their trained head and thresholds fit all-MiniLM-L6-v2 vectors. EMBEDDING_ENGINE
# picks "default" (e.g. "openai": any OpenAI-compatible /v1/embeddings API, for multilingual search).
EMBEDDING_ENGINE = env("EMBEDDING_ENGINE", "minilm")
_embedding_backends = {
    # runtime: auto (onnxruntime once `manage.py prepare_embedder` has converted and verified the
    # model into DATA_DIR/models, else torch), onnx, torch - the same vectors either way; quantized:
    # onnxruntime runs the verified int8 copy (about half the CPU, mean cosine 0.99 to float32)
    "minilm": {
        "BACKEND": "soapify.core.embeddings.SentenceTransformerEmbedder",
        "OPTIONS": {
            "runtime": env("EMBEDDING_RUNTIME", "auto"),
            "quantized": env_bool("EMBEDDING_QUANTIZED", True),
        },
    },
    "openai": {
        "BACKEND": "soapify.core.embeddings.OpenAIEmbedder",
        "OPTIONS": {
            "base_url": env("EMBEDDING_BASE_URL", LLM_BASE_URL or "https://api.openai.com"),
            "api_key": env("EMBEDDING_API_KEY", LLM_API_KEY) or "",
            "model": env("EMBEDDING_MODEL", "text-embedding-3-small"),
            "timeout": env_float("EMBEDDING_TIMEOUT", 30.0),
            # whether the model reads Persian; with false, Persian rows and queries get no vectors
            "multilingual": env_bool("EMBEDDING_MULTILINGUAL", True),
        },
    },
}
if EMBEDDING_ENGINE not in _embedding_backends:
    raise ImproperlyConfigured(f"EMBEDDING_ENGINE must be one of {sorted(_embedding_backends)}")
EMBEDDING_ENGINES = {"default": _embedding_backends[EMBEDDING_ENGINE], **_embedding_backends}
# Search: a vector match counts only within this cosine distance of the query (0 same, 2 opposite)
SEARCH_VECTOR_MAX_DISTANCE = env_float("SEARCH_VECTOR_MAX_DISTANCE", 0.7)  # bench/search.py: best recall@10

STT_ENGINE = env("STT_ENGINE", "faster_whisper")
STT_LIVE_TRANSCRIPTION = env_bool("STT_LIVE_TRANSCRIPTION", True)
STT_WINDOW_SECONDS = env_float("STT_WINDOW_SECONDS", 30.0)
# A chunk longer than 2 x STT_WINDOW_SECONDS is cut into windows overlapping by
# STT_WINDOW_OVERLAP_SECONDS, each transcribed as its own job on the stt_bulk queue (in parallel on
# free workers) unless STT_PARALLEL_WINDOWS is off (then one job transcribes them in turn).
STT_WINDOW_OVERLAP_SECONDS = env_float("STT_WINDOW_OVERLAP_SECONDS", 1.5)
STT_PARALLEL_WINDOWS = env_bool("STT_PARALLEL_WINDOWS", True)
# Digits in Persian transcripts: "persian" (۰-۹) or "latin" (0-9).
STT_PERSIAN_DIGITS = env("STT_PERSIAN_DIGITS", "persian")
if STT_PERSIAN_DIGITS not in ("persian", "latin"):
    raise ImproperlyConfigured("STT_PERSIAN_DIGITS must be 'persian' or 'latin'")
STT_BUSY_WAIT_SECONDS = env_float("STT_BUSY_WAIT_SECONDS", 600.0)
_stt_backends = {
    "pocketsphinx": {
        "BACKEND": "soapify.stt.engines.pocketsphinx.PocketSphinxEngine",
        "OPTIONS": {
            "clinical": env_bool("STT_CLINICAL_ADAPTATION", True),
            "acoustic_adaptation": env_bool("STT_ACOUSTIC_ADAPTATION", False),
        },
    },
    "faster_whisper": {
        "BACKEND": "soapify.stt.engines.faster_whisper.FasterWhisperEngine",
        "OPTIONS": {
            # unset: the pinned Whisper base, assembled into DATA_DIR/models and verified by hash
            "model_path": env("WHISPER_MODEL_PATH"),
            "default_model_dir": str(DATA_DIR / "models"),
            "language": env("STT_LANGUAGE"),
            # one thread per worker process (make run: as many processes as cores): several visits
            # at once and a long file's windows finish sooner than with CTranslate2's default of 4
            # threads a process competing for the same cores (docs/JOBS.md, 2026-12-06); 0: its default
            "cpu_threads": env_int("WHISPER_CPU_THREADS", 1),
            # beam search width; 1 = greedy decoding (less CPU, see README for the measured trade)
            "beam_size": env_int("WHISPER_BEAM_SIZE", 5),
        },
    },
    "openai": {
        "BACKEND": "soapify.stt.engines.openai.OpenAIEngine",
        "OPTIONS": {
            "base_url": env("STT_OPENAI_BASE_URL", LLM_BASE_URL or "https://api.openai.com"),
            "api_key": env("STT_OPENAI_API_KEY", LLM_API_KEY),
            "model": env("STT_OPENAI_MODEL", "whisper-1"),
            "timeout": env_float("STT_OPENAI_TIMEOUT", 60.0),
            "language": env("STT_LANGUAGE"),
        },
    },
}
if STT_ENGINE not in _stt_backends:
    raise ImproperlyConfigured(f"STT_ENGINE must be one of {sorted(_stt_backends)}")
STT_ENGINES = {"default": _stt_backends[STT_ENGINE], **_stt_backends}

# Speaker diarization after transcription (soapify/stt/diarization): "resemblyzer" (speaker embeddings
# of each segment clustered into at most DIARIZATION_MAX_SPEAKERS speakers; a cosine distance above
# DIARIZATION_DISTANCE_THRESHOLD separates two speakers) or "none" (segments keep no speaker).
DIARIZATION_ENGINE = env("DIARIZATION_ENGINE", "resemblyzer")
_diarization_backends = {
    "resemblyzer": {
        "BACKEND": "soapify.stt.diarization.engines.ResemblyzerDiarizer",
        "OPTIONS": {
            "max_speakers": env_int("DIARIZATION_MAX_SPEAKERS", 2),
            "distance_threshold": env_float("DIARIZATION_DISTANCE_THRESHOLD", 0.28),
        },
    },
    "none": {"BACKEND": "soapify.stt.diarization.engines.NoDiarizer", "OPTIONS": {}},
}
if DIARIZATION_ENGINE not in _diarization_backends:
    raise ImproperlyConfigured(f"DIARIZATION_ENGINE must be one of {sorted(_diarization_backends)}")
DIARIZATION_ENGINES = {"default": _diarization_backends[DIARIZATION_ENGINE], **_diarization_backends}

NLP_ENGINE = env("NLP_ENGINE", "rules")
_llm_options = {
    "base_url": LLM_BASE_URL or "",
    "api_key": LLM_API_KEY or "",
    "model": LLM_MODEL,
    "timeout": LLM_TIMEOUT,
    "stream": LLM_STREAM,
    "max_seconds": LLM_MAX_SECONDS,
    "response_format": LLM_RESPONSE_FORMAT,
}
_nlp_backends = {
    "rules": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine", "OPTIONS": {}},
    "llm": {
        "BACKEND": "soapify.nlp.engines.llm.LLMEngine",
        "OPTIONS": {**_llm_options, "fallback": env("NLP_LLM_FALLBACK", "rules") or None},
    },
}
if NLP_ENGINE not in _nlp_backends:
    raise ImproperlyConfigured(f"NLP_ENGINE must be one of {sorted(_nlp_backends)}")
NOTE_ENGINES = {"default": _nlp_backends[NLP_ENGINE], **_nlp_backends}

CHECKLIST_ENGINE = env("CHECKLIST_ENGINE", "rules")
_checklist_backends = {
    "rules": {"BACKEND": "soapify.checklist.engines.rules.RulesEvaluator", "OPTIONS": {}},
    "llm": {"BACKEND": "soapify.checklist.engines.llm.LLMEvaluator", "OPTIONS": _llm_options},
}
if CHECKLIST_ENGINE not in _checklist_backends:
    raise ImproperlyConfigured(f"CHECKLIST_ENGINE must be one of {sorted(_checklist_backends)}")
CHECKLIST_ENGINES = {"default": _checklist_backends[CHECKLIST_ENGINE], **_checklist_backends}
# A generated draft starts the encounter's checklist evaluation (default template) unless one ran
# since the generation was asked for: the checklist is there without a separate call.
CHECKLIST_AFTER_DRAFT = env_bool("CHECKLIST_AFTER_DRAFT", True)

# SMS engines: see the Integrations section below.

LETTERHEAD = {
    "clinic_name": env("LETTERHEAD_CLINIC_NAME", "SOAPify Clinic"),
    "address": env("LETTERHEAD_ADDRESS", ""),
    "phone": env("LETTERHEAD_PHONE", ""),
}

# --- Security ---------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "no-referrer"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Number of proxies in front of the app whose X-Forwarded-For can be trusted for client IPs.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logs (soapify/core/logs.py): structured, with request_id/job_id, secrets redacted -------------
LOG_LEVEL = (env("LOG_LEVEL", "INFO") or "INFO").upper()
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "console")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'console'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "soapify.core.logs.structured_formatter", "fmt": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.request": {"level": "ERROR"}},
}
# django-structlog: request_started/request_finished lines with request_id and user_id; the request
# id comes from X-Request-ID as checked by RequestIdMiddleware. Celery tasks carry the request id of
# the request that sent them, and their task_id (and job_id) in the worker.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10  # logging.DEBUG: one line a request (request_finished)
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # the access log has the client address
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# --- Health (soapify/core/health.py): /healthz liveness, /readyz readiness ---------------------------
READY_CHECKS = env_list("READY_CHECKS", "database,cache,broker,worker")
READY_CHECK_TIMEOUT = env_float("READY_CHECK_TIMEOUT", 2.0)
# A Celery worker beats every READY_WORKER_MAX_AGE/3 s; readiness fails when none did in this long.
READY_WORKER_MAX_AGE = env_float("READY_WORKER_MAX_AGE", 60.0)

# --- Outputs (finalization, files, share links) -----------------------------------------------------
SHARE_LINK_DEFAULT_DAYS = env_int("SHARE_LINK_DEFAULT_DAYS", 7)
SHARE_LINK_MAX_DAYS = env_int("SHARE_LINK_MAX_DAYS", 30)

# --- Integrations (soapify/integrations): patient directory, OTP, session windows ------------------
# Patient directory (docs/INTEGRATIONS.md): "local" (our table; demo rows, `manage.py
# import_directory`) or "helssa" (the Helssa patient API over HTTP, read-only).
PATIENT_DIRECTORY_ENGINE = env("PATIENT_DIRECTORY_ENGINE", "local")
_directory_backends = {
    "local": {"BACKEND": "soapify.integrations.directory.local.LocalDirectory", "OPTIONS": {}},
    "helssa": {
        "BACKEND": "soapify.integrations.directory.helssa.HelssaDirectory",
        "OPTIONS": {
            "base_url": env("HELSSA_BASE_URL", ""),
            "api_key": env("HELSSA_API_KEY", ""),
            "timeout": env_float("HELSSA_TIMEOUT", 5.0),
            "max_retries": env_int("HELSSA_RETRIES", 1),
        },
    },
}
if PATIENT_DIRECTORY_ENGINE not in _directory_backends:
    raise ImproperlyConfigured(f"PATIENT_DIRECTORY_ENGINE must be one of {sorted(_directory_backends)}")
PATIENT_DIRECTORY_ENGINES = {"default": _directory_backends[PATIENT_DIRECTORY_ENGINE], **_directory_backends}
DIRECTORY_SEARCH_MAX_RESULTS = env_int("DIRECTORY_SEARCH_MAX_RESULTS", 20)
# Creating an encounter for a directory patient needs an active access grant (off: the seed's flow).
PATIENT_ACCESS_REQUIRED = env_bool("PATIENT_ACCESS_REQUIRED", False)
PATIENT_ACCESS_DEFAULT_MINUTES = env_int("PATIENT_ACCESS_DEFAULT_MINUTES", 480)
PATIENT_ACCESS_MAX_MINUTES = env_int("PATIENT_ACCESS_MAX_MINUTES", 1440)

# SMS engines: "console" (development: the log), "http" (a generic JSON provider), "kavenegar".
SMS_ENGINE = env("SMS_ENGINE", "console")
_sms_backends = {
    "console": {"BACKEND": "soapify.integrations.sms.console.ConsoleSMSEngine", "OPTIONS": {}},
    "http": {
        "BACKEND": "soapify.integrations.sms.http.HttpSMSEngine",
        "OPTIONS": {
            "url": env("SMS_HTTP_URL", ""),
            "api_key": env("SMS_HTTP_API_KEY", ""),
            "sender": env("SMS_SENDER", "SOAPify"),
            "timeout": env_float("SMS_HTTP_TIMEOUT", 10.0),
        },
    },
    "kavenegar": {
        "BACKEND": "soapify.integrations.sms.kavenegar.KavenegarSMSEngine",
        "OPTIONS": {
            "api_key": env("KAVENEGAR_API_KEY", ""),
            "sender": env("KAVENEGAR_SENDER", ""),
            "base_url": env("KAVENEGAR_BASE_URL", "https://api.kavenegar.com"),
            "timeout": env_float("KAVENEGAR_TIMEOUT", 10.0),
        },
    },
}
if SMS_ENGINE not in _sms_backends:
    raise ImproperlyConfigured(f"SMS_ENGINE must be one of {sorted(_sms_backends)}")
SMS_ENGINES = {"default": _sms_backends[SMS_ENGINE], **_sms_backends}

# One-time sign-in codes by SMS. {code} and {minutes} are filled in; Persian by default.
OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 300)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5)
OTP_LOCKOUT_SECONDS = env_int("OTP_LOCKOUT_SECONDS", 900)
OTP_SMS_TEXT = env(
    "OTP_SMS_TEXT", "کد ورود شما به SOAPify: {code}\nاین کد {minutes} دقیقه اعتبار دارد؛ آن را به کسی ندهید."
)
# codes sent to one number (whoever asks); requests per client IP are THROTTLE_OTP ("otp")
THROTTLE_RATES["otp_phone"] = env("THROTTLE_OTP_PHONE", "3/10m")

# Session windows opened by a verified code: idle limit (each extension), absolute limit.
SESSION_WINDOW_IDLE_MINUTES = env_int("SESSION_WINDOW_IDLE_MINUTES", 30)
SESSION_WINDOW_MAX_HOURS = env_float("SESSION_WINDOW_MAX_HOURS", 12.0)
# expired windows' logins are revoked this often (and at once by status/extend)
SESSION_WINDOW_REAP_SECONDS = env_float("SESSION_WINDOW_REAP_SECONDS", 60.0)
CELERY_BEAT_SCHEDULE["integrations-session-windows"] = {
    "task": "soapify.integrations.tasks.session_windows_expire",
    "schedule": SESSION_WINDOW_REAP_SECONDS,
    "options": {"expires": SESSION_WINDOW_REAP_SECONDS},
}

# /api/integrations/health/: each check's result is kept this long (providers are not hammered).
INTEGRATIONS_HEALTH_CACHE_SECONDS = env_int("INTEGRATIONS_HEALTH_CACHE_SECONDS", 30)
INTEGRATIONS_HEALTH_TIMEOUT = env_float("INTEGRATIONS_HEALTH_TIMEOUT", 3.0)

# --- Analytics (soapify/analytics): metrics, request timings, alerts --------------------------------
# Request timings (soapify/analytics/timings.py): a middleware counts each request (latency bucket
# and total time per minute, route template, method and status class) in its process, sent to a
# per-minute Redis hash every ANALYTICS_BUFFER_SECONDS; beat rolls complete minutes into the
# database every ANALYTICS_ROLLUP_SECONDS. Needs the default cache to be Redis (REDIS_URL);
# otherwise nothing is recorded. ANALYTICS_REQUEST_TIMINGS=false removes the middleware.
ANALYTICS_REQUEST_TIMINGS = env_bool("ANALYTICS_REQUEST_TIMINGS", True)
if ANALYTICS_REQUEST_TIMINGS:
    # outermost: it times the whole request
    MIDDLEWARE.insert(0, "soapify.analytics.middleware.RequestTimingMiddleware")
# each process sends its counts to Redis at most this often (0: every request sends its own)
ANALYTICS_BUFFER_SECONDS = env_float("ANALYTICS_BUFFER_SECONDS", 5.0)
ANALYTICS_ROLLUP_SECONDS = env_float("ANALYTICS_ROLLUP_SECONDS", 60.0)
ANALYTICS_ALERT_SECONDS = env_float("ANALYTICS_ALERT_SECONDS", 60.0)  # alert rules evaluated this often
ANALYTICS_RETENTION_DAYS = env_int("ANALYTICS_RETENTION_DAYS", 90)  # per-minute request rollups
ANALYTICS_EVENT_RETENTION_DAYS = env_int("ANALYTICS_EVENT_RETENTION_DAYS", 90)  # metric/activity events
ANALYTICS_ACTIVITY_METADATA_MAX_BYTES = env_int("ANALYTICS_ACTIVITY_METADATA_MAX_BYTES", 4096)
# Documentation time saved (business-metrics/): per finalized note, the minutes writing it by hand is
# assumed to take, less ANALYTICS_MINUTES_PER_EDIT per section edit of the draft (never below 0).
ANALYTICS_MANUAL_NOTE_MINUTES = env_float("ANALYTICS_MANUAL_NOTE_MINUTES", 10.0)
ANALYTICS_MINUTES_PER_EDIT = env_float("ANALYTICS_MINUTES_PER_EDIT", 1.0)
# events recorded per user (metric/ and activity/ together)
THROTTLE_RATES["analytics_events"] = env("THROTTLE_ANALYTICS_EVENTS", "600/min")
# /metrics (Prometheus): open to "Authorization: Bearer <METRICS_TOKEN>" and to clients within
# METRICS_ALLOWED_NETWORKS (comma-separated CIDRs); closed (403) when neither is set.
METRICS_TOKEN = env("METRICS_TOKEN", "") or ""
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
try:
    import ipaddress as _ipaddress

    for _network in METRICS_ALLOWED_NETWORKS:
        _ipaddress.ip_network(_network, strict=False)
except ValueError as _exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_exc}") from None
CELERY_BEAT_SCHEDULE.update(
    {
        "analytics-rollup": {
            "task": "soapify.analytics.tasks.rollup_requests",
            "schedule": ANALYTICS_ROLLUP_SECONDS,
            "options": {"expires": ANALYTICS_ROLLUP_SECONDS},
        },
        "analytics-alerts": {
            "task": "soapify.analytics.tasks.evaluate_alerts",
            "schedule": ANALYTICS_ALERT_SECONDS,
            "options": {"expires": ANALYTICS_ALERT_SECONDS},
        },
        "analytics-cleanup": {"task": "soapify.analytics.tasks.cleanup", "schedule": 3600.0},
    }
)


# --- AdminPlus (soapify/adminplus): operations API, /metrics ----------------------------------------
# Health checks (soapify/core/health.py registry) /adminplus/api/health/ runs, and those whose failure
# makes the system "down" (503) rather than "degraded" (200).
ADMINPLUS_HEALTH_CHECKS = env_list("ADMINPLUS_HEALTH_CHECKS", "database,cache,broker,worker,storage,engines")
ADMINPLUS_HEALTH_CRITICAL = env_list("ADMINPLUS_HEALTH_CRITICAL", "database,cache,broker,storage")
# Rows at most per table in an export (users, jobs, audit log, analytics tables); the newest kept.
ADMINPLUS_EXPORT_MAX_ROWS = env_int("ADMINPLUS_EXPORT_MAX_ROWS", 1_000_000)
# Export archives are kept this long in the default storage, then removed by the periodic clean-up.
ADMINPLUS_EXPORT_KEEP_HOURS = env_int("ADMINPLUS_EXPORT_KEEP_HOURS", 24)
CELERY_BEAT_SCHEDULE["adminplus-exports-cleanup"] = {
    "task": "soapify.adminplus.tasks.cleanup_exports",
    "schedule": 3600.0,
}

# --- Webhooks (soapify/webhooks) and rate-limit profiles ---------------------------------------------
# Webhooks (docs/WEBHOOKS.md): deliveries signed by Standard Webhooks, retried on this schedule
# (seconds after each failed attempt; the default spans ~27.6 h), the endpoint disabled when every
# attempt has failed for WEBHOOKS_DISABLE_AFTER_SECONDS. Private, loopback and link-local addresses
# are refused unless WEBHOOKS_ALLOW_PRIVATE (development only).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_REQUIRE_HTTPS = env_bool("WEBHOOKS_REQUIRE_HTTPS", PRODUCTION)
WEBHOOKS_CONNECT_TIMEOUT = env_float("WEBHOOKS_CONNECT_TIMEOUT", 5.0)
WEBHOOKS_READ_TIMEOUT = env_float("WEBHOOKS_READ_TIMEOUT", 10.0)
WEBHOOKS_TOTAL_TIMEOUT = env_float("WEBHOOKS_TOTAL_TIMEOUT", 15.0)
WEBHOOKS_MAX_RESPONSE_BYTES = env_int("WEBHOOKS_MAX_RESPONSE_BYTES", 65536)
try:
    WEBHOOKS_RETRY_SCHEDULE = [
        float(s) for s in env_list("WEBHOOKS_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000")
    ]
except ValueError:
    raise ImproperlyConfigured("WEBHOOKS_RETRY_SCHEDULE must be seconds separated by commas.") from None
WEBHOOKS_DISABLE_AFTER_SECONDS = env_float("WEBHOOKS_DISABLE_AFTER_SECONDS", 5 * 24 * 3600.0)
WEBHOOKS_SECRET_GRACE_SECONDS = env_int("WEBHOOKS_SECRET_GRACE_SECONDS", 24 * 3600)
WEBHOOKS_MAX_PER_USER = env_int("WEBHOOKS_MAX_PER_USER", 20)
WEBHOOKS_QUEUE = env("WEBHOOKS_QUEUE", "default")
# attempts under way at once per webhook (a hanging receiver holds at most this many worker processes)
WEBHOOKS_MAX_IN_FLIGHT = env_int("WEBHOOKS_MAX_IN_FLIGHT", 1)
if WEBHOOKS_MAX_IN_FLIGHT < 1:
    raise ImproperlyConfigured("WEBHOOKS_MAX_IN_FLIGHT must be at least 1.")
WEBHOOKS_SWEEP_SECONDS = env_float("WEBHOOKS_SWEEP_SECONDS", 5.0)
CELERY_BEAT_SCHEDULE["webhooks-send-due"] = {
    "task": "soapify.webhooks.tasks.send_due",
    "schedule": WEBHOOKS_SWEEP_SECONDS,
    "options": {"expires": WEBHOOKS_SWEEP_SECONDS},
}
# finished deliveries (and their attempt logs) are kept this long, then deleted hourly
WEBHOOKS_KEEP_DAYS = env_float("WEBHOOKS_KEEP_DAYS", 30.0)
CELERY_BEAT_SCHEDULE["webhooks-prune"] = {"task": "soapify.webhooks.tasks.prune", "schedule": 3600.0}

# Rate-limit profiles (soapify/accounts/throttles.py, docs/RATE-LIMITS.md): requests per user (per
# client IP when anonymous) and scope in fixed windows counted in the shared cache; 429 with
# Retry-After and RateLimit-* headers. A user's profile is User.rate_profile (set by admins; empty:
# "admin" for admins, else "default"). RATE_LIMIT_PROFILE_<NAME>="read=600/min,write=120/min,..."
# (scopes: read = GET/HEAD/OPTIONS, write = other methods, upload = audio uploads, heavy = POSTs that
# start jobs; rates as THROTTLE_RATES, "off" = no limit; a scope left out takes the default
# profile's). More profiles: RATE_LIMIT_EXTRA_PROFILES=name,... each with its RATE_LIMIT_PROFILE_<NAME>.
# Tests run with every rate at 100000/min unless the environment sets one (their own tests set theirs).
_RATE_LIMIT_DEFAULTS = {
    "default": "read=600/min,write=120/min,upload=600/min,heavy=30/min",
    "clinic": "read=1200/min,write=300/min,upload=1200/min,heavy=60/min",
    "integration": "read=3000/min,write=1200/min,upload=3000/min,heavy=300/min",
    "admin": "read=1200/min,write=300/min,upload=600/min,heavy=60/min",
}
_RATE_LIMIT_SCOPES = ("read", "write", "upload", "heavy")


def _rate_limit_profile(name: str) -> dict[str, str]:
    default = ",".join(f"{s}=100000/min" for s in _RATE_LIMIT_SCOPES) if TESTING else ""
    text = env(f"RATE_LIMIT_PROFILE_{name.upper()}", default or _RATE_LIMIT_DEFAULTS.get(name, "")) or ""
    rates: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        scope, _, rate = (x.strip() for x in item.partition("="))
        if scope not in _RATE_LIMIT_SCOPES or not rate:
            raise ImproperlyConfigured(
                f"RATE_LIMIT_PROFILE_{name.upper()}: {item!r} is not <scope>=<rate> with a scope of "
                f"{', '.join(_RATE_LIMIT_SCOPES)}"
            )
        rates[scope] = rate
    return rates


RATE_LIMIT_PROFILES = {
    name: _rate_limit_profile(name)
    for name in dict.fromkeys([*_RATE_LIMIT_DEFAULTS, *env_list("RATE_LIMIT_EXTRA_PROFILES")])
}

# --- Search (soapify/search): query-vector cache, vector leg bounds ---------------------------------
# Query vectors are kept in the Django cache (shared by every web process), keyed by a hash of the
# normalised query and the embedding model, for this long (0: no shared cache; each process still
# keeps its own LRU cache).
SEARCH_QUERY_VECTOR_CACHE_SECONDS = env_int("SEARCH_QUERY_VECTOR_CACHE_SECONDS", 86400)
# Queries shorter than this (normalised characters) skip the vector leg: a vector of one or two
# letters means nothing, and the full-text and word-prefix legs answer them.
SEARCH_VECTOR_MIN_CHARS = env_int("SEARCH_VECTOR_MIN_CHARS", 3)
