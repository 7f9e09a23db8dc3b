"""WebSocket plumbing shared by the event streams: refusing a socket with a message, serving one until it ends."""
from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

# WebSocket close codes (4000-4999 are the application's)
WS_BAD_REQUEST, WS_UNAUTHORIZED, WS_NOT_FOUND, WS_RESYNC = 4400, 4401, 4404, 4409


async def ws_refuse(websocket: WebSocket, message: dict, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(json.dumps({"type": message.get("type", "error"), **message}, ensure_ascii=False))
        await websocket.close(code=code)


async def serve_ws(websocket: WebSocket, sender) -> None:
    """Run ``sender(websocket)`` until it ends or the client goes away, whichever is first."""

    async def reader():
        # clients send nothing we need; reading is how a close is noticed at once
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [asyncio.create_task(reader()), asyncio.create_task(sender(websocket))]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError, Exception):
                await task
    if websocket.application_state == WebSocketState.CONNECTED and websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close(code=1001)
