"""``mergepilot org ...`` and ``mergepilot demo``."""

from __future__ import annotations

from .app import app

# commands are added below
_ = app
