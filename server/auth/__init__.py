"""Accounts, passwords and bearer tokens."""
