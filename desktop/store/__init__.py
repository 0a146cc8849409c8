"""Local persistence: SQLite via sqlite-utils, the OS keyring for secrets. Worker threads."""
