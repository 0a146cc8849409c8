"""Samen academy server: a FastAPI app (see :func:`server.app.create_app`) and its CLI.

Importing this package has no side effects; nothing runs until the factory or the CLI is called.
"""
