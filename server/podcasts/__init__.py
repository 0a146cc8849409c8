"""Podcast feeds and episodes, served as RSS 2.0 with plain file enclosures."""
