"""A fake ComfyUI server on loopback: real HTTP and a real websocket on one port, speaking
provider-apis.md §4, with switches for the failure modes.

It validates what a real server validates before queueing (a node without class_type, a
LoadImage naming a file that was never uploaded, a bad seed) and "runs" a prompt in a
background thread: status, execution_start, executing per node, progress over `steps` spread
across `duration_seconds` (with one binary preview frame), executed, execution_success, the
history entry, then `executing` with node null. The output image is the first LoadImage's
upload, colour-inverted and resized to the empty latent's size, so a test can tell that the
result came from its input.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageOps

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_LATENT_NODES = {"EmptySD3LatentImage", "EmptyLatentImage"}


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class _Prompt:
    number: int
    prompt_id: str
    graph: dict
    client_id: str | None
    interrupted: bool = False


class _WebSocket:
    """The server side of RFC 6455, just enough: unmasked frames out, masked frames in."""

    def __init__(self, sock: socket.socket, rfile, wfile):
        self.sock, self.rfile, self.wfile = sock, rfile, wfile
        self._send_lock = threading.Lock()
        self.closed = False

    def send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self._send_lock:
            if self.closed:
                return
            try:
                self.wfile.write(header + payload)
                self.wfile.flush()
            except OSError:
                self.closed = True

    def send_json(self, message: dict) -> None:
        self.send(0x1, json.dumps(message).encode())

    def _read(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) < n:
            raise EOFError
        return data

    def read_frame(self) -> tuple[int, bytes]:
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read(8))
        mask = self._read(4) if second & 0x80 else b"\0\0\0\0"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(length)))
        return first & 0x0F, payload

    def close(self) -> None:
        self.send(0x8, struct.pack("!H", 1001))
        with self._send_lock:
            self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


@dataclass
class FakeComfyUI:
    duration_seconds: float = 0.4
    steps: int = 8
    # -- switches --
    # "success" | "error" (execution_error at the sampler) | "interrupted" (someone pressed
    # Cancel in ComfyUI's own UI halfway through)
    outcome: str = "success"
    node_errors: dict | None = None  # /prompt answers 400 with these
    paused: bool = False  # queued prompts stay pending
    ws_enabled: bool = True
    failures: dict = field(default_factory=dict)  # path prefix -> [status, …] answered next
    hangs: dict = field(default_factory=dict)  # path prefix -> seconds to stall first
    malformed: set = field(default_factory=set)  # path prefixes answered with broken JSON
    # -- what was received --
    uploads: dict = field(default_factory=dict)  # "subfolder/name" -> bytes
    prompts: list = field(default_factory=list)  # bodies of accepted POST /prompt
    interrupts: list = field(default_factory=list)  # bodies of POST /interrupt
    deleted: list = field(default_factory=list)  # prompt ids deleted from the queue
    requests: list = field(default_factory=list)  # (method, path)
    ws_client_ids: list = field(default_factory=list)
    history: dict = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._pending: list[_Prompt] = []
        self._running: _Prompt | None = None
        self._outputs: dict[tuple[str, str, str], bytes] = {}
        self._sockets: dict[str, _WebSocket] = {}
        self._stopping = threading.Event()
        self._number = 0
        self._httpd: ThreadingHTTPServer | None = None

    # -- life --
    def start(self) -> FakeComfyUI:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        threading.Thread(target=self._execute_loop, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
            sockets = list(self._sockets.values())
        for ws in sockets:
            ws.close()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def address(self) -> str:
        """host:port, the way COMFYUI_SERVER is usually written."""
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    # -- for tests --
    def wait_for(self, predicate, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("the fake ComfyUI never reached the expected state")
            time.sleep(0.01)

    def running_prompt_id(self) -> str | None:
        with self._lock:
            return self._running.prompt_id if self._running else None

    def pending_prompt_ids(self) -> list[str]:
        with self._lock:
            return [p.prompt_id for p in self._pending]

    def resume(self) -> None:
        with self._cond:
            self.paused = False
            self._cond.notify_all()

    # -- websocket --
    def _ws_attach(self, sid: str, ws: _WebSocket) -> None:
        with self._lock:
            self._sockets[sid] = ws  # the same clientId takes the session over, as ComfyUI does
            self.ws_client_ids.append(sid)
            queue_remaining = len(self._pending) + (1 if self._running else 0)
        status = {"exec_info": {"queue_remaining": queue_remaining}}
        ws.send_json({"type": "status", "data": {"status": status, "sid": sid}})

    def _ws_detach(self, sid: str, ws: _WebSocket) -> None:
        with self._lock:
            if self._sockets.get(sid) is ws:
                del self._sockets[sid]

    def _send(self, kind: str, data: dict, sid: str | None) -> None:
        with self._lock:
            targets = list(self._sockets.values()) if sid is None else [self._sockets.get(sid)]
        for ws in targets:
            if ws is not None:
                ws.send_json({"type": kind, "data": data})

    def _send_preview(self, sid: str | None) -> None:
        with self._lock:
            ws = self._sockets.get(sid) if sid else None
        if ws is not None:
            preview = _png(Image.new("RGB", (8, 8), (128, 128, 128)))
            ws.send(0x2, struct.pack(">II", 1, 2) + preview)  # PREVIEW_IMAGE, PNG

    def _broadcast_status(self) -> None:
        with self._lock:
            remaining = len(self._pending) + (1 if self._running else 0)
        self._send("status", {"status": {"exec_info": {"queue_remaining": remaining}}}, None)

    # -- the queue --
    def _execute_loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping.is_set() and (self.paused or not self._pending):
                    self._cond.wait(0.05)
                if self._stopping.is_set():
                    return
                prompt = self._pending.pop(0)
                self._running = prompt
            self._broadcast_status()
            try:
                self._execute(prompt)
            finally:
                with self._lock:
                    self._running = None
                self._broadcast_status()

    def _execute(self, prompt: _Prompt) -> None:
        graph, sid, pid = prompt.graph, prompt.client_id, prompt.prompt_id
        messages: list = []

        def emit(kind: str, data: dict, *, record: bool = False) -> None:
            data = {**data, "prompt_id": pid}
            if record:
                messages.append([kind, {**data, "timestamp": int(time.time() * 1000)}])
            self._send(kind, data, sid)

        sampler = next(i for i, n in graph.items() if n["class_type"] == "KSampler")
        save = next(i for i, n in graph.items() if n["class_type"] == "SaveImage")
        emit("execution_start", {"timestamp": int(time.time() * 1000)}, record=True)
        emit("execution_cached", {"nodes": []}, record=True)
        executed = []
        for node_id in graph:
            if node_id not in (sampler, save):
                emit("executing", {"node": node_id, "display_node": node_id})
                executed.append(node_id)
        emit("executing", {"node": sampler, "display_node": sampler})
        for step in range(1, self.steps + 1):
            if self._stopping.wait(self.duration_seconds / self.steps):
                return
            if self.outcome == "interrupted" and step == max(1, self.steps // 2):
                prompt.interrupted = True
            if prompt.interrupted:
                emit(
                    "execution_interrupted",
                    {"node_id": sampler, "node_type": "KSampler", "executed": executed},
                    record=True,
                )
                self._finish(prompt, messages, outputs={}, ok=False)
                return
            if self.outcome == "error" and step == max(1, self.steps // 2):
                emit(
                    "execution_error",
                    {
                        "node_id": sampler,
                        "node_type": "KSampler",
                        "executed": executed,
                        "exception_message": "CUDA out of memory. Tried to allocate 2.00 GiB",
                        "exception_type": "torch.OutOfMemoryError",
                        "traceback": ["Traceback (most recent call last):\n", "torch.OutOfMemoryError\n"],
                        "current_inputs": {},
                        "current_outputs": {},
                    },
                    record=True,
                )
                self._finish(prompt, messages, outputs={}, ok=False)
                return
            emit("progress", {"value": step, "max": self.steps, "node": sampler})
            emit(
                "progress_state",
                {
                    "nodes": {
                        sampler: {"value": step, "max": self.steps, "state": "running", "node_id": sampler}
                    }
                },
            )
            if step == 1:
                self._send_preview(sid)
        image_ref = self._render(prompt, save, sampler)
        emit("executing", {"node": save, "display_node": save})
        emit("executed", {"node": save, "display_node": save, "output": {"images": [image_ref]}})
        emit("execution_success", {"timestamp": int(time.time() * 1000)}, record=True)
        self._finish(prompt, messages, outputs={save: {"images": [image_ref]}}, ok=True)

    def _finish(self, prompt: _Prompt, messages: list, *, outputs: dict, ok: bool) -> None:
        save = [i for i, n in prompt.graph.items() if n["class_type"] == "SaveImage"]
        with self._lock:
            self.history[prompt.prompt_id] = {
                "prompt": [
                    prompt.number,
                    prompt.prompt_id,
                    prompt.graph,
                    {"client_id": prompt.client_id},
                    save,
                ],
                "outputs": outputs,
                "status": {"status_str": "success" if ok else "error", "completed": ok, "messages": messages},
                "meta": {node: {"node_id": node, "display_node": node} for node in outputs},
            }
        # As ComfyUI's prompt_worker: history first, then `executing` with node null.
        self._send("executing", {"node": None, "prompt_id": prompt.prompt_id}, prompt.client_id)

    def _render(self, prompt: _Prompt, save: str, sampler: str) -> dict:
        graph = prompt.graph
        first_load = next(n for n in graph.values() if n["class_type"] == "LoadImage")
        with self._lock:
            source = Image.open(io.BytesIO(self.uploads[first_load["inputs"]["image"]])).convert("RGB")
        latent = graph[graph[sampler]["inputs"]["latent_image"][0]]
        size = (
            (latent["inputs"]["width"], latent["inputs"]["height"])
            if latent["class_type"] in _LATENT_NODES
            else source.size
        )
        prefix = graph[save]["inputs"]["filename_prefix"]
        subfolder, _, base = prefix.rpartition("/")
        with self._lock:
            counter = len(self._outputs) + 1
            filename = f"{base}_{counter:05}_.png"
            self._outputs[("output", subfolder, filename)] = _png(ImageOps.invert(source).resize(size))
        return {"filename": filename, "subfolder": subfolder, "type": "output"}

    # -- HTTP routes --
    def handle_prompt(self, body: object) -> tuple[int, dict]:
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), dict):
            return 400, {
                "error": {
                    "type": "no_prompt",
                    "message": "No prompt provided",
                    "details": "",
                    "extra_info": {},
                },
                "node_errors": {},
            }
        graph = body["prompt"]
        for node_id, node in graph.items():
            if not isinstance(node, dict) or "class_type" not in node:
                return 400, {
                    "error": {
                        "type": "invalid_prompt",
                        "message": "Cannot execute because a node is missing the class_type property.",
                        "details": f"Node ID '#{node_id}'",
                        "extra_info": {},
                    },
                    "node_errors": {},
                }
        if self.node_errors is not None:
            return 400, {
                "error": {
                    "type": "prompt_outputs_failed_validation",
                    "message": "Prompt outputs failed validation",
                    "details": "",
                    "extra_info": {},
                },
                "node_errors": self.node_errors,
            }
        errors = {}
        for node_id, node in graph.items():
            inputs = node.get("inputs", {})
            if node["class_type"] == "LoadImage" and inputs.get("image") not in self.uploads:
                details = f"image - Invalid image file: {inputs.get('image')}"
                errors[node_id] = {
                    "errors": [
                        {
                            "type": "custom_validation_failed",
                            "message": "Invalid image file",
                            "details": details,
                            "extra_info": {},
                        }
                    ],
                    "dependent_outputs": [],
                    "class_type": "LoadImage",
                }
            if node["class_type"] == "KSampler" and not (
                isinstance(inputs.get("seed"), int) and 0 <= inputs["seed"] <= 2**64 - 1
            ):
                errors[node_id] = {
                    "errors": [
                        {
                            "type": "value_not_valid",
                            "message": "Value not valid",
                            "details": f"seed: {inputs.get('seed')!r}",
                            "extra_info": {},
                        }
                    ],
                    "dependent_outputs": [],
                    "class_type": "KSampler",
                }
        if errors:
            return 400, {
                "error": {
                    "type": "prompt_outputs_failed_validation",
                    "message": "Prompt outputs failed validation",
                    "details": "",
                    "extra_info": {},
                },
                "node_errors": errors,
            }
        if not any(node["class_type"] == "SaveImage" for node in graph.values()):
            return 400, {
                "error": {
                    "type": "prompt_no_outputs",
                    "message": "Prompt has no outputs",
                    "details": "",
                    "extra_info": {},
                },
                "node_errors": {},
            }
        with self._cond:
            self._number += 1
            prompt = _Prompt(
                number=self._number, prompt_id=str(uuid.uuid4()), graph=graph, client_id=body.get("client_id")
            )
            self.prompts.append(body)
            self._pending.append(prompt)
            self._cond.notify_all()
        self._broadcast_status()
        return 200, {"prompt_id": prompt.prompt_id, "number": prompt.number, "node_errors": {}}

    def queue_state(self) -> dict:
        def item(p: _Prompt) -> list:
            return [p.number, p.prompt_id, p.graph, {"client_id": p.client_id}, []]

        with self._lock:
            # A heap in ComfyUI, so not in order: the fake answers newest first to keep clients honest.
            return {
                "queue_running": [item(self._running)] if self._running else [],
                "queue_pending": [item(p) for p in reversed(self._pending)],
            }

    def queue_change(self, body: dict) -> None:
        with self._lock:
            if body.get("clear"):
                self._pending.clear()
            for prompt_id in body.get("delete") or []:
                before = len(self._pending)
                self._pending = [p for p in self._pending if p.prompt_id != prompt_id]
                if len(self._pending) < before:
                    self.deleted.append(prompt_id)

    def interrupt(self, body: dict) -> None:
        with self._lock:
            self.interrupts.append(body)
            target = body.get("prompt_id") if isinstance(body, dict) else None
            if self._running and (target is None or target == self._running.prompt_id):
                self._running.interrupted = True

    def view(self, query: dict) -> tuple[int, bytes]:
        filename = query.get("filename", "")
        if not filename or filename.startswith("/") or ".." in filename:
            return 400, b""
        kind, subfolder = query.get("type", "output"), query.get("subfolder", "")
        with self._lock:
            if kind == "input":
                data = self.uploads.get(f"{subfolder}/{filename}" if subfolder else filename)
            else:
                data = self._outputs.get((kind, subfolder, filename))
        return (200, data) if data is not None else (404, b"")

    def upload(self, content_type: str, body: bytes) -> tuple[int, dict]:
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        fields, image = {}, None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                image = (part.get_filename(), part.get_payload(decode=True))
            else:
                fields[name] = part.get_payload(decode=True).decode()
        if image is None:
            return 400, {}
        subfolder = fields.get("subfolder", "")
        name = image[0]
        key = f"{subfolder}/{name}" if subfolder else name
        with self._lock:
            if key in self.uploads and fields.get("overwrite") not in ("true", "1"):
                stem, _, ext = name.rpartition(".")
                name = f"{stem} (1).{ext}"
                key = f"{subfolder}/{name}" if subfolder else name
            self.uploads[key] = image[1]
        return 200, {"name": name, "subfolder": subfolder, "type": fields.get("type", "input")}

    @staticmethod
    def system_stats() -> dict:
        return {
            "system": {
                "os": "posix",
                "ram_total": 68719476736,
                "ram_free": 40000000000,
                "comfyui_version": "0.3.60",
                "python_version": "3.12.3",
                "pytorch_version": "2.8.0+cu128",
                "embedded_python": False,
                "argv": ["main.py"],
            },
            "devices": [
                {
                    "name": "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync",
                    "type": "cuda",
                    "index": 0,
                    "vram_total": 25757220864,
                    "vram_free": 21474836480,
                    "torch_vram_total": 0,
                    "torch_vram_free": 0,
                }
            ],
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeComfyUI

    def log_message(self, format, *args):  # quiet
        pass

    def handle(self):
        with contextlib.suppress(OSError):  # a client that timed out and went away
            super().handle()

    # -- plumbing --
    def _answer(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: object) -> None:
        self._answer(status, json.dumps(payload).encode())

    def _switches(self, path: str) -> bool:
        """Apply hang/failure/malformed switches; True when the request was answered."""
        fake = self.server_fake
        for prefix, seconds in list(fake.hangs.items()):
            if path.startswith(prefix):
                fake._stopping.wait(seconds)
        with fake._lock:
            for prefix, statuses in fake.failures.items():
                if path.startswith(prefix) and statuses:
                    status = statuses.pop(0)
                    break
            else:
                status = None
        if status is not None:
            self._json(status, {"error": f"fake failure {status}"})
            return True
        if any(path.startswith(prefix) for prefix in fake.malformed):
            self._answer(200, b"<html>Bad Gateway</html>{", "application/json")
            return True
        return False

    def _route(self) -> tuple[str, dict]:
        parts = urlsplit(self.path)
        path = parts.path[4:] if parts.path.startswith("/api/") else parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.server_fake._lock:
            self.server_fake.requests.append((self.command, path))
        return path, query

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    # -- methods --
    def do_GET(self):
        fake = self.server_fake
        path, query = self._route()
        if path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self._websocket(query)
        if self._switches(path):
            return None
        if path.startswith("/history/"):
            prompt_id = path.removeprefix("/history/")
            with fake._lock:
                entry = fake.history.get(prompt_id)
            return self._json(200, {prompt_id: entry} if entry else {})
        if path == "/history":
            with fake._lock:
                return self._json(200, dict(fake.history))
        if path == "/queue":
            return self._json(200, fake.queue_state())
        if path == "/prompt":
            with fake._lock:
                remaining = len(fake._pending) + (1 if fake._running else 0)
            return self._json(200, {"exec_info": {"queue_remaining": remaining}})
        if path == "/view":
            status, data = fake.view(query)
            return self._answer(
                status,
                data,
                "image/png" if status == 200 else "text/plain",
                {"Content-Disposition": f'filename="{query.get("filename", "")}"'},
            )
        if path == "/system_stats":
            return self._json(200, fake.system_stats())
        return self._answer(404, b"404: Not Found", "text/plain")

    def do_POST(self):
        fake = self.server_fake
        path, _ = self._route()
        body = self._body()
        if self._switches(path):
            return None
        if path == "/upload/image":
            status, payload = fake.upload(self.headers.get("Content-Type", ""), body)
            return self._json(status, payload) if payload else self._answer(status)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = None
        if path == "/prompt":
            return self._json(*fake.handle_prompt(data))
        if path == "/queue":
            fake.queue_change(data or {})
            return self._answer(200)
        if path == "/interrupt":
            fake.interrupt(data or {})
            return self._answer(200)
        return self._answer(404, b"404: Not Found", "text/plain")

    def _websocket(self, query: dict) -> None:
        fake = self.server_fake
        if not fake.ws_enabled:
            return self._answer(404, b"404: Not Found", "text/plain")
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()  # noqa: S324
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        ws = _WebSocket(self.connection, self.rfile, self.wfile)
        sid = query.get("clientId") or uuid.uuid4().hex
        fake._ws_attach(sid, ws)
        try:
            while True:
                opcode, payload = ws.read_frame()
                if opcode == 0x8:  # close: answer it, then we are done
                    ws.send(0x8, payload[:2])
                    break
                if opcode == 0x9:
                    ws.send(0xA, payload)
        except (EOFError, OSError, ValueError):
            pass
        finally:
            fake._ws_detach(sid, ws)
            with ws._send_lock:
                ws.closed = True
            self.close_connection = True
