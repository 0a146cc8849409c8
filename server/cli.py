"""`samen-server` command line: run the server, add users, seed the demo academy, import
courses, enrol learners, manage polls.

Runs on the main thread; `run` hands the thread to uvicorn's event loop until interrupted.
Expected failures print one line to stderr and exit non-zero; only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import copy
import getpass
import os
import shutil
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from server.auth.accounts import AccountError, create_user, parse_role
from server.auth.models import Role
from server.config import DATABASE_URL_ENV, SMTP_PASSWORD_ENV, ServerConfig
from server.db import Database
from server.migrator import prepare_storage
from server.private_files import private_dir, restrict_new_files

PROG = "samen-server"
# Same as server.content.demo.DEFAULT_PASSWORD; not imported so `run` stays light.
DEMO_PASSWORD = "samen-demo"
# Where the worker processes of `run --workers N` keep their metrics (prometheus_client's name).
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


class CliError(Exception):
    """An operator mistake or environment problem; its message is the whole story."""


def _print_error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr, flush=True)


def _config(args: argparse.Namespace) -> ServerConfig:
    data_dir: Path = args.data.expanduser().resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise CliError(f"--data {data_dir} exists and is not a directory")
    return ServerConfig(data_dir=data_dir, database_url=args.database_url)


def _open_database(config: ServerConfig) -> Database:
    database = Database(config.sqlalchemy_url)
    try:
        prepare_storage(config, database.engine)
    except OSError as exc:
        database.dispose()
        raise CliError(f"cannot prepare {config.data_dir}: {exc.strerror or exc}") from exc
    except DBAPIError as exc:
        database.dispose()
        raise CliError(_database_failure(config, exc)) from None
    return database


def _database_failure(config: ServerConfig, exc: DBAPIError) -> str:
    """One line naming the database (never its password) and what its driver said."""
    where = make_url(config.sqlalchemy_url).render_as_string(hide_password=True)
    said = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__
    return f"cannot use the database {where}: {said}"


# An idle connection is kept this long (nginx's default; uvicorn's own is 5 s): a learner told
# to come back in a few seconds finds it still open, instead of racing its close (a connection
# error where a reply was due, seen at 1,000 learners).
KEEP_ALIVE_S = 75


class _AnnouncingServer(uvicorn.Server):
    """Prints the listening line once the socket is bound, so scripts can wait for it."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            print(f"Samen server listening on http://{host}:{port}", flush=True)


def _own_address(host: str, port: int) -> str:
    """Where the academy serves when no --public-url is given (links in e-mails start here)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
        _warn(f"links in e-mails will point to http://{host}:{port}; "
              "pass --public-url if supporters reach the academy elsewhere")  # fmt: skip
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _cmd_run(args: argparse.Namespace) -> int:
    from server.app import create_app  # FastAPI import only when serving

    if args.threads < 1 or args.queue < 0 or args.queue_wait <= 0:
        raise CliError("--threads must be at least 1, --queue at least 0, --queue-wait above 0")
    if args.push_threads < 1 or args.push_queue < 0:
        raise CliError("--push-threads must be at least 1, --push-queue at least 0")
    config = replace(
        _config(args),
        sync_requests_per_minute=args.sync_rate,
        public_url=args.public_url or _own_address(args.host, args.port),
        smtp_host=args.smtp_host,
        smtp_port=args.smtp_port,
        smtp_starttls=args.smtp_starttls,
        smtp_username=args.smtp_user,
        smtp_password=os.environ.get(SMTP_PASSWORD_ENV),
        supporter_requests_per_day=args.supporter_requests_per_day,
        supporter_link_days=args.supporter_link_days,
        upload_max_bytes=args.upload_max_mb * 1024 * 1024,
        upload_expiry_s=args.upload_expiry_s,
        threads=args.threads,
        queue=args.queue,
        queue_wait_s=args.queue_wait,
        push_threads=args.push_threads,
        push_queue=args.push_queue,
        metrics_from=_metrics_from(args.metrics_from),
        accel_redirect=args.accel_redirect,
        **({"academy_name": args.academy_name} if args.academy_name else {}),
        **({"mail_from": args.mail_from} if args.mail_from else {}),
    )
    try:
        private_dir(config.data_dir)
    except OSError as exc:
        raise CliError(f"cannot create {config.data_dir}: {exc.strerror or exc}") from exc
    _prepare_once(config, args.workers)
    if args.workers > 1:
        return _serve_workers(config, args)
    app = create_app(config)
    server = _AnnouncingServer(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            log_config=_log_config(args.log_level),
            timeout_keep_alive=KEEP_ALIVE_S,
        )
    )
    server.run()
    # uvicorn returns normally when it could not bind or start; say so and fail.
    return 0 if server.started else 1


def _metrics_from(value: str) -> tuple[str, ...]:
    from server.metrics import networks

    cidrs = tuple(part.strip() for part in value.split(",") if part.strip())
    try:
        networks(cidrs)
    except ValueError as exc:
        raise CliError(f"--metrics-from: {exc}") from None
    return cidrs


def _prepare_once(config: ServerConfig, workers: int) -> None:
    """Migrate and create the signing key here, before any worker starts (so they never race
    to), and say in one line when the database cannot be used."""
    from server.content.signing import AcademySigner

    if workers > 1 and make_url(config.sqlalchemy_url).get_backend_name() == "sqlite":
        raise CliError(
            "--workers above 1 needs PostgreSQL (--database-url): SQLite lets one process "
            "write at a time, so more processes would only wait for each other"
        )
    _open_database(config).dispose()
    AcademySigner.load_or_create(config.signing_key_path)


def _serve_workers(config: ServerConfig, args: argparse.Namespace) -> int:
    """N uvicorn worker processes on one listening socket; each imports the app by name and
    reads this config from the environment (uvicorn's supervisor restarts a dead one)."""
    from uvicorn.supervisors import Multiprocess

    os.environ.update(config.to_environment())
    # /metrics sums every worker's values from files in one emptied directory (server.metrics).
    metrics_dir = Path(os.environ.setdefault(METRICS_DIR_ENV, str(config.data_dir / "metrics")))
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    server_config = uvicorn.Config(
        "server.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=_log_config(args.log_level),
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    try:
        sock = server_config.bind_socket()
    except SystemExit:  # uvicorn has logged why it could not bind
        return 1
    host, port = sock.getsockname()[:2]
    print(f"Samen server listening on http://{host}:{port} ({args.workers} workers)", flush=True)
    Multiprocess(server_config, sockets=[sock]).run()
    return 0


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's own logging, and the academy's lines (loggers under `server`) through the
    same handler at the same level: without this, they reached no handler below WARNING."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["server"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("no password on standard input")
        return password
    try:
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Repeat password: ")
    except (EOFError, KeyboardInterrupt):
        raise CliError("no password given") from None
    if first != second:
        raise CliError("the passwords do not match")
    return first


def _cmd_user_add(args: argparse.Namespace) -> int:
    config = _config(args)
    role = parse_role(args.role)
    password = _read_password(args)
    database = _open_database(config)
    try:
        with database.session() as session:
            user = create_user(session, args.username, password, role, args.display_name)
            session.commit()
            print(f"added {user.role.value} {user.username!r} (id {user.id})")
    finally:
        database.dispose()
    return 0


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    from server.content.demo import seed_demo

    config = _config(args)
    started = time.monotonic()
    database = _open_database(config)
    try:
        report = seed_demo(database, config, args.password, _warn)
    finally:
        database.dispose()
    elapsed = time.monotonic() - started
    if report.changed:
        added = ", ".join(f"{kind}: {count}" for kind, count in report.created.items())
        print(f"demo academy seeded in {elapsed:.1f} s (added {added})")
    else:
        print("demo academy already present; nothing changed")
    return 0


def _cmd_course_import(args: argparse.Namespace) -> int:
    from server.content.importer import CourseImportError, import_course

    config = _config(args)
    source: Path = args.source.expanduser()
    started = time.monotonic()
    database = _open_database(config)
    try:
        report = import_course(
            database,
            config,
            source,
            lambda line: print(line, flush=True),
            allow_removing_lessons=args.allow_removing_lessons,
        )
    except CourseImportError as exc:
        raise CliError(str(exc)) from exc
    finally:
        database.dispose()
    elapsed = time.monotonic() - started
    if report.created:
        outcome = f"created, version {report.version}"
    elif report.content_changed:
        outcome = f"updated to version {report.version}"
    else:
        outcome = f"unchanged, version {report.version}"
    print(f"course {report.course_id}: {outcome} ({elapsed:.1f} s)")
    return 0


def _cmd_course_enrol(args: argparse.Namespace) -> int:
    from server.auth.accounts import find_user
    from server.content.models import Course, Enrolment

    config = _config(args)
    database = _open_database(config)
    try:
        with database.session() as session:
            if session.get(Course, args.course) is None:
                raise CliError(f"there is no course {args.course!r}")
            for username in args.users:
                user = find_user(session, username)
                if user is None:
                    raise CliError(f"there is no user {username!r}; nothing was changed")
                if session.get(Enrolment, (args.course, user.id)) is None:
                    session.add(Enrolment(course_id=args.course, user_id=user.id))
            session.commit()
    finally:
        database.dispose()
    print(f"enrolled in {args.course}: {', '.join(args.users)}")
    return 0


def _cmd_poll_create(args: argparse.Namespace) -> int:
    from server.db import utc_now
    from server.social.poll_admin import PollAdminError, create_poll, parse_moment

    config = _config(args)
    try:
        opens = parse_moment(args.opens, "--opens") if args.opens else None
        closes = parse_moment(args.closes, "--closes") if args.closes else None
    except PollAdminError as exc:
        raise CliError(str(exc)) from None
    database = _open_database(config)
    try:
        with database.session() as session:
            try:
                poll_id = create_poll(
                    session,
                    args.course,
                    args.statement,
                    args.option,
                    utc_now(),
                    lesson_id=args.lesson,
                    opens_at=opens,
                    closes_at=closes,
                )
            except PollAdminError as exc:
                raise CliError(str(exc)) from None
            session.commit()
    finally:
        database.dispose()
    print(poll_id)  # alone on the line, so scripts can take it
    return 0


def _cmd_poll_close(args: argparse.Namespace) -> int:
    from server.db import utc_now
    from server.social.poll_admin import PollAdminError, close_poll

    config = _config(args)
    database = _open_database(config)
    try:
        with database.session() as session:
            try:
                votes = close_poll(session, args.poll, utc_now())
            except PollAdminError as exc:
                raise CliError(str(exc)) from None
            session.commit()
    finally:
        database.dispose()
    print(f"closed poll {args.poll} ({votes} votes); its results go to every learner of the course")
    return 0


def _cmd_poll_list(args: argparse.Namespace) -> int:
    from server.db import utc_now
    from server.social.poll_admin import PollAdminError, list_polls

    config = _config(args)
    database = _open_database(config)
    try:
        with database.session() as session:
            try:
                polls = list_polls(session, utc_now(), args.course)
            except PollAdminError as exc:
                raise CliError(str(exc)) from None
    finally:
        database.dispose()
    # Tab-separated, one poll a line, so it reads well and splits easily.
    print("\t".join(("ID", "COURSE", "LESSON", "STATE", "VOTES", "STATEMENT")))
    for poll in polls:
        fields = (poll.id, poll.course_id, poll.lesson_id or "-", poll.state, str(poll.votes))
        print("\t".join((*fields, " ".join(poll.statement.split()))))
    return 0


def _add_storage_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        metavar="DIR",
        help="data directory (database, media, podcasts)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_ENV) or None,
        metavar="URL",
        help=(
            "SQLAlchemy URL, e.g. postgresql+psycopg://USER@HOST/DB (default: "
            f"${DATABASE_URL_ENV}, else SQLite in the data directory)"
        ),
    )


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, not {value!r}")
    return int(value)


def _accel_prefix(value: str) -> str:
    if not (value.startswith("/") and value.endswith("/")):
        raise argparse.ArgumentTypeError(
            f"expected a path that starts and ends with /, not {value!r}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Samen academy server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve the academy over HTTP")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8765)
    _add_storage_options(run)
    run.add_argument("--academy-name", default=None, help="name shown to learners")
    run.add_argument(
        "--sync-rate",
        type=int,
        default=ServerConfig.sync_requests_per_minute,
        help="sync requests per login per minute before 429 (0: no limit)",
    )
    run.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="where supporters reach this academy (links in e-mails); default: "
        "http://HOST:PORT of this run",
    )
    run.add_argument(
        "--smtp-host",
        default=None,
        help="send e-mail through this SMTP server; default: write .eml files to DIR/mail",
    )
    run.add_argument("--smtp-port", type=int, default=ServerConfig.smtp_port)
    run.add_argument("--smtp-starttls", action="store_true", help="use STARTTLS")
    run.add_argument(
        "--smtp-user", default=None, help=f"SMTP login (the password from ${SMTP_PASSWORD_ENV})"
    )
    run.add_argument("--mail-from", default=None, help="the From of e-mails sent")
    run.add_argument(
        "--supporter-requests-per-day",
        type=int,
        default=ServerConfig.supporter_requests_per_day,
        help="supporter requests a learner may send per day",
    )
    run.add_argument(
        "--supporter-link-days",
        type=int,
        default=ServerConfig.supporter_link_days,
        help="days a supporter's link works",
    )
    run.add_argument(
        "--upload-max-mb",
        type=int,
        default=ServerConfig.upload_max_bytes // (1024 * 1024),
        help="largest recording a learner may upload, in MiB",
    )
    run.add_argument(
        "--upload-expiry-s",
        type=int,
        default=ServerConfig.upload_expiry_s,
        help="seconds an unfinished upload is kept after its last bytes arrived",
    )
    run.add_argument(
        "--threads",
        type=int,
        default=ServerConfig.threads,
        help="requests served at once (worker threads, database connections)",
    )
    run.add_argument(
        "--queue",
        type=int,
        default=ServerConfig.queue,
        help="requests that may wait for a thread; more are answered 503 busy at once",
    )
    run.add_argument(
        "--queue-wait",
        type=float,
        default=ServerConfig.queue_wait_s,
        metavar="SECONDS",
        help="longest wait for a thread before 503 busy",
    )
    run.add_argument(
        "--push-threads",
        type=int,
        default=ServerConfig.push_threads,
        help="of those threads, how many may apply pushes at once",
    )
    run.add_argument(
        "--push-queue",
        type=int,
        default=ServerConfig.push_queue,
        help="pushes that may wait at most (before other requests, for about a second at "
        "most); more are answered 503 busy at once",
    )
    run.add_argument(
        "--metrics-from",
        default=",".join(ServerConfig.metrics_from),
        metavar="CIDR,...",
        help="networks that may read /metrics (others get 404)",
    )
    run.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="serve with N processes (above 1 needs PostgreSQL); default: 1",
    )
    run.add_argument(
        "--accel-redirect",
        type=_accel_prefix,
        default=None,
        metavar="PREFIX",
        help="behind nginx: let it send course media and episodes from its internal location "
        "PREFIX (e.g. /internal/, mapped to the data directory) after the academy's check",
    )
    run.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    run.set_defaults(handler=_cmd_run)

    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    add = user_commands.add_parser("add", help="create an account")
    _add_storage_options(add)
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--display-name", default=None)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    add.set_defaults(handler=_cmd_user_add)

    seed = commands.add_parser("seed-demo", help="add the demo academy (safe to repeat)")
    _add_storage_options(seed)
    seed.add_argument(
        "--password",
        default=DEMO_PASSWORD,
        help=f"password of every demo user (default: {DEMO_PASSWORD})",
    )
    seed.set_defaults(handler=_cmd_seed_demo)

    course = commands.add_parser("course", help="publish courses")
    course_commands = course.add_subparsers(dest="course_command", required=True, metavar="COMMAND")
    course_import = course_commands.add_parser(
        "import", help="create or update a course from a folder with course.json"
    )
    _add_storage_options(course_import)
    course_import.add_argument(
        "source", type=Path, metavar="SOURCE", help="folder holding course.json and the media"
    )
    course_import.add_argument(
        "--allow-removing-lessons",
        action="store_true",
        help="allow dropping lessons that have progress, polls or forum threads",
    )
    course_import.set_defaults(handler=_cmd_course_import)
    enrol = course_commands.add_parser(
        "enrol", help="let learners take part in a closed course (its forum and polls)"
    )
    _add_storage_options(enrol)
    enrol.add_argument("course", metavar="COURSE")
    enrol.add_argument("users", nargs="+", metavar="USER")
    enrol.set_defaults(handler=_cmd_course_enrol)
    _add_poll_commands(commands)
    return parser


def _add_poll_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    poll = commands.add_parser("poll", help="create, close and list polls")
    poll_commands = poll.add_subparsers(dest="poll_command", required=True, metavar="COMMAND")
    create = poll_commands.add_parser(
        "create", help="add a poll to a course (or one of its lessons); prints its id"
    )
    _add_storage_options(create)
    create.add_argument("course", metavar="COURSE")
    create.add_argument("--statement", required=True, help="what learners vote on")
    create.add_argument(
        "--option", action="append", required=True, metavar="TEXT", help="an answer (2 to 10)"
    )
    create.add_argument("--lesson", default=None, metavar="LESSON_ID")
    create.add_argument(
        "--opens", default=None, metavar="ISO8601", help="with time zone; default: now"
    )
    create.add_argument(
        "--closes", default=None, metavar="ISO8601", help="with time zone; default: never"
    )
    create.set_defaults(handler=_cmd_poll_create)
    close = poll_commands.add_parser(
        "close", help="close a poll now; its final results go to every learner of the course"
    )
    _add_storage_options(close)
    close.add_argument("poll", metavar="POLL_ID")
    close.set_defaults(handler=_cmd_poll_close)
    listing = poll_commands.add_parser("list", help="list polls with their state and votes")
    _add_storage_options(listing)
    listing.add_argument("course", nargs="?", default=None, metavar="COURSE")
    listing.set_defaults(handler=_cmd_poll_list)


def main(argv: Sequence[str] | None = None) -> int:
    restrict_new_files()
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except (CliError, AccountError) as exc:
        _print_error(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    return result
