"""Small reusable widgets. UI thread."""
