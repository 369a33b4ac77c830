"""ComfyUI's server API (provider-apis.md §4): HTTP through the ProviderHttp seam, progress from
its websocket in a small background listener.

ComfyUI has no auth. Execution events (`progress`, `executing`, `execution_error`, …) go only to
the websocket whose clientId queued the prompt, so every process of one deployment queues with
the same client id and only the process that polls (the engine's leased poller) listens.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from generation.clients.http import HttpConfig, ProviderHttp, bad_response
from generation.providers.base import ProviderError

logger = logging.getLogger(__name__)

PROVIDER = "ComfyUI"


def server_base_url(server: str) -> str:
    """COMFYUI_SERVER is `host:port` (seed 002) or a full URL."""
    server = server.strip().rstrip("/")
    return server if "://" in server else f"http://{server}"


def ws_url(base_url: str, client_id: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws?{urlencode({'clientId': client_id})}"


def client_id_for(base_url: str, deployment: str) -> str:
    # Stable across processes and restarts of one deployment: whichever process polls can take
    # over the websocket session that the submitting process's prompts report to.
    digest = hashlib.sha256(f"{deployment}|{base_url}".encode()).hexdigest()[:16]
    return f"ppl-studio-{digest}"


# --- typed answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputRef:
    filename: str
    subfolder: str
    type: str
    node: str

    def as_dict(self) -> dict[str, Any]:
        return {"filename": self.filename, "subfolder": self.subfolder, "type": self.type, "node": self.node}


@dataclass(frozen=True)
class HistoryEntry:
    status: str  # "success" | "error" | "" (older builds without a status)
    completed: bool
    images: list[OutputRef]
    error_message: str = ""


@dataclass(frozen=True)
class QueueState:
    running: list[str]
    pending: list[str]


def _node_error_message(body: dict[str, Any]) -> str:
    """'node 31 (KSampler): Value not in list: …' from a /prompt 400 answer."""
    parts = []
    node_errors = body.get("node_errors")
    if isinstance(node_errors, dict):
        for node_id, info in node_errors.items():
            if not isinstance(info, dict):
                continue
            errors = [e for e in info.get("errors") or [] if isinstance(e, dict)]
            text = (
                "; ".join(
                    f"{e.get('message', '')}{': ' + str(e['details']) if e.get('details') else ''}"
                    for e in errors
                )
                or "invalid"
            )
            parts.append(f"node {node_id} ({info.get('class_type', '?')}): {text}")
    error = body.get("error")
    if not parts:
        if isinstance(error, dict):
            return str(error.get("message") or error.get("type") or "")
        return str(error or "")
    return "; ".join(parts)


class _ComfyHttp(ProviderHttp):
    def _classify(self, response: httpx.Response, safe: bool) -> tuple[bool, ProviderError | None]:
        retryable, error = super()._classify(response, safe)
        if error is not None and response.status_code == 400:
            # ComfyUI explains a refused workflow per node; name the node, not just "400".
            try:
                body = response.json()
            except (ValueError, httpx.ResponseNotRead):
                body = None
            if isinstance(body, dict) and (detail := _node_error_message(body)):
                error = ProviderError(
                    f"ComfyUI rejected the workflow: {detail[:500]}", code="provider_rejected"
                )
        return retryable, error


def _parse_history(body: dict[str, Any], prompt_id: str) -> HistoryEntry | None:
    entry = body.get(prompt_id)
    if entry is None:
        if body:
            raise bad_response(PROVIDER, "history without this prompt", body)
        return None  # {} until the prompt has finished
    if not isinstance(entry, dict) or not isinstance(entry.get("outputs", {}), dict):
        raise bad_response(PROVIDER, "history entry", entry)
    status = entry.get("status")
    if not isinstance(status, dict):
        status = {}
    images = []
    for node_id, output in entry.get("outputs", {}).items():
        found = output.get("images") if isinstance(output, dict) else None
        for image in found if isinstance(found, list) else []:
            if isinstance(image, dict) and isinstance(image.get("filename"), str):
                images.append(
                    OutputRef(
                        filename=image["filename"],
                        subfolder=str(image.get("subfolder", "")),
                        type=str(image.get("type", "output")),
                        node=str(node_id),
                    )
                )
    error_message = ""
    for message in status.get("messages") or []:
        if (
            isinstance(message, list)
            and len(message) == 2
            and isinstance(message[1], dict)
            and message[0] in ("execution_error", "execution_interrupted")
        ):
            error_message = describe_failure(message[0], message[1])
    return HistoryEntry(
        status=str(status.get("status_str") or ""),
        completed=bool(status.get("completed")),
        images=images,
        error_message=error_message,
    )


def describe_failure(event: str, data: dict[str, Any]) -> str:
    where = f"node {data.get('node_id', '?')} ({data.get('node_type', '?')})"
    if event == "execution_interrupted":
        return f"ComfyUI interrupted the prompt at {where}."
    kind = data.get("exception_type") or "error"
    return f"ComfyUI failed at {where}: {kind}: {data.get('exception_message', '')}".strip()[:1000]


def _prompt_ids(items: object) -> list[str]:
    # Queue items are [number, prompt_id, prompt, extra_data, outputs_to_execute].
    if not isinstance(items, list):
        raise bad_response(PROVIDER, "queue list", items)
    entries = [item for item in items if isinstance(item, list | tuple) and len(item) > 1]
    # ComfyUI hands out its heap unsorted; the queue number gives the order.
    entries.sort(key=lambda item: item[0] if isinstance(item[0], int | float) else 0)
    return [str(item[1]) for item in entries]


# --- HTTP -------------------------------------------------------------------------------------


class ComfyUIClient:
    """One ComfyUI server. Sync methods for submit/fetch/cancel/probe, async ones for polls;
    close what you open (`close()` / `aclose()`)."""

    def __init__(self, base_url: str, *, connect_timeout: float, read_timeout: float, max_attempts: int = 4):
        self.base_url = base_url
        self.http = _ComfyHttp(
            HttpConfig(
                provider=PROVIDER,
                base_url=base_url,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_attempts=max_attempts,
            )
        )

    def close(self) -> None:
        self.http.close()

    async def aclose(self) -> None:
        await self.http.aclose()

    def upload_image(self, *, filename: str, data: bytes, content_type: str, subfolder: str) -> str:
        """Upload an input; returns the name LoadImage takes (`subfolder/name`)."""
        # overwrite=true makes a repeat of the same upload harmless, so it is safe to retry.
        response = self.http.request(
            "POST",
            "/upload/image",
            safe=True,
            files={"image": (filename, data, content_type)},
            data={"type": "input", "subfolder": subfolder, "overwrite": "true"},
        )
        body = self.http.json(response, "upload")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise bad_response(PROVIDER, "upload answer", body)
        folder = body.get("subfolder") or ""
        return f"{folder}/{name}" if folder else name

    def queue_prompt(self, *, graph: dict[str, Any], client_id: str) -> str:
        # Not retried on a read timeout: the prompt may be queued already.
        response = self.http.request(
            "POST", "/prompt", safe=False, json={"prompt": graph, "client_id": client_id}
        )
        body = self.http.json(response, "prompt")
        prompt_id = body.get("prompt_id")
        if not isinstance(prompt_id, str) or not prompt_id:
            raise bad_response(PROVIDER, "prompt answer", body)
        return prompt_id

    def history(self, prompt_id: str) -> HistoryEntry | None:
        response = self.http.request("GET", f"/history/{prompt_id}")
        return _parse_history(self.http.json(response, "history"), prompt_id)

    async def ahistory(self, prompt_id: str) -> HistoryEntry | None:
        response = await self.http.arequest("GET", f"/history/{prompt_id}")
        return _parse_history(self.http.json(response, "history"), prompt_id)

    def _parse_queue(self, response: httpx.Response) -> QueueState:
        body = self.http.json(response, "queue")
        return QueueState(
            running=_prompt_ids(body.get("queue_running", [])),
            pending=_prompt_ids(body.get("queue_pending", [])),
        )

    def queue(self) -> QueueState:
        return self._parse_queue(self.http.request("GET", "/queue"))

    async def aqueue(self) -> QueueState:
        return self._parse_queue(await self.http.arequest("GET", "/queue"))

    def queue_delete(self, prompt_id: str) -> None:
        self.http.request("POST", "/queue", safe=True, json={"delete": [prompt_id]})

    def interrupt(self, prompt_id: str) -> None:
        # Older builds interrupt whatever runs; newer ones take the prompt_id and spare others.
        self.http.request("POST", "/interrupt", safe=True, json={"prompt_id": prompt_id})

    def view(self, ref: OutputRef, *, max_bytes: int) -> bytes:
        query = urlencode({"filename": ref.filename, "subfolder": ref.subfolder, "type": ref.type})
        return self.http.download_from_server(f"{self.base_url}/view?{query}", max_bytes=max_bytes)

    def system_stats(self) -> dict[str, Any]:
        return self.http.json(self.http.request("GET", "/system_stats"), "system_stats")


# --- websocket progress -----------------------------------------------------------------------


@dataclass
class PromptProgress:
    """What the websocket said about one prompt, latest first."""

    state: str = "queued"  # queued | running | done | failed
    value: int = 0
    max: int = 0
    node: str | None = None
    error_message: str = ""
    updated_at: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 99  # the result is not ours until /history has it
        if self.max > 0:
            return max(0, min(99, int(100 * self.value / self.max)))
        return 0


_RECV_SLICE_SECONDS = 0.5
_MAX_FRAME_BYTES = 32 * 1024 * 1024  # preview images arrive as binary frames
_FORGET_AFTER_SECONDS = 600.0


class ProgressWatcher:
    """One websocket per ComfyUI server and client id, in a daemon thread.

    The engine polls inside a fresh event loop each round, so the connection cannot live in
    that loop. The thread starts when a poll first asks, reconnects (COMFY_WS_CONNECT_TIMEOUT)
    while prompts are watched, and closes after COMFY_WS_IDLE_TIMEOUT without traffic, or that
    long after the last watched prompt ended (so back-to-back jobs keep one connection)."""

    def __init__(self, url: str, *, connect_timeout: float, idle_timeout: float):
        self.url = url
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._progress: dict[str, PromptProgress] = {}
        self._watched: dict[str, float] = {}  # prompt_id -> when a poll last asked
        self._last_watched_at = time.monotonic()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._connection: ClientConnection | None = None
        self.connected = False

    # -- called by polls (any thread) --
    def observe(self, prompt_id: str) -> PromptProgress | None:
        """Watch a prompt and return what is known about it; starts the listener if needed."""
        with self._lock:
            self._watched[prompt_id] = self._last_watched_at = time.monotonic()
            if (self._thread is None or not self._thread.is_alive()) and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="comfyui-ws", daemon=True)
                self._thread.start()
            progress = self._progress.get(prompt_id)
            return PromptProgress(**vars(progress)) if progress else None

    def forget(self, prompt_id: str) -> None:
        with self._lock:
            self._watched.pop(prompt_id, None)
            self._progress.pop(prompt_id, None)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        connection, thread = self._connection, self._thread
        if connection is not None:
            connection.close()  # wakes the listener's recv()
        if thread is not None:
            thread.join(timeout)

    # -- the listener thread --
    def _wanted(self) -> bool:
        now = time.monotonic()
        with self._lock:
            for prompt_id, asked_at in list(self._watched.items()):
                if now - asked_at > self.idle_timeout:  # nobody polls it any more
                    del self._watched[prompt_id]
            for prompt_id, progress in list(self._progress.items()):
                if prompt_id not in self._watched and now - progress.updated_at > _FORGET_AFTER_SECONDS:
                    del self._progress[prompt_id]
            return not self._stop.is_set() and (
                bool(self._watched) or now - self._last_watched_at < self.idle_timeout
            )

    def _run(self) -> None:
        try:
            self._connect_and_listen()
        except Exception:
            logger.exception("ComfyUI websocket listener crashed; polling /history only")
        finally:
            # Only once the socket is closed: ComfyUI drops a clientId's session when any of its
            # sockets closes, so a successor must not connect before this one is gone.
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _connect_and_listen(self) -> None:
        delay, failing = 0.25, False
        while self._wanted():
            try:
                connection = ws_connect(
                    self.url,
                    open_timeout=self.connect_timeout,
                    proxy=None,
                    max_size=_MAX_FRAME_BYTES,
                    close_timeout=1,
                    user_agent_header="ppl-studio",
                )
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                # Said once per outage, not on every retry.
                logger.log(
                    logging.DEBUG if failing else logging.WARNING,
                    "ComfyUI websocket unavailable (%s); progress is unknown, /history still finishes jobs",
                    exc,
                    extra={"event": "comfyui_ws_unavailable"},
                )
                failing = True
                self._stop.wait(delay)
                delay = min(delay * 2, self.connect_timeout)
                continue
            delay, failing = 0.25, False
            self._connection, self.connected = connection, True
            try:
                with connection:
                    self._listen(connection)
            finally:
                self._connection, self.connected = None, False

    def _listen(self, connection: ClientConnection) -> None:
        last_traffic = time.monotonic()
        while True:
            try:
                message = connection.recv(timeout=_RECV_SLICE_SECONDS)
            except TimeoutError:
                if time.monotonic() - last_traffic > self.idle_timeout or not self._wanted():
                    return
                continue
            except ConnectionClosed:
                return
            last_traffic = time.monotonic()
            if isinstance(message, str):  # binary frames are previews: skipped
                self._handle(message)

    def _handle(self, message: str) -> None:
        try:
            event = json.loads(message)
            kind, data = event["type"], event.get("data") or {}
            prompt_id = data.get("prompt_id")
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.debug("ComfyUI sent an unreadable websocket message: %.200s", message)
            return
        if not isinstance(prompt_id, str):
            return  # `status` broadcasts, and a reconnect's bare `executing`
        with self._lock:
            progress = self._progress.setdefault(prompt_id, PromptProgress())
            if progress.state in ("done", "failed"):
                return
            if kind == "execution_start":
                progress.state = "running"
            elif kind == "executing":
                if data.get("node") is None:
                    progress.state = "done"
                else:
                    progress.state, progress.node = "running", str(data["node"])
            elif kind == "progress":
                try:
                    progress.value, progress.max = int(data["value"]), int(data["max"])
                except (KeyError, TypeError, ValueError):
                    return
                progress.state = "running"
            elif kind == "execution_success":
                progress.state = "done"
            elif kind in ("execution_error", "execution_interrupted"):
                progress.state, progress.error_message = "failed", describe_failure(kind, data)
            else:
                return  # execution_cached, executed, progress_state, newer types
            progress.updated_at = time.monotonic()


_watchers: dict[str, ProgressWatcher] = {}
_watchers_lock = threading.Lock()
_watchers_pid = os.getpid()


def progress_watcher(url: str, *, connect_timeout: float, idle_timeout: float) -> ProgressWatcher:
    """The process's watcher for this websocket URL (a forked worker starts its own)."""
    global _watchers_pid
    with _watchers_lock:
        if _watchers_pid != os.getpid():  # threads do not survive fork
            _watchers.clear()
            _watchers_pid = os.getpid()
        watcher = _watchers.get(url)
        if watcher is None or watcher._stop.is_set():
            watcher = _watchers[url] = ProgressWatcher(
                url, connect_timeout=connect_timeout, idle_timeout=idle_timeout
            )
        return watcher


def progress_watchers_stop() -> None:
    """Close every websocket listener of this process (shutdown, tests)."""
    with _watchers_lock:
        watchers = list(_watchers.values())
        _watchers.clear()
    for watcher in watchers:
        watcher.stop()
