"""Talking to the academy server: wire protocol client, connectivity, transfers. Worker threads."""
