"""Course packs: a valid pack imports offline; hostile or damaged ones are refused with a clear
message and change nothing."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import PackError
from desktop.services.packs import PackService
from desktop.store.courses import CourseRepo
from desktop.store.db import Store
from desktop.store.trust import KeyRepo
from tests.pack_factory import FILES, Academy, write_folder, write_zip


@pytest.fixture
def academy() -> Academy:
    return Academy()


@pytest.fixture
def device(tmp_path: Path, academy: Academy) -> Iterator[tuple[PackService, Store, Path]]:
    store = Store(tmp_path / "device" / "samen.sqlite3")
    KeyRepo(store).remember("http://academy.test", academy.key)
    media = tmp_path / "device" / "media"
    yield PackService(CourseRepo(store), KeyRepo(store), media), store, media
    store.close()


def media_states(store: Store) -> dict[str, str]:
    with store.read() as db:
        return dict(db.execute("SELECT path, state FROM media_files").fetchall())


@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_a_valid_pack_imports_without_network(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path], kind: str
) -> None:
    service, store, media = device
    signed = academy.signed(FILES)
    path = (
        write_zip(tmp_path / "pack.zip", signed, FILES)
        if kind == "zip"
        else write_folder(tmp_path / "pack", signed, FILES)
    )
    seen: list[tuple[int, int]] = []
    course = service.import_pack(path, on_progress=lambda d, t: seen.append((d, t))).course
    assert course.id == "c1"
    for name, data in FILES.items():
        assert (media / "c1" / name).read_bytes() == data
    assert media_states(store) == {name: "available" for name in FILES}
    assert seen[-1][0] == seen[-1][1] == sum(len(b) for b in FILES.values())
    assert not list(media.rglob("*.part"))


def test_a_lesson_keeps_its_language_from_the_pack(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, store, _media = device
    old = academy.signed(FILES)  # as packs were before lessons named a language
    service.import_pack(write_zip(tmp_path / "old.zip", old, FILES))
    assert [lesson.language for lesson in CourseRepo(store).lessons("c1")] == ["nl"]
    mixed = academy.signed(FILES, version=2, lesson_language="en")  # an English lesson
    service.import_pack(write_zip(tmp_path / "mixed.zip", mixed, FILES))
    assert [lesson.language for lesson in CourseRepo(store).lessons("c1")] == ["en"]


def test_export_then_import_on_another_device(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, _store, _media = device
    service.import_pack(write_zip(tmp_path / "in.zip", academy.signed(FILES), FILES))
    exported = service.export("c1", tmp_path / "usb")
    assert exported.name == "c1-v1.zip"
    other = Store(tmp_path / "other" / "samen.sqlite3")
    KeyRepo(other).remember("http://academy.test", academy.key)
    other_media = tmp_path / "other" / "media"
    PackService(CourseRepo(other), KeyRepo(other), other_media).import_pack(exported)
    assert (other_media / "c1" / "audio" / "b.mp3").read_bytes() == FILES["audio/b.mp3"]
    other.close()


def _refused(service: PackService, store: Store, media: Path, path: Path, code: str) -> str:
    with pytest.raises(PackError) as info:
        service.import_pack(path)
    assert info.value.code == code, info.value.message
    assert media_states(store) == {}  # nothing recorded
    assert not media.exists() or not list(media.rglob("*"))
    staging = media.parent / "staging"
    assert not staging.exists() or not list(staging.rglob("*"))
    return info.value.message


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("media/../../evil.sh", "unsafe_path"),
        ("/etc/cron.d/evil", "unsafe_path"),
        ("media\\..\\evil", "unsafe_path"),
        ("C:/evil", "unsafe_path"),
        ("autorun.inf", "unexpected_file"),
    ],
)
def test_hostile_entry_names_are_refused(
    tmp_path: Path,
    academy: Academy,
    device: tuple[PackService, Store, Path],
    name: str,
    code: str,
) -> None:
    service, store, media = device
    path = write_zip(tmp_path / "p.zip", academy.signed(FILES), FILES, extra={name: b"x"})
    _refused(service, store, media, path, code)


def test_a_symlink_in_a_zip_is_refused(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, store, media = device
    path = write_zip(tmp_path / "p.zip", academy.signed(FILES), FILES)
    with zipfile.ZipFile(path, "a") as archive:
        link = zipfile.ZipInfo("media/link")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    _refused(service, store, media, path, "symlink")


def test_a_symlink_in_a_folder_is_refused(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, store, media = device
    folder = write_folder(tmp_path / "pack", academy.signed(FILES), FILES)
    (folder / "media" / "images" / "passwd").symlink_to("/etc/passwd")
    _refused(service, store, media, folder, "symlink")


def test_a_tampered_file_is_refused_and_nothing_is_left(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, store, media = device
    bad = dict(FILES)
    bad["audio/b.mp3"] = FILES["audio/b.mp3"][:-1] + b"!"  # same size, one byte flipped
    path = write_zip(tmp_path / "p.zip", academy.signed(FILES), bad)
    message = _refused(service, store, media, path, "tampered")
    # Which file is the academy's business; the learner reads what happened and that it is safe.
    assert (
        message
        == "A file of the course in the pack has been changed or damaged; nothing was imported."
    )


def test_an_entry_larger_than_its_manifest_size_is_refused(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, store, media = device
    big = dict(FILES)
    big["images/a.png"] = FILES["images/a.png"] + b"\0" * 10_000_000
    path = write_zip(tmp_path / "p.zip", academy.signed(FILES), big)
    _refused(service, store, media, path, "tampered")


def test_a_changed_manifest_fails_its_signature(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, store, media = device
    signed = academy.signed(FILES)
    signed["manifest"]["course"]["title"] = "Something else"
    _refused(service, store, media, write_zip(tmp_path / "p.zip", signed, FILES), "tampered")


def test_a_pack_from_an_unknown_academy_is_refused(
    tmp_path: Path, device: tuple[PackService, Store, Path]
) -> None:
    service, store, media = device
    stranger = Academy()
    path = write_zip(tmp_path / "p.zip", stranger.signed(FILES), FILES)
    message = _refused(service, store, media, path, "unknown_academy")
    assert "Log in to that academy" in message


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (
            lambda tmp, a: write_zip(
                tmp / "p.zip", a.signed(FILES), {"images/a.png": FILES["images/a.png"]}
            ),
            "incomplete",
        ),
        (
            lambda tmp, a: (tmp / "junk.zip").write_bytes(b"not a zip at all") and tmp / "junk.zip",
            "not_a_pack",
        ),
        (
            lambda tmp, a: (
                write_zip(tmp / "p.zip", "{not json", FILES) and _raw_manifest(tmp / "p.zip")
            ),
            "bad_pack",
        ),
    ],
)
def test_incomplete_junk_and_broken_manifests(
    tmp_path: Path,
    academy: Academy,
    device: tuple[PackService, Store, Path],
    make: Callable[[Path, Academy], Path],
    code: str,
) -> None:
    service, store, media = device
    _refused(service, store, media, make(tmp_path, academy), code)


def _raw_manifest(path: Path) -> Path:
    rewritten = path.with_name("raw.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
        for info in source.infolist():
            data = b"{not json" if info.filename == "manifest.json" else source.read(info)
            target.writestr(info.filename, data)
    return rewritten


def test_a_zip_whose_data_does_not_match_its_checksum_is_refused(
    tmp_path: Path, academy: Academy, device: tuple[PackService, Store, Path]
) -> None:
    service, store, media = device
    path = write_zip(tmp_path / "p.zip", academy.signed(FILES), FILES)
    data = bytearray(path.read_bytes())
    offset = data.index(b"ID3 fake audio")
    data[offset] ^= 0xFF  # damage the stored bytes without touching the zip's directory
    path.write_bytes(bytes(data))
    _refused(service, store, media, path, "tampered")
