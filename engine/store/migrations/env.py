"""Alembic environment: runs on the connection that :meth:`Store.upgrade` hands over.

Run from the ``alembic`` command line instead, it connects to ``sqlalchemy.url`` or, when
that is not set, to ``MERGEPILOT_DB``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from mergepilot.engine.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("MERGEPILOT_DB")
    if not url:
        raise RuntimeError("set sqlalchemy.url or MERGEPILOT_DB")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("MERGEPILOT_DB", "")
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
