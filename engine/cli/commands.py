"""Imports every command module so each registers itself on the app."""

from __future__ import annotations

from . import audit, db, demo, diagram, lifecycle, org, overlaps, simulate, validate  # noqa: F401
