"""Gunicorn settings for dailylife: ``gunicorn -c python:dailylife.gunicorn_conf -w 4 ...``.

Gunicorn's ``-w`` never reaches the app, so the app could not know that several workers each
count failed sign-ins in their own memory. This hook tells it, through ``WEB_CONCURRENCY`` (the
variable gunicorn itself reads for its default), before the workers load the app; the app then
refuses ``memory://`` limit storage with more than one worker in production.

Each worker, once it has loaded the app, checks that it may serve the database (in production:
the keys every instance shares and the schema of its release, ``deployment/health.py``); if not,
gunicorn stops with the reason instead of serving.

Once a worker has loaded the app, what it loaded (the kind declarations and their compiled
schemas, SQLAlchemy's mappers, the templates) stays for the worker's life: ``gc.freeze()`` leaves
it out of every garbage collection, which otherwise walks it again and again while a sync batch
makes thousands of short-lived objects (about a third of a batch's time, measured by
``tests/perf/bench_sync.py``).
"""

import gc
import os


def on_starting(server) -> None:
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)


def post_worker_init(worker) -> None:
    """Refuse to serve with keys or a schema other than the deployment's (an exception here
    halts gunicorn, "Worker failed to boot", with the message), then freeze what was loaded."""
    from dailylife.deployment.health import refuse_to_serve
    refuse_to_serve(worker.wsgi)
    gc.freeze()
