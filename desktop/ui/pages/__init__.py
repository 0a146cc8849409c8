"""Main-window pages. UI thread."""
