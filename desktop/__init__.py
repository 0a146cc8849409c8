"""Samen desktop client: offline-first social learning.

Importing this package has no side effects; `desktop.app` is the composition root.
"""

__version__ = "0.1.0"
