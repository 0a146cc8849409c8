"""Points: a ledger of what earned a learner points, per course, each source counted once."""
