"""Alembic migrations of the mergepilot store; run them with ``mergepilot db upgrade``."""
