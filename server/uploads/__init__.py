"""Resumable uploads of learners' recordings: tus 1.0.0 (core, creation, expiration,
termination) under /v1/uploads."""
