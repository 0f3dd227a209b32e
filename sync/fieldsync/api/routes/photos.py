from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse

from fieldapp.core.protocol import PHOTO_CHUNK_BYTES, ErrorBody, PhotoStatus

from ... import photos
from ...errors import ApiError
from ..deps import CurrentUser, EngineDep, SettingsDep
from ..wire import WireResponse

router = APIRouter(prefix="/api/v1/photos", tags=["photos"])
ERRORS = {401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 409: {"model": ErrorBody},
          413: {"model": ErrorBody}, 422: {"model": ErrorBody}}


@router.get("/{sha256}", response_model=PhotoStatus, responses=ERRORS,
            summary="What the server holds of a photo (resume an upload at received_bytes)")
def status(sha256: str, user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    return WireResponse(photos.photo_status(engine, settings, sha256))


@router.put("/{sha256}", response_model=PhotoStatus, responses=ERRORS,
            summary="Upload one chunk (raw bytes) at offset; verified against the SHA-256 when complete",
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary",
                                                        "maxLength": PHOTO_CHUNK_BYTES}}}}})
async def upload_chunk(sha256: str, request: Request, user: CurrentUser, engine: EngineDep, settings: SettingsDep,
                       offset: int = Query(..., ge=0), total: int = Query(..., ge=1)):
    data = await request.body()
    if not data:
        raise ApiError(422, "empty_chunk", "Send at least one byte per chunk.")
    if len(data) > PHOTO_CHUNK_BYTES:
        raise ApiError(413, "chunk_too_large", f"Send at most {PHOTO_CHUNK_BYTES} bytes per chunk.")
    from starlette.concurrency import run_in_threadpool

    result = await run_in_threadpool(photos.put_chunk, engine, settings, user, sha256, offset, total, data)
    return WireResponse(result)


_BYTES = {"schema": {"type": "string", "format": "binary"}}


@router.get("/{sha256}/content", responses={**ERRORS, 200: {
                "description": "The photo's bytes, as the attachment's image type (else application/octet-stream)",
                "content": {mime: _BYTES for mime in (*photos.SERVED_MIME_TYPES, photos.DEFAULT_MIME)}}},
            response_class=FileResponse,
            summary="The photo's bytes (only if an attachment in your scope references it)")
def content(sha256: str, user: CurrentUser, engine: EngineDep, settings: SettingsDep):
    path, mime = photos.photo_for_download(engine, settings, user, sha256)
    # Not cached anywhere (Cache-Control: no-store, like every answer): the client keeps its own copy.
    return FileResponse(path, media_type=mime)
