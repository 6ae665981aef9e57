"""Alembic revision scripts, one per schema revision."""
