import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")

app = Celery("soapify")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# --- Logs and health (soapify/core/logs.py, soapify/core/health.py) ---------------------------------
# Workers log through settings.LOGGING (structured, redacted) instead of Celery's own set-up, with the
# task id and, for jobs, the job id on every line; each worker beats a heartbeat read by /readyz.
from celery.signals import setup_logging, worker_ready, worker_shutdown  # noqa: E402
from django_structlog.celery.signals import bind_extra_task_metadata  # noqa: E402
from django_structlog.celery.steps import DjangoStructLogInitStep  # noqa: E402

from soapify.core import health, logs  # noqa: E402

app.steps["worker"].add(DjangoStructLogInitStep)
setup_logging.connect(logs.configure_logging_from_settings)
bind_extra_task_metadata.connect(logs.bind_job_id)
worker_ready.connect(health.worker_heartbeat_start)
worker_shutdown.connect(health.worker_heartbeat_stop)
