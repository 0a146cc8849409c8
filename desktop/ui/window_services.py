"""What the main window is built on: the services, where media lives and the settings. Any
thread (a plain record, made once by the composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.services.catalogue import CatalogueService
    from desktop.services.course_removal import CourseRemovalService
    from desktop.services.covers import CoverService
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
    from desktop.services.storage import StorageService
    from desktop.services.supporters import SupporterService
    from desktop.settings import Settings


@dataclass(frozen=True, slots=True)
class WindowServices:
    session: SessionService
    catalogue: CatalogueService
    overview: OverviewService
    queue: QueueService
    packs: PackService
    downloads: DownloadService
    lessons: LessonService
    learning: LearningService
    podcasts: PodcastService
    polls: PollService
    forum: ForumService
    supporters: SupporterService
    standing: StandingService
    peer: PeerService
    home: HomeService
    storage: StorageService
    covers: CoverService
    removal: CourseRemovalService
    settings: Settings
    media_root: Path
    data_dir: Path
    default_server: str = ""
