"""The REST API under ``/v1``: resources mirroring library calls and CLI commands."""
