"""The lobby's files for the devices (kiosk.files): the manifest of the caller's role and each file's bytes.

A name is served only if it is in the manifest of the caller's role, compared as a string: a path with
'..', an absolute path or a symlink out of the lobby folder is never in it, so it is a plain 404.
"""
from __future__ import annotations

import asyncio

from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse

from kiosk.files import CHUNK, Manifest
from kiosk.protocol.views import FilesView
from kiosk.server.access import Buckets
from kiosk.server.auth import Principal
from kiosk.server.deps import AUTHED, Router, get_backend, known_caller
from kiosk.server.errors import ApiProblem

# a cold start fetches every file at once; after that a device asks only for what changed
FILES_RATE_PER_S = 20
FILES_BURST = 300

router = Router(tags=["files"])


class FileServer:
    """The manifest of the backend's current config (a new config gets a new one), and the download budget."""

    def __init__(self):
        self.manifest: Manifest | None = None
        self.downloads = Buckets(FILES_RATE_PER_S, FILES_BURST)

    def for_config(self, config) -> Manifest:
        if self.manifest is None or self.manifest.config is not config:
            self.manifest = Manifest(config)
        return self.manifest


def file_server(request: Request) -> FileServer:
    state = request.app.state
    if getattr(state, "files", None) is None:
        state.files = FileServer()
    return state.files


@router.get("/api/v1/files", response_model=FilesView, openapi_extra=AUTHED,
            summary="The files the caller's role may need (name, size, SHA-256)")
async def files_manifest(request: Request, who: Principal = Depends(known_caller)):
    manifest = file_server(request).for_config(get_backend(request).config)
    entries = await asyncio.to_thread(manifest.entries, who.role)  # hashing is disk work: off the event loop
    return {"role": who.role, "files": [entry.as_dict() for entry in entries]}


@router.get("/api/v1/files/{name:path}", response_class=StreamingResponse, openapi_extra=AUTHED,
            responses={200: {"description": "the file's bytes, whole (no ranges)",
                             "content": {"application/octet-stream": {}}},
                       304: {"description": "If-None-Match named its ETag: the device's copy is current"}},
            summary="One file of the manifest; ETag is its SHA-256")
async def file_bytes(name: str, request: Request, who: Principal = Depends(known_caller)):
    server = file_server(request)
    wait = server.downloads.take(f"{who.kind}:{who.role}:{who.name}")
    if wait is not None:
        raise ApiProblem("rate_limited", headers={"Retry-After": str(max(1, round(wait)))})
    manifest = server.for_config(get_backend(request).config)
    found = await asyncio.to_thread(manifest.lookup, who.role, name)
    if found is None:
        raise ApiProblem("not_found")
    entry, real = found
    etag = f'"{entry.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Content-Length": str(entry.size)}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "private, no-cache"})
    try:
        handle = open(real, "rb")
    except OSError:
        raise ApiProblem("not_found") from None

    async def chunks():
        with handle:
            sent = 0
            while sent < entry.size:
                chunk = await asyncio.to_thread(handle.read, min(CHUNK, entry.size - sent))
                if not chunk:
                    break  # shortened since it was hashed: the device's checksum refuses it
                sent += len(chunk)
                yield chunk

    return StreamingResponse(chunks(), media_type="application/octet-stream", headers=headers)
