"""Use cases: blocking, Qt-free calls.

The UI runs them on the worker pool through its task runner; the CLI calls them directly.
"""
