"""Tables for podcast feeds and their episodes; read on worker threads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from server.db import Base, UtcDateTime


class PodcastFeed(Base):
    __tablename__ = "podcast_feeds"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2))
    author: Mapped[str] = mapped_column(String(200), default="")
    # A PNG or JPEG at data_dir/podcasts/<id>/<artwork>, shown by podcast apps; or None.
    artwork: Mapped[str | None] = mapped_column(String(200), default=None)

    episodes: Mapped[list[PodcastEpisode]] = relationship(
        back_populates="feed",
        order_by="PodcastEpisode.published_at.desc()",
        cascade="all, delete-orphan",
    )


class PodcastEpisode(Base):
    """An audio file at data_dir/podcasts/<feed_id>/<file>."""

    __tablename__ = "podcast_episodes"
    __table_args__ = (UniqueConstraint("feed_id", "file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[str] = mapped_column(ForeignKey("podcast_feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # What is spoken (and so its transcript's language): the feed's unless the episode says.
    language: Mapped[str] = mapped_column(String(2))
    file: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    duration_seconds: Mapped[int]
    # Plain text of what is said, published as podcast:transcript when not empty.
    transcript: Mapped[str] = mapped_column(Text, default="")
    # [{"startTime": seconds, "title": ...}], published as podcast:chapters when not empty.
    chapters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)

    feed: Mapped[PodcastFeed] = relationship(back_populates="episodes")


@event.listens_for(PodcastEpisode, "before_insert")
def _in_the_feed_language(
    _mapper: Mapper[PodcastEpisode], connection: Connection, episode: PodcastEpisode
) -> None:
    """An episode made without a language is in its feed's."""
    if not episode.language:
        found = connection.scalar(
            select(PodcastFeed.language).where(PodcastFeed.id == episode.feed_id)
        )
        if found is not None:  # else the foreign key refuses the row anyway
            episode.language = found
