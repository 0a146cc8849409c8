"""`samen-server course import`: publishing a course from a folder (docs/course-format.md)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Executable, select

from server.content.models import Exercise
from tests import academy_database
from tests.contract import validate
from tests.server.api import bearer, login
from tests.server_process import LiveServer, copy_academy, run_cli

PASSWORD = "correct horse"


def _course(**changes: Any) -> dict[str, Any]:
    course: dict[str, Any] = {
        "id": "fietsen",
        "title": "Veilig fietsen",
        "language": "nl",
        "summary": "Voorrang, verlichting en één goede gewoonte.",
        "lessons": [
            {
                "title": "Voorrang",
                "body_markdown": "# Voorrang\n\nRechts gaat voor.",
                "media": ["images/kruispunt.png", "audio/les-1.mp3"],
                "exercises": [
                    {
                        "kind": "multiple_choice",
                        "prompt": "Wie gaat voor?",
                        "options": [
                            {"text": "Rechts", "correct": True, "feedback": "Goed."},
                            {"text": "Links", "correct": False},
                        ],
                    },
                    {"kind": "open", "prompt": "Waarom?", "peer_review": True},
                ],
            },
            {
                "title": "Verlichting",
                "body_markdown": "Licht aan.",
                "media": ["audio/les-2.mp3", "images/kruispunt.png"],
                "exercises": [
                    {
                        "kind": "reflection",
                        "prompt": "Wanneer fiets jij?",
                        "supporter_allowed": True,
                    }
                ],
            },
        ],
    }
    course.update(changes)
    return course


def _write_source(root: Path, course: dict[str, Any] | None = None) -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "audio").mkdir(exist_ok=True)
    (root / "images" / "kruispunt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 500)
    (root / "audio" / "les-1.mp3").write_bytes(b"ID3" + bytes(range(256)) * 40)
    (root / "audio" / "les-2.mp3").write_bytes(b"ID3" + bytes(range(255, -1, -1)) * 30)
    (root / "notes.txt").write_text("not listed, so not imported")
    _write_course_json(root, course or _course())
    return root


def _write_course_json(root: Path, course: dict[str, Any]) -> None:
    (root / "course.json").write_text(json.dumps(course, ensure_ascii=False), "utf-8")


def _import(data_dir: Path, source: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("course", "import", "--data", str(data_dir), *extra, str(source))


def _ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.splitlines()


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("samen-server: error: ")
    return lines[0]


def _rows(data_dir: Path, sql: str | Executable) -> list[tuple[Any, ...]]:
    return academy_database.rows(data_dir, sql)


def _media_shas(data_dir: Path, course_id: str = "fietsen") -> dict[str, str]:
    rows = _rows(data_dir, f"SELECT path, sha256 FROM media_files WHERE course_id = '{course_id}'")
    return dict(rows)


def _version(data_dir: Path, course_id: str = "fietsen") -> int:
    [(version,)] = _rows(data_dir, f"SELECT version FROM courses WHERE id = '{course_id}'")
    assert isinstance(version, int)
    return version


def _stored_files(data_dir: Path, course_id: str = "fietsen") -> dict[str, tuple[str, int]]:
    root = data_dir / "media" / course_id
    return {
        path.relative_to(root).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_import_publishes_a_signed_course_to_a_running_server(
    empty_server: LiveServer, tmp_path: Path
) -> None:
    data_dir = empty_server.data_dir
    source = _write_source(tmp_path / "src")
    lines = _ok(_import(data_dir, source))
    assert lines[:-1] == [
        "added images/kruispunt.png (508 bytes)",
        "added audio/les-1.mp3 (10,243 bytes)",
        "added audio/les-2.mp3 (7,683 bytes)",
    ]
    assert lines[-1].startswith("course fietsen: created, version 1 (")

    added = run_cli(
        "user", "add", "--data", str(data_dir), "leerling", "--role", "learner",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    client_id = str(uuid.uuid4())
    reply = login(empty_server, "leerling", PASSWORD, client_id=client_id)
    assert reply.status_code == 200, reply.text
    token, key = reply.json()["token"], reply.json()["academy_key"]

    signed = requests.get(
        f"{empty_server.url}/v1/courses/fietsen/manifest", headers=bearer(token), timeout=10
    ).json()
    validate("SignedManifest", signed)
    manifest = signed["manifest"]
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"])).verify(
        base64.b64decode(signed["signature"]),
        json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
    )
    assert manifest["course"] == {
        "id": "fietsen",
        "version": 1,
        "title": "Veilig fietsen",
        "language": "nl",
        "summary": "Voorrang, verlichting en één goede gewoonte.",
        "lesson_count": 2,
        "media_bytes": 508 + 10_243 + 7_683,
    }
    first, second = manifest["lessons"]
    assert (first["id"], second["id"]) == ("fietsen-1", "fietsen-2")
    assert first["media"] == ["audio/les-1.mp3", "images/kruispunt.png"]  # by path
    assert second["media"] == ["audio/les-2.mp3", "images/kruispunt.png"]
    choice, open_question = first["exercises"]
    assert choice["id"] == "fietsen-1-e1"
    assert [(o["id"], o["feedback"]) for o in choice["options"]] == [("a", "Goed."), ("b", "")]
    assert (open_question["kind"], open_question["peer_review"]) == ("open", True)
    assert second["exercises"][0]["supporter_allowed"] is True
    types = {item["path"]: item["content_type"] for item in manifest["media"]}
    assert types == {
        "audio/les-1.mp3": "audio/mpeg",
        "audio/les-2.mp3": "audio/mpeg",
        "images/kruispunt.png": "image/png",
    }
    for item in manifest["media"]:
        body = requests.get(
            f"{empty_server.url}/v1/courses/fietsen/media/{item['path']}",
            headers=bearer(token),
            timeout=10,
        ).content
        assert body == (source / item["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == item["sha256"]
    assert not (data_dir / "media" / "fietsen" / "notes.txt").exists()

    # Clients hear about new versions through sync: a `course` change in the course's scope.
    pulled = requests.get(
        f"{empty_server.url}/v1/sync/pull",
        params={"client_id": client_id},
        headers=bearer(token),
        timeout=10,
    ).json()
    validate("PullReply", pulled)
    course_changes = [c for c in pulled["changes"] if c["entity"] == "course"]
    assert [(c["scope"], c["id"], c["data"]["version"]) for c in course_changes] == [
        ("course:fietsen", "fietsen", 1)
    ]


def test_reimporting_an_unchanged_folder_changes_nothing(tmp_path: Path) -> None:
    data_dir, source = tmp_path / "data", _write_source(tmp_path / "src")
    _ok(_import(data_dir, source))
    files = _stored_files(data_dir)
    changes = _rows(data_dir, "SELECT count(*) FROM change_log")

    lines = _ok(_import(data_dir, source))
    assert len(lines) == 1
    assert lines[0].startswith("course fietsen: unchanged, version 1 (")
    assert _version(data_dir) == 1
    assert _stored_files(data_dir) == files  # not even rewritten
    assert _rows(data_dir, "SELECT count(*) FROM change_log") == changes


def test_changing_one_file_bumps_the_version_and_only_that_checksum(tmp_path: Path) -> None:
    data_dir, source = tmp_path / "data", _write_source(tmp_path / "src")
    _ok(_import(data_dir, source))
    before = _media_shas(data_dir)
    files_before = _stored_files(data_dir)

    (source / "audio" / "les-2.mp3").write_bytes(b"ID3 a new recording")
    lines = _ok(_import(data_dir, source))
    assert lines[0] == "updated audio/les-2.mp3 (19 bytes)"
    assert lines[1].startswith("course fietsen: updated to version 2 (")
    assert len(lines) == 2
    after = _media_shas(data_dir)
    assert {path for path in after if after[path] != before[path]} == {"audio/les-2.mp3"}
    assert after["audio/les-2.mp3"] == hashlib.sha256(b"ID3 a new recording").hexdigest()
    files_after = _stored_files(data_dir)
    assert files_after["audio/les-2.mp3"][0] == after["audio/les-2.mp3"]
    unchanged = ["audio/les-1.mp3", "images/kruispunt.png"]
    assert [files_after[p] for p in unchanged] == [files_before[p] for p in unchanged]
    assert not [p for p in files_after if ".import-" in p]


def test_text_changes_bump_the_version_and_dropped_files_are_removed(tmp_path: Path) -> None:
    data_dir, source = tmp_path / "data", _write_source(tmp_path / "src")
    _ok(_import(data_dir, source))

    course = _course()
    course["lessons"][0]["title"] = "Voorrang op kruispunten"
    _write_course_json(source, course)
    lines = _ok(_import(data_dir, source))
    assert len(lines) == 1
    assert lines[0].startswith("course fietsen: updated to version 2 (")

    course["lessons"][1]["media"] = ["images/kruispunt.png"]
    _write_course_json(source, course)
    lines = _ok(_import(data_dir, source))
    assert lines[0] == "removed audio/les-2.mp3 (7,683 bytes)"
    assert lines[1].startswith("course fietsen: updated to version 3 (")
    assert set(_media_shas(data_dir)) == {"audio/les-1.mp3", "images/kruispunt.png"}
    assert not (data_dir / "media" / "fietsen" / "audio" / "les-2.mp3").exists()
    assert _rows(
        data_dir,
        "SELECT lesson_id, count(*) FROM lesson_media GROUP BY lesson_id ORDER BY lesson_id",
    ) == [
        ("fietsen-1", 2),
        ("fietsen-2", 1),
    ]


def test_a_file_missing_from_the_store_is_restored_without_a_new_version(tmp_path: Path) -> None:
    data_dir, source = tmp_path / "data", _write_source(tmp_path / "src")
    _ok(_import(data_dir, source))
    (data_dir / "media" / "fietsen" / "audio" / "les-1.mp3").unlink()
    lines = _ok(_import(data_dir, source))
    assert lines[0] == "restored audio/les-1.mp3 (10,243 bytes)"
    assert lines[1].startswith("course fietsen: unchanged, version 1 (")
    assert (data_dir / "media" / "fietsen" / "audio" / "les-1.mp3").is_file()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/etc/passwd", "absolute paths are not allowed"),
        ("C:/Windows/win.ini", "absolute paths are not allowed"),
        ("images\\kruispunt.png", "absolute paths are not allowed"),
        ("../outside.png", "'..' is not allowed"),
        ("images/../../outside.png", "'..' is not allowed"),
        ("images//kruispunt.png", "slash-separated names"),
        ("images/./kruispunt.png", "slash-separated names"),
        ("", "slash-separated names"),
        ("images/kruis punt.png", "slash-separated names"),
        ("images/Kruispunt.PNG", "only in case"),
        ("images", "both a file and a folder"),
        ("images/missing.png", "no such file"),
        ("course.json/x", "no such file"),
    ],
)
def test_hostile_or_broken_media_paths_are_refused(
    tmp_path: Path, path: str, expected: str
) -> None:
    data_dir, source = tmp_path / "data", _write_source(tmp_path / "src")
    (source / "images" / "Kruispunt.PNG").write_bytes(b"x")
    course = _course()
    course["lessons"][1]["media"].append(path)
    _write_course_json(source, course)
    line = _refused(_import(data_dir, source))
    assert expected in line
    assert _rows(data_dir, "SELECT count(*) FROM courses") == [(0,)]
    assert not (data_dir / "media" / "fietsen").exists()


def test_symlinks_may_point_inside_the_source_but_not_outside(tmp_path: Path) -> None:
    data_dir, source = tmp_path / "data", _write_source(tmp_path / "src")
    (tmp_path / "secret.txt").write_text("the academy's secrets")
    (source / "images" / "leak.png").symlink_to(tmp_path / "secret.txt")
    (source / "images" / "copy.png").symlink_to(source / "images" / "kruispunt.png")

    course = _course()
    course["lessons"][0]["media"].append("images/leak.png")
    _write_course_json(source, course)
    assert "outside" in _refused(_import(data_dir, source))

    course["lessons"][0]["media"][-1] = "images/copy.png"
    _write_course_json(source, course)
    _ok(_import(data_dir, source))
    stored = data_dir / "media" / "fietsen" / "images" / "copy.png"
    assert not stored.is_symlink()
    assert stored.read_bytes() == (source / "images" / "kruispunt.png").read_bytes()


@pytest.mark.parametrize(
    ("course_json", "expected"),
    [
        ("{not json", "course.json: Invalid JSON"),
        (json.dumps(_course(title="")), "course.json: title:"),
        (json.dumps(_course(id="Fietsen!")), "course.json: id:"),
        (json.dumps(_course(language="dutch")), "course.json: language:"),
        (json.dumps(_course(lessons=[])), "course.json: lessons:"),
        (json.dumps(_course(version=3)), "course.json: version: Extra inputs"),
        (json.dumps({"id": "fietsen"}), "title: Field required (and 2 more problems)"),
        (json.dumps(_course(summary=1)), "summary: Input should be a valid string"),
    ],
)
def test_bad_course_json_is_refused_with_one_line(
    tmp_path: Path, course_json: str, expected: str
) -> None:
    source = _write_source(tmp_path / "src")
    (source / "course.json").write_text(course_json)
    assert expected in _refused(_import(tmp_path / "data", source))


@pytest.mark.parametrize(
    ("exercise", "expected"),
    [
        ({"kind": "essay", "prompt": "?"}, "lessons[0].exercises[0].kind:"),
        ({"kind": "open", "prompt": "?", "peer_review": "yes"}, "exercises[0].peer_review:"),
        (
            {"kind": "multiple_choice", "prompt": "?", "options": [{"text": "a", "correct": True}]},
            "at least 2 options",
        ),
        (
            {
                "kind": "multiple_choice",
                "prompt": "?",
                "options": [{"text": "a", "correct": False}, {"text": "b", "correct": False}],
            },
            "needs a correct option",
        ),
        (
            {"kind": "open", "prompt": "?", "options": [{"text": "a", "correct": True}]},
            "a open exercise has no options",
        ),
        ({"id": "x", "kind": "open", "prompt": "?"}, "exercises[0].id: Extra inputs"),
        (
            {"kind": "open", "prompt": "?", "peer_questions": ["Clear?"]},
            "peer_questions are for an exercise with peer_review: true",
        ),
        (
            {"kind": "open", "prompt": "?", "peer_review": True, "peer_questions": []},
            "exercises[0].peer_questions:",
        ),
        (
            {"kind": "open", "prompt": "?", "peer_review": True, "peer_questions": ["?"] * 6},
            "exercises[0].peer_questions:",
        ),
        (
            {"kind": "open", "prompt": "?", "peer_review": True, "peer_questions": ["x" * 301]},
            "exercises[0].peer_questions[0]:",
        ),
    ],
)
def test_bad_exercises_are_refused(tmp_path: Path, exercise: dict[str, Any], expected: str) -> None:
    course = _course()
    course["lessons"][0]["exercises"] = [exercise]
    source = _write_source(tmp_path / "src", course)
    assert expected in _refused(_import(tmp_path / "data", source))


def test_missing_or_empty_source_is_refused(tmp_path: Path) -> None:
    assert "is not a folder" in _refused(_import(tmp_path / "data", tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    assert "has no course.json" in _refused(_import(tmp_path / "data", tmp_path / "empty"))


def test_updating_a_demo_course_keeps_ids_and_guards_lessons_in_use(
    seeded_template: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    copy_academy(seeded_template, data_dir)
    source = _write_source(tmp_path / "src", _course(id="learning-together", language="en"))
    threads = _rows(data_dir, "SELECT id, lesson_id FROM forum_threads ORDER BY id")

    # Two lessons instead of three: lesson 3 has nothing attached, so it may go.
    lines = _ok(_import(data_dir, source))
    assert lines[-1].startswith("course learning-together: updated to version 2 (")
    assert _rows(
        data_dir, "SELECT id FROM lessons WHERE course_id = 'learning-together' ORDER BY id"
    ) == [
        ("learning-together-1",),
        ("learning-together-2",),
    ]
    assert _rows(data_dir, "SELECT id, lesson_id FROM forum_threads ORDER BY id") == threads

    # One lesson: lesson 2 carries the demo poll, so the import refuses unless told.
    course = _course(id="learning-together", language="en")
    course["lessons"] = course["lessons"][:1]
    _write_course_json(source, course)
    line = _refused(_import(data_dir, source))
    assert "learning-together-2" in line
    assert "--allow-removing-lessons" in line
    assert _version(data_dir, "learning-together") == 2

    lines = _ok(_import(data_dir, source, "--allow-removing-lessons"))
    assert lines[-1].startswith("course learning-together: updated to version 3 (")
    assert _rows(data_dir, "SELECT count(*) FROM polls WHERE lesson_id IS NOT NULL") == [(0,)]


def test_a_course_can_sign_forum_posts_with_names(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source = _write_source(tmp_path / "src", _course(forum_names="names"))
    _ok(_import(data, source))
    assert _rows(data, "SELECT forum_names FROM courses WHERE id = 'fietsen'") == [("names",)]
    refused = _refused(_import(data, _write_source(tmp_path / "src2", _course(forum_names="x"))))
    assert "forum_names" in refused


def test_peer_questions_change_without_a_new_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    course = _course()
    course["lessons"][0]["exercises"] = [{"kind": "open", "prompt": "?", "peer_review": True}]
    _ok(_import(data, _write_source(tmp_path / "src", course)))
    query = select(Exercise.peer_questions).where(Exercise.id == "fietsen-1-e1")
    assert _rows(data, query) == [([],)]  # the default questions apply
    course["lessons"][0]["exercises"][0]["peer_questions"] = ["Wat overtuigde je?"]
    _ok(_import(data, _write_source(tmp_path / "src2", course)))
    assert _rows(data, query) == [(["Wat overtuigde je?"],)]
    assert _version(data) == 1


def _manifest_lessons(data_dir: Path) -> list[dict[str, Any]]:
    """The lessons of fietsen's manifest as a client gets it (checked against the contract)."""
    from datetime import UTC, datetime

    from server.content.catalogue import load_course, manifest_of
    from server.db import Database

    database = Database(academy_database.url_for(data_dir))
    try:
        with database.session() as session:
            course = load_course(session, "fietsen")
            assert course is not None
            manifest = manifest_of(course, datetime.now(UTC))
    finally:
        database.dispose()
    validate("Manifest", manifest)
    lessons: list[dict[str, Any]] = manifest["lessons"]
    return lessons


def test_a_lesson_may_be_in_another_language_than_its_course(tmp_path: Path) -> None:
    data = tmp_path / "data"
    course = _course()
    _ok(_import(data, _write_source(tmp_path / "src", course)))
    query = "SELECT id, language FROM lessons ORDER BY id"
    assert _rows(data, query) == [("fietsen-1", "nl"), ("fietsen-2", "nl")]
    # The course's language is left out of its lessons: manifests look as they did before.
    assert ["language" in lesson for lesson in _manifest_lessons(data)] == [False, False]

    course["lessons"][1]["language"] = "en"
    _ok(_import(data, _write_source(tmp_path / "src2", course)))
    assert _version(data) == 2
    assert _rows(data, query) == [("fietsen-1", "nl"), ("fietsen-2", "en")]
    assert [lesson.get("language") for lesson in _manifest_lessons(data)] == [None, "en"]

    # A lesson without a language of its own follows its course's.
    course["language"] = "en"
    _ok(_import(data, _write_source(tmp_path / "src3", course)))
    assert _version(data) == 3
    assert _rows(data, query) == [("fietsen-1", "en"), ("fietsen-2", "en")]
    assert ["language" in lesson for lesson in _manifest_lessons(data)] == [False, False]

    course["lessons"][0]["language"] = "Nederlands"
    refused = _refused(_import(data, _write_source(tmp_path / "src4", course)))
    assert "lessons[0].language: String should match pattern" in refused
