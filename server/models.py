"""Collects every domain's tables into one metadata (for Alembic and checks); import-only."""

from server.auth import models as auth_models
from server.content import models as content_models
from server.db import Base
from server.peer import models as peer_models
from server.podcasts import models as podcast_models
from server.points import models as points_models
from server.progress import models as progress_models
from server.social import models as social_models
from server.supporter import models as supporter_models
from server.sync import models as sync_models
from server.uploads import models as upload_models

metadata = Base.metadata

__all__ = [
    "auth_models",
    "content_models",
    "metadata",
    "peer_models",
    "podcast_models",
    "points_models",
    "progress_models",
    "social_models",
    "supporter_models",
    "sync_models",
    "upload_models",
]
