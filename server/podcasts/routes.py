"""Podcast endpoints. The list needs a token; the RSS and its enclosures do not, so any
podcast app can subscribe. Sync handlers on uvicorn's worker threadpool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.content.media import file_response, resolve_under, strong_etag
from server.dependencies import CallerDep, ConfigDep, SessionDep
from server.errors import not_found
from server.language import _
from server.openapi_doc import error_responses, file_responses
from server.podcasts.models import PodcastEpisode, PodcastFeed
from server.podcasts.rss import render_feed
from server.podcasts.schemas import FeedList, FeedOut
from server.wire_limits import MAX_STORED_INT, MAX_WIRE_INT

router = APIRouter(prefix="/v1/podcasts", tags=["podcasts"])


@router.get("", response_model=FeedList)
def list_feeds(_caller: CallerDep, session: SessionDep, request: Request) -> FeedList:
    feeds = session.scalars(select(PodcastFeed).order_by(PodcastFeed.id)).all()
    return FeedList(
        feeds=[
            FeedOut(
                id=feed.id,
                title=feed.title,
                url=request.app.url_path_for("podcast_feed", feed_id=feed.id),
            )
            for feed in feeds
        ]
    )


@router.get(
    "/{feed_id}/feed.xml",
    name="podcast_feed",
    response_class=Response,
    responses={
        200: {"description": "The RSS feed.", "content": {"application/rss+xml": {}}},
        **error_responses(404),
    },
)
def feed_xml(feed_id: str, session: SessionDep, request: Request) -> Response:
    feed = session.scalars(
        select(PodcastFeed)
        .where(PodcastFeed.id == feed_id)
        .options(selectinload(PodcastFeed.episodes))
    ).one_or_none()
    if feed is None:
        raise not_found(_("There is no podcast '{feed}'.").format(feed=feed_id))
    # Absolute URLs from the request, so the feed works behind whatever host name was used.
    body = render_feed(
        feed,
        site_url=str(request.base_url),
        enclosure_url=lambda episode: str(
            request.url_for("podcast_episode", feed_id=feed.id, file=episode.file)
        ),
        transcript_url=lambda episode: str(
            request.url_for("podcast_transcript", feed_id=feed.id, episode_id=str(episode.id))
        ),
        chapters_url=lambda episode: str(
            request.url_for("podcast_chapters", feed_id=feed.id, episode_id=str(episode.id))
        ),
        artwork_url=(
            str(request.url_for("podcast_artwork", feed_id=feed.id)) if feed.artwork else None
        ),
    )
    return Response(body, media_type="application/rss+xml; charset=utf-8")


@router.get(
    "/{feed_id}/episodes/{file}",
    name="podcast_episode",
    response_class=FileResponse,
    responses=file_responses(404),
)
def episode_file(feed_id: str, file: str, session: SessionDep, config: ConfigDep) -> Response:
    episode = session.scalars(
        select(PodcastEpisode).where(PodcastEpisode.feed_id == feed_id, PodcastEpisode.file == file)
    ).one_or_none()
    if episode is None:
        raise not_found(
            _("There is no episode '{file}' in the podcast '{feed}'.").format(
                file=file, feed=feed_id
            )
        )
    path = resolve_under(config.podcast_dir / feed_id, episode.file)
    if path is None or not path.is_file():
        raise not_found(_("The episode '{file}' is missing on the server.").format(file=file))
    return file_response(config, path, episode.content_type, {"ETag": strong_etag(episode.sha256)})


def _episode(session: SessionDep, feed_id: str, episode_id: int) -> PodcastEpisode | None:
    """One episode of one feed (its transcript and chapters are served by id)."""
    if episode_id > MAX_STORED_INT:  # no such episode (PostgreSQL would refuse the number)
        return None
    return session.scalars(
        select(PodcastEpisode).where(
            PodcastEpisode.feed_id == feed_id, PodcastEpisode.id == episode_id
        )
    ).one_or_none()


@router.get(
    "/{feed_id}/transcripts/{episode_id}.txt",
    name="podcast_transcript",
    response_class=PlainTextResponse,
    responses=error_responses(404),
)
def transcript_text(
    feed_id: str, episode_id: Annotated[int, Path(ge=0, le=MAX_WIRE_INT)], session: SessionDep
) -> PlainTextResponse:
    episode = _episode(session, feed_id, episode_id)
    if episode is None or not episode.transcript:
        raise not_found(
            _("There is no transcript of episode {episode} in the podcast '{feed}'.").format(
                episode=episode_id, feed=feed_id
            )
        )
    return PlainTextResponse(episode.transcript)


@router.get(
    "/{feed_id}/chapters/{episode_id}.json",
    name="podcast_chapters",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "Podcasting 2.0 JSON chapters.",
            "content": {"application/json+chapters": {}},
        },
        **error_responses(404),
    },
)
def chapters_json(
    feed_id: str, episode_id: Annotated[int, Path(ge=0, le=MAX_WIRE_INT)], session: SessionDep
) -> JSONResponse:
    episode = _episode(session, feed_id, episode_id)
    if episode is None or not episode.chapters:
        raise not_found(
            _("There are no chapters for episode {episode} in the podcast '{feed}'.").format(
                episode=episode_id, feed=feed_id
            )
        )
    return JSONResponse(
        {"version": "1.2.0", "chapters": episode.chapters},
        media_type="application/json+chapters",
    )


@router.get(
    "/{feed_id}/artwork",
    name="podcast_artwork",
    response_class=FileResponse,
    responses=file_responses(404),
)
def artwork_file(feed_id: str, session: SessionDep, config: ConfigDep) -> FileResponse:
    feed = session.get(PodcastFeed, feed_id)
    if feed is None or not feed.artwork:
        raise not_found(_("The podcast '{feed}' has no artwork.").format(feed=feed_id))
    path = resolve_under(config.podcast_dir / feed_id, feed.artwork)
    if path is None or not path.is_file():
        raise not_found(
            _("The artwork of the podcast '{feed}' is missing on the server.").format(feed=feed_id)
        )
    kind = "image/jpeg" if feed.artwork.lower().endswith((".jpg", ".jpeg")) else "image/png"
    return FileResponse(path, media_type=kind)
