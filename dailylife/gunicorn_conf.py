"""Gunicorn settings for dailylife: ``gunicorn -c python:dailylife.gunicorn_conf -w 4 ...``.

Gunicorn's ``-w`` never reaches the app, so the app could not know that several workers each
count failed sign-ins in their own memory. This hook tells it, through ``WEB_CONCURRENCY`` (the
variable gunicorn itself reads for its default), before the workers load the app; the app then
refuses ``memory://`` limit storage with more than one worker in production.
"""

import os


def on_starting(server) -> None:
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
