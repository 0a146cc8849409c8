"""A closed course's content (catalogue entry, detail, signed manifest, media) over real HTTP:
only for enrolled learners, moderators and admins; open courses stay open to every learner."""

from __future__ import annotations

import requests

from tests.academy_database import execute
from tests.contract import validate
from tests.server.api import assert_error, bearer, token_for
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, run_cli

CLOSED = "learning-together"
OPEN = "samen-leren"
TITLE = "Learning together: study groups that work"


def _close(server: LiveServer, course_id: str) -> None:
    sql = "UPDATE courses SET enrolment = 'closed' WHERE id = :id"
    execute(server.data_dir, sql, id=course_id)


def _listed(server: LiveServer, token: str) -> set[str]:
    reply = requests.get(f"{server.url}/v1/courses", headers=bearer(token), timeout=10)
    assert reply.status_code == 200, reply.text
    validate("CourseList", reply.json())
    return {course["id"] for course in reply.json()["courses"]}


def _media_path(server: LiveServer, course_id: str) -> str:
    """A media path of the course, read as the moderator (who sees every course)."""
    reply = requests.get(
        f"{server.url}/v1/courses/{course_id}", headers=bearer(token_for(server, "mod")), timeout=10
    )
    assert reply.status_code == 200, reply.text
    path: str = reply.json()["media"][0]["path"]
    return path


def _urls(server: LiveServer, course_id: str, media_path: str) -> list[str]:
    base = f"{server.url}/v1/courses/{course_id}"
    return [base, f"{base}/manifest", f"{base}/media/{media_path}"]


def test_a_closed_course_is_hidden_and_refused_until_the_learner_is_enrolled(
    fresh_academy: LiveServer,
) -> None:
    _close(fresh_academy, CLOSED)
    name = add_learner(fresh_academy)
    token = token_for(fresh_academy, name)
    media_path = _media_path(fresh_academy, CLOSED)

    assert _listed(fresh_academy, token) == {OPEN}
    for url in _urls(fresh_academy, CLOSED, media_path):
        body = assert_error(requests.get(url, headers=bearer(token), timeout=10), 403, "forbidden")
        assert body["error"]["message"] == (
            f"You are not enrolled in the course '{TITLE}'; ask the academy to enrol you."
        )
    head = requests.head(
        f"{fresh_academy.url}/v1/courses/{CLOSED}/media/{media_path}",
        headers=bearer(token),
        timeout=10,
    )
    assert head.status_code == 403 and head.content == b""
    # An outsider cannot tell listed media paths from others: both are refused alike.
    probe = requests.get(
        f"{fresh_academy.url}/v1/courses/{CLOSED}/media/no/such/file.png",
        headers=bearer(token),
        timeout=10,
    )
    assert_error(probe, 403, "forbidden")
    unknown = requests.get(
        f"{fresh_academy.url}/v1/courses/no-such-course/manifest", headers=bearer(token), timeout=10
    )
    assert_error(unknown, 404, "not_found")
    for url in _urls(fresh_academy, OPEN, _media_path(fresh_academy, OPEN)):
        assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200

    enrolled = run_cli("course", "enrol", "--data", str(fresh_academy.data_dir), CLOSED, name)
    assert enrolled.returncode == 0, enrolled.stderr
    assert _listed(fresh_academy, token) == {OPEN, CLOSED}
    detail, manifest, media = _urls(fresh_academy, CLOSED, media_path)
    for url in (detail, manifest, media):
        reply = requests.get(url, headers=bearer(token), timeout=10)
        assert reply.status_code == 200, reply.text
    signed = requests.get(manifest, headers=bearer(token), timeout=10).json()
    validate("SignedManifest", signed)
    assert requests.head(media, headers=bearer(token), timeout=10).status_code == 200


def test_moderators_and_admins_see_every_closed_course(fresh_academy: LiveServer) -> None:
    _close(fresh_academy, CLOSED)
    media_path = _media_path(fresh_academy, CLOSED)
    for username in ("mod", "admin"):
        token = token_for(fresh_academy, username)
        assert _listed(fresh_academy, token) == {OPEN, CLOSED}
        for url in _urls(fresh_academy, CLOSED, media_path):
            assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200
