"""Alembic migrations for the lcdb-tap database (run them with `lcdb-tap db upgrade`)."""
