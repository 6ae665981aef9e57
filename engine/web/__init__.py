"""The service: one ASGI app holding the REST API (``api``) and the browser workbench
(``pages``), both thin layers over the same library calls as the CLI.

Needs the ``web`` extra (FastAPI, uvicorn).
"""
