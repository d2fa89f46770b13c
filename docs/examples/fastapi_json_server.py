"""A minimal server of calimero-socket's json protocol, written with FastAPI.

It is documentation (docs/json-protocol.md, "Writing a json server") and a test
fixture (tests/browser_fastapi.rs runs the SDK against it in a real browser).

Run it (Python 3.10 or newer):

    python3 -m venv .venv-examples
    .venv-examples/bin/pip install -r docs/examples/requirements.txt
    .venv-examples/bin/uvicorn fastapi_json_server:app --app-dir docs/examples \
        --host 127.0.0.1 --port 8765

and point the SDK at it:

    new SocketManager({ url: "ws://127.0.0.1:8765/json", protocol: "json",
                        contextIds: ["room-1"] })

What it does:

- `/json` (WebSocket): answers `subscribe` / `unsubscribe` with `subscribed` /
  `unsubscribed`, and the SDK's heartbeat `{"type":"ping"}` with
  `{"type":"pong","_server_timestamp":<ms>}`. Events go to the sockets subscribed to
  their context, one JSON object per text frame, numbered by a per-context `seq`
  (1, 2, 3, ...) and stamped with `_server_timestamp` (ms since the epoch).
- Small GET endpoints to drive it (a test page, `curl`, or your own app code):
    /publish?contextId=C&kinds=MessageSent,ChannelCreated&count=1   send `count` frames
    /skip?contextId=C&n=1        burn n seq numbers without sending (the SDK sees a gap)
    /drop?contextId=C&code=1011  close the sockets (all, or those subscribed to C)
    /stall?contextId=C           those sockets go silent: no pongs, no events
    /status?contextId=C          {"connections": n, "subscribed": sockets subscribed to C}
    /health                      {"ok": true}
  They are GETs without custom headers (no CORS preflight), and answer with CORS
  headers for pages served from 127.0.0.1 / localhost.

Binds only where uvicorn is told to: keep it on loopback. State lives in memory.
"""

import json
import time
from collections import defaultdict

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI(title="calimero-socket json protocol example")
app.add_middleware(
    CORSMiddleware,
    allow_origin_regex=r"http://(127\.0\.0\.1|localhost)(:\d+)?",
    allow_methods=["GET"],
)


class Client:
    """One open /json socket."""

    def __init__(self, ws: WebSocket):
        self.ws = ws
        self.contexts: set[str] = set()
        self.stalled = False  # set by /stall: read frames, answer nothing, send nothing

    async def send(self, message: dict) -> bool:
        if self.stalled:
            return False
        try:
            await self.ws.send_text(json.dumps(message, separators=(",", ":")))
            return True
        except Exception:  # the socket closed meanwhile
            return False


clients: set[Client] = set()
last_seq: dict[str, int] = defaultdict(int)  # context id -> last seq used


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def targets(context_id: str | None) -> list[Client]:
    """Every socket, or the sockets subscribed to `context_id`."""
    return [c for c in clients if context_id is None or context_id in c.contexts]


@app.websocket("/json")
async def json_socket(ws: WebSocket):
    await ws.accept()
    client = Client(ws)
    clients.add(client)
    try:
        async for text in ws.iter_text():
            try:
                msg = json.loads(text)
            except ValueError:
                continue  # not JSON: ignore it
            if client.stalled or not isinstance(msg, dict):
                continue
            kind = msg.get("type")
            ids = [c for c in msg.get("contextIds", []) if isinstance(c, str)]
            if kind == "subscribe":
                client.contexts.update(ids)
                await client.send({"type": "subscribed", "contextIds": ids})
            elif kind == "unsubscribe":
                client.contexts.difference_update(ids)
                await client.send({"type": "unsubscribed", "contextIds": ids})
            elif kind == "ping":
                pong = {"type": "pong", "_server_timestamp": now_ms()}
                if "id" in msg:
                    pong["id"] = msg["id"]
                await client.send(pong)
            # anything else is the app's own message: this example ignores it
    except WebSocketDisconnect:
        pass
    finally:
        clients.discard(client)


@app.get("/publish")
async def publish(contextId: str, kinds: str = "MessageSent", count: int = 1):
    """Sends `count` frames to the subscribers of `contextId`, each with one event per
    kind in `kinds` (comma separated)."""
    count = max(1, min(count, 1000))
    deliveries = 0
    for _ in range(count):
        last_seq[contextId] += 1
        seq = last_seq[contextId]
        frame = {
            "type": "StateMutation",
            "contextId": contextId,
            "data": {"events": [{"kind": k, "data": {"seq": seq}} for k in kinds.split(",") if k]},
            "seq": seq,
            "_server_timestamp": now_ms(),
        }
        for c in targets(contextId):
            deliveries += await c.send(frame)
    return {"sent": count, "deliveries": deliveries, "lastSeq": last_seq[contextId]}


@app.get("/skip")
async def skip(contextId: str, n: int = 1):
    """Uses up `n` seq numbers of `contextId` without sending them."""
    last_seq[contextId] += max(1, n)
    return {"lastSeq": last_seq[contextId]}


@app.get("/drop")
async def drop(contextId: str | None = None, code: int = 1011):
    """Closes the sockets (the SDK reconnects on any close it did not ask for)."""
    dropped = targets(contextId)
    for c in dropped:
        clients.discard(c)
        try:
            await c.ws.close(code=code, reason="dropped by /drop")
        except Exception:
            pass
    return {"dropped": len(dropped)}


@app.get("/stall")
async def stall(contextId: str | None = None):
    """Those sockets stay open but go silent until the client closes them."""
    stalled = targets(contextId)
    for c in stalled:
        c.stalled = True
    return {"stalled": len(stalled)}


@app.get("/status")
async def status(contextId: str | None = None):
    live = [c for c in clients if not c.stalled]
    return {"connections": len(live), "subscribed": len([c for c in live if contextId in c.contexts])}


@app.get("/health")
async def health():
    return {"ok": True}
