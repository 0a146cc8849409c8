"""Qt-free composition: store, vault and services built from paths and settings.

Used by the GUI's composition root (app.py) and by the CLI, so both run the very same services.
Runs on the main thread at start-up; the objects it builds are then used from worker threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.disk_space import raising_disk_full
from desktop.domain.transfer import JobStatus
from desktop.media.cover_cache import CoverCache
from desktop.paths import Paths
from desktop.services.actions import ActionService
from desktop.services.catalogue import CatalogueService
from desktop.services.course_removal import CourseRemovalService
from desktop.services.covers import CoverService
from desktop.services.describer import ActionDescriber
from desktop.services.downloads import DownloadService
from desktop.services.forum import ForumService
from desktop.services.home import HomeService
from desktop.services.learning import LearningService
from desktop.services.lessons import LessonService
from desktop.services.overview import OverviewService
from desktop.services.packs import PackService
from desktop.services.peer import PeerService
from desktop.services.podcasts import PodcastService
from desktop.services.polls import PollService
from desktop.services.queue import QueueService
from desktop.services.session import SessionService
from desktop.services.standing import StandingService
from desktop.services.status import StatusService
from desktop.services.storage import StorageService
from desktop.services.supporters import SupporterService
from desktop.services.sync import SyncService
from desktop.services.uploads import UploadService
from desktop.settings import Settings, played_episode_kept_for
from desktop.store.accounts import AccountRepo
from desktop.store.courses import CourseRepo
from desktop.store.db import Store
from desktop.store.media_files import MediaRepo
from desktop.store.outbox import OutboxRepo
from desktop.store.podcasts import PodcastRepo
from desktop.store.pulled import PulledRepo
from desktop.store.sync_state import SyncStateRepo
from desktop.store.titles import TitleRepo
from desktop.store.trust import KeyRepo
from desktop.store.uploads import UploadRepo
from desktop.store.vault import TokenVault
from desktop.sync.web import WebClient


@dataclass
class Core:
    paths: Paths
    settings: Settings
    store: Store
    vault: TokenVault
    session: SessionService
    catalogue: CatalogueService
    covers: CoverService
    removal: CourseRemovalService
    status: StatusService
    sync: SyncService
    actions: ActionService
    learning: LearningService
    podcasts: PodcastService
    web: WebClient
    queue: QueueService
    polls: PollService
    forum: ForumService
    supporters: SupporterService
    standing: StandingService
    overview: OverviewService
    packs: PackService
    lessons: LessonService
    downloads: DownloadService
    uploads: UploadService
    peer: PeerService
    home: HomeService
    storage: StorageService

    def close(self) -> None:
        self.web.close()
        self.store.close()


def build_core(
    paths: Paths, settings: Settings | None = None, vault: TokenVault | None = None
) -> Core:
    with raising_disk_full(paths.data_dir):  # opening needs room too (folders, WAL, migrations)
        paths.create()
        settings = settings or Settings.load(paths.settings_file)
        store = Store(paths.database)
    outbox = OutboxRepo(store)
    vault = vault if vault is not None else TokenVault()
    keys = KeyRepo(store)
    session = SessionService(
        AccountRepo(store),
        outbox,
        vault,
        keys,
        timeout=float(settings.get("request_timeout_s")),
    )
    sync_state = SyncStateRepo(store)
    status = StatusService(session, outbox, sync_state)
    courses = CourseRepo(store)
    catalogue = CatalogueService(session, courses, keys)
    uploads = UploadService(UploadRepo(store), session, sync_state, paths.upload_dir)
    pulled = PulledRepo(store)
    sync = SyncService(session, outbox, pulled, status, uploads=uploads)
    actions = ActionService(store, session)
    queue = QueueService(
        outbox, session, ActionDescriber(session, outbox, pulled, TitleRepo(store))
    )
    learning = LearningService(store, session, actions)
    sync.after_pull.append(learning.fold_pulled)
    media = MediaRepo(store)
    downloads = DownloadService(
        catalogue,
        media,
        session.client,
        paths.media_dir,
        unmetered_only=lambda: bool(settings.get("download_unmetered_only")),
    )
    web = WebClient(timeout=float(settings.get("request_timeout_s")))
    podcasts = PodcastService(
        PodcastRepo(store),
        lambda: web,
        learning,
        paths.podcast_dir,
        academy_feeds=lambda: session.client().podcast_feeds(),
        academy_url=lambda: account.server_url if (account := session.account()) else None,
        budget_bytes=lambda: int(float(settings.get("podcast_budget_mb")) * 1024 * 1024),
        delete_after=lambda: played_episode_kept_for(settings),
        check_network=downloads.check_network,
        queue=downloads,
        artwork=CoverCache(paths.cover_dir),
    )
    supporters = SupporterService(store, sync, queue, actions, learning)
    polls = PollService(sync, queue, actions)
    forum = ForumService(store, session, sync, queue, actions)
    peer = PeerService(
        store, session, sync, queue, actions, uploads, courses, paths.data_dir / "peer"
    )
    # Recordings to review arrive after each sync, so they can be heard offline.
    sync.after_pull.append(peer.fetch_after_sync)
    # Start-up: rows match the disk (files deleted or half-written behind our back).
    downloads.reconcile()
    return Core(
        paths=paths,
        settings=settings,
        store=store,
        vault=vault,
        session=session,
        catalogue=catalogue,
        covers=CoverService(session, CoverCache(paths.cover_dir), paths.media_dir),
        status=status,
        sync=sync,
        actions=actions,
        learning=learning,
        podcasts=podcasts,
        web=web,
        queue=queue,
        polls=polls,
        forum=forum,
        supporters=supporters,
        standing=StandingService(learning, supporters),
        overview=OverviewService(
            status, sync, catalogue, interval_s=float(settings.get("sync_interval_s"))
        ),
        lessons=LessonService(courses, media, paths.media_dir),
        packs=PackService(
            courses,
            keys,
            paths.media_dir,
            downloading=lambda course_id: (
                (state := downloads.states().get(course_id)) is not None
                and state.status is JobStatus.RUNNING
            ),
        ),
        downloads=downloads,
        removal=CourseRemovalService(downloads, courses),
        uploads=uploads,
        peer=peer,
        home=HomeService(store, sync, peer, supporters, polls, podcasts),
        storage=StorageService(
            downloads.storage_used,
            podcasts.bytes_on_disk,
            paths.data_dir,
            paths.database,
            (paths.upload_dir, paths.data_dir / "peer"),
        ),
    )
