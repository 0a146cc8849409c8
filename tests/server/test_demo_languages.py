"""The demo academy is honest about its languages: the Dutch course is Dutch through and through
(its manifest, lessons and the names its forum and peer feedback sign with), the English one
English, and its podcast's Dutch episode says it is Dutch."""

from __future__ import annotations

import requests

from tests.academy_database import rows
from tests.contract import validate
from tests.server.api import bearer, token_for
from tests.server.sync_api import Installation, add_learner
from tests.server_process import LiveServer


def test_each_demo_lesson_is_in_its_course_language(live_server: LiveServer) -> None:
    token = token_for(live_server)
    for course, language in (("samen-leren", "nl"), ("learning-together", "en")):
        signed = requests.get(
            f"{live_server.url}/v1/courses/{course}/manifest", headers=bearer(token), timeout=10
        ).json()
        validate("SignedManifest", signed)
        manifest = signed["manifest"]
        assert manifest["course"]["language"] == language
        # No lesson names another language: each is in its course's.
        assert all("language" not in lesson for lesson in manifest["lessons"])
    found = rows(live_server.data_dir, "SELECT course_id, language FROM lessons ORDER BY id")
    assert found == [("learning-together", "en")] * 3 + [("samen-leren", "nl")] * 3


def test_forum_pseudonyms_are_in_the_course_language(live_server: LiveServer) -> None:
    reader = Installation.login(live_server, add_learner(live_server))
    authors = {
        change["data"]["course_id"]: change["data"]["author"]
        for change in reader.pull_all()[0]
        if change["entity"] == "forum_thread" and change["op"] == "put"
    }
    assert authors["samen-leren"].startswith("Cursist ")  # not "Learner" in a Dutch course
    assert authors["learning-together"].startswith("Learner ")
