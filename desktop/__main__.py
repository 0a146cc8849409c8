"""`python -m desktop`: the same as the `samen` command."""

from desktop.cli import main

raise SystemExit(main())
