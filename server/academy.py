"""GET /v1/academy: the academy's name and manifest-signing key; no login needed.

A sync handler on the worker threadpool (it only reads app state).
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from server.content.schemas import AcademyKeyOut
from server.dependencies import ConfigDep, SignerDep

router = APIRouter(prefix="/v1", tags=["academy"])


class Academy(BaseModel):
    name: str
    academy_key: AcademyKeyOut


@router.get("/academy", response_model=Academy)
def academy(config: ConfigDep, signer: SignerDep) -> Academy:
    return Academy(
        name=config.academy_name, academy_key=AcademyKeyOut.model_validate(signer.academy_key())
    )
