"""Alembic's environment: migrate the connection finder.db hands over, against the models."""

from __future__ import annotations

from typing import Any

from alembic import context

from finder import models
from finder.db import Base


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
    """Leave the spatial index's own objects (R*Tree, PostGIS) to the migrations that made them."""
    return name not in models.UNMODELLED


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
