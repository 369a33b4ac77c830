"""A fake BFL API (provider-apis.md §2): submit with x-key, a region-specific polling_url,
every status string, expiring signed samples, a concurrency cap, signed webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import itertools
import json
import threading
import time

import httpx
from PIL import Image, ImageOps

from tests.fakes.server import FakeServer, Reply, json_reply

KEY = "bfl-test-key-for-the-fake-only"
WEBHOOK_SECRET = "bfl-webhook-secret-for-tests"


class FakeBfl(FakeServer):
    def __init__(self, *, polls_until_done: int = 1, max_active: int = 6) -> None:
        super().__init__()
        self.polls_until_done = polls_until_done
        self.max_active = max_active
        # Ready | Error | Request Moderated | Content Moderated | Task not found | malformed | 404
        self.outcome = "Ready"
        self.submit_failures: list[int] = []
        self.sample_expired = False
        self.tasks: dict[str, dict] = {}
        self.ids = (f"task-{n:04d}" for n in itertools.count(1))
        self.route("POST", r"/v1/(?P<model>flux-kontext-(max|pro))", self.submit)
        # The region host path differs from the API base, so a rebuilt URL would miss it.
        self.route("GET", r"/eu1/v1/get_result", self.result)
        self.route("GET", r"/delivery/(?P<tid>[^/]+)/sample\.(?P<ext>png|jpeg)", self.sample)

    def active(self) -> int:
        return sum(1 for t in self.tasks.values() if not t["done"])

    def submit(self, request, model):
        if request.headers.get("x-key") != KEY:
            return json_reply({"detail": "Invalid API key"}, 401)
        if self.is_down():
            return json_reply({"detail": "Service temporarily unavailable"}, 503)
        if self.submit_failures:
            status = self.submit_failures.pop(0)
            return json_reply(
                {
                    "detail": {402: "Insufficient credits", 429: "Too many active tasks"}.get(
                        status, "Internal error"
                    )
                },
                status,
            )
        if self.active() >= self.max_active:
            return json_reply({"detail": "Too many concurrent requests"}, 429, {"Retry-After": "1"})
        body = request.json()
        if not body.get("prompt"):
            return json_reply(
                {
                    "detail": [
                        {"loc": ["body", "prompt"], "msg": "field required", "type": "value_error.missing"}
                    ]
                },
                422,
            )
        tid = next(self.ids)
        self.tasks[tid] = {"body": body, "polls": 0, "done": False}
        answer = {"id": tid, "polling_url": f"{self.url}/eu1/v1/get_result?id={tid}", "cost": 8}
        if body.get("webhook_url"):
            threading.Thread(target=self._call_back, args=(tid,), daemon=True).start()
        return json_reply(answer)

    def _final(self, tid: str) -> dict:
        task = self.tasks[tid]
        task["done"] = True
        ext = task["body"].get("output_format") or "png"
        if self.outcome == "Ready":
            return {
                "id": tid,
                "status": "Ready",
                "result": {
                    "sample": f"{self.url}/delivery/{tid}/sample.{ext}?se=2026&sig=abc",
                    "prompt": task["body"]["prompt"],
                    "seed": 42,
                },
            }
        if self.outcome == "malformed":
            return {"id": tid, "status": "Ready", "result": {"no_sample": True}}
        if self.outcome == "Error":
            return {"id": tid, "status": "Error", "details": "Generation failed", "result": None}
        return {"id": tid, "status": self.outcome, "result": None}

    def result(self, request):
        if request.headers.get("x-key") != KEY:
            return json_reply({"detail": "Invalid API key"}, 401)
        tid = request.query.get("id", [""])[0]
        task = self.tasks.get(tid)
        if task is None or self.outcome == "404":
            return json_reply({"detail": "Task not found"}, 404)
        task["polls"] += 1
        if task["polls"] < self.polls_until_done:
            return json_reply(
                {
                    "id": tid,
                    "status": "Pending",
                    "result": None,
                    "progress": task["polls"] / self.polls_until_done,
                }
            )
        return json_reply(self._final(tid))

    def sample(self, request, tid, ext):
        if self.sample_expired:
            return Reply(
                403,
                b"<Error>AuthenticationFailed: Signature expired</Error>",
                {"Content-Type": "application/xml"},
            )
        if request.headers.get("x-key"):
            return Reply(400, b"credentials must not be sent to the delivery host")
        source = base64.b64decode(self.tasks[tid]["body"]["input_image"])
        image = ImageOps.flip(Image.open(io.BytesIO(source)).convert("RGB"))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG" if ext == "jpeg" else "PNG")
        return Reply(200, buffer.getvalue(), {"Content-Type": f"image/{ext}"})

    def _call_back(self, tid: str) -> None:
        time.sleep(0.2)
        body = json.dumps(self._final(tid)).encode()
        secret = self.tasks[tid]["body"].get("webhook_secret", "")
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        try:
            answer = httpx.post(
                self.tasks[tid]["body"]["webhook_url"],
                content=body,
                timeout=10,
                headers={"content-type": "application/json", "x-bfl-signature": signature},
            )
            self.webhook_answers = [*getattr(self, "webhook_answers", []), answer.status_code]
        except httpx.HTTPError as exc:
            self.webhook_answers = [*getattr(self, "webhook_answers", []), repr(exc)]
