"""Alembic environment: the app's engine and metadata, batch mode for SQLite (set in Migrate), and
on PostgreSQL one schema change at a time (``dailylife/deployment/upgrade.py``)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from dailylife.deployment.upgrade import one_at_a_time

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_extension = current_app.extensions["migrate"]
target_metadata = migrate_extension.db.metadata


def skip_empty_autogenerate(context, revision, directives):
    """`flask db migrate` with no model change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(url=str(migrate_extension.db.engine.url), target_metadata=target_metadata,
                      literal_binds=True, **migrate_extension.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    options = dict(migrate_extension.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with migrate_extension.db.engine.connect() as connection, one_at_a_time(connection):
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
