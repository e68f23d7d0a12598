# GigCase: the two commands a newcomer needs are `make demo` and `make test` (see README).
.PHONY: demo test bootstrap-demo bootstrap-test messages worker beat bench

PY := .venv/bin/python

demo: bootstrap-demo
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: bootstrap-test
	$(PY) -m pytest $(PYTEST_ARGS)

bootstrap-demo:
	bash scripts/bootstrap.sh demo

bootstrap-test:
	bash scripts/bootstrap.sh test

# Regenerate the zh_Hans and en catalogues after changing user-facing strings.
messages:
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'

# Production-style processes against DATABASE_URL / CELERY_BROKER_URL.
worker:
	$(PY) -m celery -A config worker -l info --max-tasks-per-child=50

beat:
	$(PY) -m celery -A config beat -l info

# Benchmarks at city scale on PostgreSQL (bench/README.md): 10k, 100k and 1M cases; BENCH_ARGS=--smoke for 10k.
bench:
	$(PY) -m bench $(BENCH_ARGS)
