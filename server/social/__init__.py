"""Polls and forum threads (tables only for now; their API arrives with sync)."""
