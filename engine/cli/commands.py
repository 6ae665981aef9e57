"""Imports every command module so each registers itself on the app."""

from __future__ import annotations

from . import (  # noqa: F401
    audit,
    db,
    demo,
    diagram,
    example,
    org,
    overlaps,
    proposals,
    serve,
    simulate,
    suggest,
    user,
    validate,
)
