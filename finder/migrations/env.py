"""Alembic's environment: migrate the connection finder.db hands over, against the models."""

from __future__ import annotations

from alembic import context

from finder import models  # noqa: F401  (registers the tables)
from finder.db import Base, include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
