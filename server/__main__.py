"""`python -m server`: the same entry point as `samen-server`; runs on the main thread."""

from server.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
