"""A learner's computer for pack tests: a real SQLite store that knows a test academy's key,
its media folder and the pack service over them. Test helper."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.services.packs import PackService
from desktop.store.courses import CourseRepo
from desktop.store.db import Store
from desktop.store.trust import KeyRepo
from tests.pack_factory import Academy


@dataclass
class Device:
    root: Path
    store: Store
    courses: CourseRepo
    service: PackService

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    def media_states(self) -> dict[str, str]:
        with self.store.read() as db:
            return dict(db.execute("SELECT path, state FROM media_files").fetchall())

    def course_version(self, course_id: str = "c1") -> int | None:
        with self.store.read() as db:
            row = db.execute(
                "SELECT downloaded_version FROM courses WHERE id = ?", [course_id]
            ).fetchone()
        return None if row is None else row[0]

    def leftovers(self, course_id: str = "c1") -> list[Path]:
        """Whatever a refused import may have left: anything in staging or the course folder."""
        places = [self.staging, self.media / course_id]
        return sorted(p for place in places if place.exists() for p in [place, *place.rglob("*")])


def open_device(root: Path, academy: Academy) -> Device:
    store = Store(root / "samen.sqlite3")
    KeyRepo(store).remember("http://academy.test", academy.key)
    courses = CourseRepo(store)
    return Device(root, store, courses, PackService(courses, KeyRepo(store), root / "media"))
