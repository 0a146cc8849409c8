"""Client registrations for the sync protocol (push/pull arrive in a later issue)."""
