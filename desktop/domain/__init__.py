"""Pure domain types and rules: dataclasses with no I/O and no Qt. Any thread."""
