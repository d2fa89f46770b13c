#!/usr/bin/env python3
"""Local python-socketio 5.18.1 server (aiohttp, WebSocket transport only) for
the SDK's Socket.IO client tests: the same core behaviour as server.mjs.

    .venv-socketio/bin/python tests/socketio-server/python_server.py --port 0 \
        [--host 127.0.0.1] [--ping-interval 25000] [--ping-timeout 20000] \
        [--max-payload 1000000] [--require-token T] [--name python]

Namespaces: `/` (token-checked with --require-token), `/guild/<digits>`,
`/private` (refused unless auth.token == "good"); anything else gets
python-socketio's own `44/nsp,"Unable to connect"`. Events: `echo`, `join`,
`leave`, `ping`, and an ack `{ok, event, args}` for any other acked event.
Control routes under /control/ on the same port (see README.md): health,
state, reset, emit, burst, emit-base64json, disconnect.

Prints exactly `LISTENING <port>` on stdout (the real port when --port 0);
logs go to stderr. Stops cleanly on SIGTERM / SIGINT.
"""

import argparse
import asyncio
import base64
import contextvars
import json
import os
import re
import signal
import sys
import time
import urllib.parse
import weakref

import socketio
from aiohttp import web
from socketio import packet

GUILD = re.compile(r"^/guild/\d+$")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_ENTRIES = 10_000
MAX_BURST = 100_000
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "content-type",
}

# Whether the event being handled carries an ack id (set around each event).
ACKED = contextvars.ContextVar("acked", default=False)


def log(line):
    print(f"[sio {ARGS.name}] {line}", file=sys.stderr, flush=True)


def now_ms():
    return int(time.time() * 1000)


def allowed(namespace):
    """The namespaces this server accepts."""
    return namespace in ("/", "/private") or bool(GUILD.match(namespace))


def has_binary(v, depth=0):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return True
    if depth > 64:
        return False
    if isinstance(v, (list, tuple)):
        return any(has_binary(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return any(has_binary(x, depth + 1) for x in v.values())
    return False


def json_safe(v, depth=0):
    """Event args as JSON: bytes become {"$binary": "<base64>"}, like server.mjs."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$binary": base64.b64encode(bytes(v)).decode()}
    if depth > 64:
        return None
    if isinstance(v, (list, tuple)):
        return [json_safe(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {str(k): json_safe(x, depth + 1) for k, x in v.items()}
    return v


def with_binary(v, depth=0):
    """{"$binary": "<base64>"} anywhere in v becomes bytes."""
    if depth > 64:
        return v
    if isinstance(v, list):
        return [with_binary(x, depth + 1) for x in v]
    if isinstance(v, dict):
        if list(v.keys()) == ["$binary"] and isinstance(v["$binary"], str):
            return base64.b64decode(v["$binary"])
        return {k: with_binary(x, depth + 1) for k, x in v.items()}
    return v


class Recorder:
    """Bounded logs of what the server saw (same shape as record.mjs)."""

    LISTS = ("received", "connects", "disconnects")

    def __init__(self):
        self.seq = 0
        self.reset()

    def reset(self):
        for name in self.LISTS:
            setattr(self, name, [])
        self.dropped = {name: 0 for name in self.LISTS}

    def add(self, name, entry):
        self.seq += 1
        rec = {"seq": self.seq, "t": now_ms(), **entry}
        arr = getattr(self, name)
        arr.append(rec)
        if len(arr) > MAX_ENTRIES:
            arr.pop(0)
            self.dropped[name] += 1

    def snapshot(self, since=0):
        out = {"seq": self.seq, "dropped": dict(self.dropped)}
        for name in self.LISTS:
            out[name] = [e for e in getattr(self, name) if e["seq"] > since]
        return out


class Server(socketio.AsyncServer):
    """AsyncServer that refuses unknown namespaces the python way and notes acked events."""

    async def _handle_connect(self, eio_sid, namespace, data):
        if not allowed(namespace or "/"):
            await self._send_packet(eio_sid, self.packet_class(
                packet.CONNECT_ERROR, data="Unable to connect", namespace=namespace or "/"))
            return
        await super()._handle_connect(eio_sid, namespace, data)

    async def _handle_event(self, eio_sid, namespace, id, data):
        token = ACKED.set(id is not None)
        try:
            await super()._handle_event(eio_sid, namespace, id, data)
        finally:
            ACKED.reset(token)


def parse_args(argv):
    p = argparse.ArgumentParser(description="python-socketio test server")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ping-interval", type=int, default=25000, help="ms")
    p.add_argument("--ping-timeout", type=int, default=20000, help="ms")
    p.add_argument("--max-payload", type=int, default=1_000_000, help="bytes")
    p.add_argument("--require-token", default=None)
    p.add_argument("--name", default="python")
    args = p.parse_args(argv)
    if args.host not in LOOPBACK:
        p.error(f"refusing to bind to {args.host}: loopback only")
    if args.ping_interval < 1000 or args.ping_interval % 1000:
        # python-engineio 4.15.1 advertises int(seconds) * 1000 in the open packet
        p.error("--ping-interval must be a whole number of seconds (>= 1000 ms) for python-engineio")
    return args


ARGS = parse_args(sys.argv[1:]) if __name__ == "__main__" else None
recorder = Recorder()
# (namespace, sid) -> {"eio": eio sid, "auth": ..., "query": ...}
sockets = {}


def make_server(args):
    sio = Server(
        async_mode="aiohttp",
        transports=["websocket"],
        namespaces="*",
        cors_allowed_origins="*",  # python-engineio checks Origin on WebSocket too
        ping_interval=args.ping_interval / 1000,
        ping_timeout=args.ping_timeout / 1000,
        max_http_buffer_size=args.max_payload,
        async_handlers=False,  # handle each socket's events in order
        logger=False,
        engineio_logger=False,
    )

    @sio.on("connect", namespace="*")
    async def connect(namespace, sid, environ, auth=None):
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        base = {"namespace": namespace, "engineId": sio.manager.eio_sid_from_sid(sid, namespace),
                "auth": json_safe(auth or {}), "query": query}
        want = "good" if namespace == "/private" else (args.require_token if namespace == "/" else None)
        if want is not None:
            token = (auth or {}).get("token") if isinstance(auth, dict) else None
            if token != want:
                recorder.add("connects", {**base, "socketId": None, "accepted": False, "error": "not authorized"})
                reason = "missing token" if token is None else "bad token"
                raise socketio.exceptions.ConnectionRefusedError("not authorized", {"reason": reason})
        sockets[(namespace, sid)] = {"eio": base["engineId"], "auth": base["auth"], "query": query}
        recorder.add("connects", {**base, "socketId": sid, "accepted": True})
        log(f"connect {namespace} {sid}")
        # python-socketio sends this before the CONNECT reply (40): the SDK must buffer it.
        await sio.emit("welcome", {"server": args.name, "namespace": namespace}, to=sid, namespace=namespace)

    @sio.on("disconnect", namespace="*")
    async def disconnect(namespace, sid, reason=None):
        entry = sockets.pop((namespace, sid), {})
        recorder.add("disconnects", {"namespace": namespace, "socketId": sid, "engineId": entry.get("eio"),
                                     "reason": str(reason)})
        log(f"disconnect {namespace} {sid}: {reason}")

    @sio.on("*", namespace="*")
    async def any_event(event, namespace, sid, *raw):
        recorder.add("received", {
            "namespace": namespace, "socketId": sid, "engineId": sockets.get((namespace, sid), {}).get("eio"),
            "event": event, "args": json_safe(list(raw)), "binary": has_binary(raw), "ack": ACKED.get(),
        })
        first = raw[0] if raw else None
        if event == "echo":
            await sio.emit("echo", tuple(raw), to=sid, namespace=namespace)
        if event == "ping" and isinstance(first, dict):
            await sio.emit("pong", {"timestamp": first.get("timestamp"), "_server_timestamp": now_ms()},
                           to=sid, namespace=namespace)
        if event in ("join", "leave") and isinstance(first, dict) and isinstance(first.get("room"), str):
            room = first["room"]
            if event == "join":
                await sio.enter_room(sid, room, namespace=namespace)
                return {"joined": room}
            await sio.leave_room(sid, room, namespace=namespace)
            return {"left": room}
        # only sent when the client asked for an ack
        return {"ok": True, "event": event, "args": list(raw)}

    return sio


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def make_control(sio, args):
    """The /control/{name} aiohttp handler."""

    def namespaces_now():
        return sorted({ns for ns, _ in sockets} | {"/", "/private"})

    def check_ns(name):
        if not isinstance(name, str) or not allowed(name):
            raise HttpError(404, f"no namespace {name}")
        return name

    def emit_fields(body):
        event = body.get("event")
        if not isinstance(event, (str, int)):
            raise HttpError(400, "`event` (string) is required")
        a = body.get("args", [])
        if not isinstance(a, list):
            raise HttpError(400, "`args` must be an array")
        room = body.get("room")
        if room is not None and not isinstance(room, str):
            raise HttpError(400, "`room` must be a string")
        return event, a, check_ns(body.get("namespace", "/")), room

    def build_args(body, a):
        out = with_binary(json.loads(json.dumps(a)))
        if body.get("stamp"):
            if not out:
                out.append({})
            if not isinstance(out[0], dict):
                raise HttpError(400, "`stamp` needs args[0] to be an object")
            out[0]["_server_timestamp"] = now_ms()
        if body.get("binary"):
            b = body.get("bytes", [1, 2, 3, 4])
            if not isinstance(b, list) or not all(isinstance(x, int) and 0 <= x <= 255 for x in b):
                raise HttpError(400, "`bytes` must be an array of 0..255")
            out.append(bytes(b))
        return out

    def recipients(ns, room):
        if room is None:
            return sum(1 for n, _ in sockets if n == ns)
        return sum(1 for n, sid in sockets if n == ns and room in sio.rooms(sid, namespace=n))

    def pick(body):
        out = []
        for (ns, sid) in list(sockets):
            if "namespace" in body and ns != body["namespace"]:
                continue
            if "sid" in body and sid != body["sid"]:
                continue
            if "room" in body and body["room"] not in sio.rooms(sid, namespace=ns):
                continue
            out.append((ns, sid))
        return out

    def state(since):
        socks = []
        nss = {}
        for ns in namespaces_now():
            ids = [sid for n, sid in sockets if n == ns]
            rooms = {}
            for sid in ids:
                for r in sio.rooms(sid, namespace=ns):
                    if r != sid:
                        rooms.setdefault(r, []).append(sid)
            nss[ns] = {"sockets": len(ids), "socketIds": ids, "rooms": rooms}
        for (ns, sid), info in sockets.items():
            socks.append({"id": sid, "namespace": ns, "engineId": info["eio"],
                          "rooms": [r for r in sio.rooms(sid, namespace=ns) if r != sid],
                          "auth": info["auth"], "query": info["query"]})
        eio_ids = list(sio.eio.sockets.keys())
        return {
            "name": args.name, "pid": os.getpid(), "port": BOUND["port"],
            "options": {"pingInterval": args.ping_interval, "pingTimeout": args.ping_timeout,
                        "maxPayload": args.max_payload, "requireToken": bool(args.require_token)},
            "connections": len(eio_ids), "engineIds": eio_ids,
            "engines": [{"id": e, "namespaces": [s["namespace"] for s in socks if s["engineId"] == e]} for e in eio_ids],
            "namespaces": nss, "sockets": socks, **recorder.snapshot(since),
        }

    async def emit(body):
        event, a, ns, room = emit_fields(body)
        if body.get("ack"):
            raise HttpError(400, "`ack` is only supported by the node server")
        n = recipients(ns, room)
        await sio.emit(event, tuple(build_args(body, a)), to=room, namespace=ns)
        return {"ok": True, "localRecipients": n}

    async def burst(body):
        event, a, ns, room = emit_fields(body)
        count = body.get("count")
        if not isinstance(count, int) or not 0 <= count <= MAX_BURST:
            raise HttpError(400, f"`count` must be an integer 0..{MAX_BURST}")
        t0 = now_ms()
        for i in range(count):
            out = build_args(body, a)
            if body.get("seq"):
                out.append(i)
            await sio.emit(event, tuple(out), to=room, namespace=ns)
        return {"ok": True, "count": count, "localRecipients": recipients(ns, room), "ms": now_ms() - t0}

    async def emit_base64json(body):
        event, _, ns, room = emit_fields(body)
        if "value" not in body:
            raise HttpError(400, "`value` is required")
        arg = base64.b64encode(json.dumps(body["value"], separators=(",", ":")).encode()).decode()
        await sio.emit(event, arg, to=room, namespace=ns)
        return {"ok": True, "localRecipients": recipients(ns, room), "arg": arg}

    async def disconnect(body):
        picked = pick(body)
        engines = []
        for ns, sid in picked:
            eio = sockets.get((ns, sid), {}).get("eio")
            await sio.disconnect(sid, namespace=ns)
            if eio and eio not in engines:
                engines.append(eio)
        if body.get("close"):
            # python-engineio sends the Engine.IO close packet `1` and leaves the WebSocket open
            for eio in engines:
                await sio.eio.disconnect(eio)
        return {"ok": True, "disconnected": [{"id": sid, "namespace": ns} for ns, sid in picked]}

    async def reset(_body):
        recorder.reset()
        return {"ok": True}

    routes = {
        ("GET", "health"): lambda body, q: {"ok": True, "name": args.name},
        ("GET", "state"): lambda body, q: state(int(q.get("since", "0") or 0)),
        ("POST", "reset"): lambda body, q: reset(body),
        ("POST", "emit"): lambda body, q: emit(body),
        ("POST", "burst"): lambda body, q: burst(body),
        ("POST", "emit-base64json"): lambda body, q: emit_base64json(body),
        ("POST", "disconnect"): lambda body, q: disconnect(body),
    }

    async def handle(request):
        if request.method == "OPTIONS":
            return web.Response(status=204, headers=CORS)
        name = request.match_info["name"]
        route = routes.get((request.method, name))
        try:
            if route is None:
                known = any(n == name for _, n in routes)
                raise HttpError(405 if known else 404,
                                f"wrong method for /control/{name}" if known else f"no route /control/{name}")
            body = {}
            if request.method == "POST":
                text = (await request.text()).strip()
                if text:
                    try:
                        body = json.loads(text)
                    except ValueError:
                        raise HttpError(400, "body is not JSON")
                    if not isinstance(body, dict):
                        raise HttpError(400, "body must be a JSON object")
                if name != "reset":
                    log(f"control {name} {json.dumps(body)[:200]}")
            result = route(body, request.query)
            if asyncio.iscoroutine(result):
                result = await result
            return web.json_response(result, headers={**CORS, "Cache-Control": "no-store"})
        except HttpError as e:
            return web.json_response({"ok": False, "error": str(e)}, status=e.status, headers=CORS)
        except Exception as e:  # a bug or an unexpected input: answer JSON, keep serving
            log(f"control {name} failed: {e!r}")
            return web.json_response({"ok": False, "error": repr(e)}, status=500, headers=CORS)

    return handle


BOUND = {"port": None}


async def main(args):
    sio = make_server(args)
    app = web.Application(client_max_size=8 * 1024 * 1024)
    sio.attach(app)
    app.router.add_route("*", "/control/{name}", make_control(sio, args))
    websockets = weakref.WeakSet()

    async def track_websocket(_request, response):
        if isinstance(response, web.WebSocketResponse):
            websockets.add(response)

    app.on_response_prepare.append(track_websocket)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    BOUND["port"] = site._server.sockets[0].getsockname()[1]
    print(f"LISTENING {BOUND['port']}", flush=True)
    log(f"listening on {args.host}:{BOUND['port']} (ping {args.ping_interval}/{args.ping_timeout})")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log("signal: stopping")
    # aiohttp waits for open WebSocket handlers on cleanup: close them first (1001), bounded.
    try:
        await asyncio.wait_for(sio.shutdown(), timeout=1)
        closing = [ws.close(code=1001, message=b"server shutting down") for ws in list(websockets)]
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), timeout=2)
        await asyncio.wait_for(runner.cleanup(), timeout=2)
    except asyncio.TimeoutError:
        log("shutdown timed out; exiting anyway")
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    asyncio.run(main(ARGS))
