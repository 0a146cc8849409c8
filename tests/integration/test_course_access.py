"""A closed course seen from a learner's app: a learner who is not enrolled does not find it
in the catalogue, and fetching or downloading it (e.g. from an old list) fails with the
academy's sentence; once enrolled, it downloads. Real academy, real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.domain.errors import SamenError
from tests.academy_database import execute
from tests.integration.sync_helpers import client
from tests.server.sync_api import add_learner
from tests.server_process import run_cli, start_server

CLOSED, OPEN = "samen-leren", "learning-together"


def test_a_closed_course_is_for_enrolled_learners_only(tmp_path: Path) -> None:
    academy = start_server(tmp_path / "academy")
    try:
        sql = "UPDATE courses SET enrolment = 'closed' WHERE id = :id"
        execute(academy.data_dir, sql, id=CLOSED)
        username = add_learner(academy)
        anna = client(tmp_path / "anna", academy.url, username)
        listed = {entry.course.id for entry in anna.catalogue.refresh()}
        assert OPEN in listed and CLOSED not in listed
        with pytest.raises(SamenError, match="not enrolled in the course"):
            anna.catalogue.fetch_course(CLOSED)
        with pytest.raises(SamenError, match="ask the academy to enrol you"):
            anna.downloads.download_course(CLOSED)

        enrolled = run_cli("course", "enrol", "--data", str(academy.data_dir), CLOSED, username)
        assert enrolled.returncode == 0, enrolled.stderr
        assert CLOSED in {entry.course.id for entry in anna.catalogue.refresh()}
        report = anna.downloads.download_course(CLOSED)
        assert report.files_downloaded > 0
    finally:
        academy.stop()
