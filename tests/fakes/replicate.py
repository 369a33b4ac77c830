"""A fake Replicate (provider-apis.md §1) on loopback: predictions for official models,
status progression, output files, cancel, signed webhooks, and failure switches."""

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

TOKEN = "r8_test_token_for_the_fake_only"
SECRET = "whsec_" + base64.b64encode(b"fake-replicate-webhook-key-32byte").decode()


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.split("_", 1)[1])
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class FakeReplicate(FakeServer):
    def __init__(self, *, polls_until_done: int = 1) -> None:
        super().__init__()
        self.polls_until_done = polls_until_done
        self.outcome = "succeeded"  # succeeded | failed | moderated | canceled | malformed | no_output
        self.create_failures: list[int] = []  # statuses answered to the next creates, in order
        self.retry_after: str | None = None
        self.predictions: dict[str, dict] = {}
        self.ids = (f"pred{n:04d}" for n in itertools.count(1))
        self.route("POST", r"/v1/models/(?P<owner>[^/]+)/(?P<name>[^/]+)/predictions", self.create)
        self.route("GET", r"/v1/predictions/(?P<pid>[^/]+)", self.get)
        self.route("POST", r"/v1/predictions/(?P<pid>[^/]+)/cancel", self.cancel)
        self.route("GET", r"/files/(?P<pid>[^/]+)\.(?P<ext>png|jpg)", self.file)

    def _auth(self, request) -> Reply | None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return json_reply({"title": "Unauthenticated", "detail": "Invalid token.", "status": 401}, 401)
        return None

    def create(self, request, owner, name):
        if (denied := self._auth(request)) is not None:
            return denied
        if self.is_down():
            return json_reply(
                {
                    "title": "Service Unavailable",
                    "status": 503,
                    "detail": "Replicate is temporarily unavailable. Please try again.",
                },
                503,
            )
        if self.create_failures:
            status = self.create_failures.pop(0)
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            body = {
                402: {"title": "Billing required", "detail": "You need to set up billing.", "status": 402},
                429: {"detail": "Request was throttled. Expected available in 1 second."},
            }
            return json_reply(body.get(status, {"detail": "Internal server error"}), status, headers)
        body = request.json()
        pid = next(self.ids)
        prediction = {
            "id": pid,
            "model": f"{owner}/{name}",
            "version": "hidden",
            "input": body["input"],
            "status": "starting",
            "logs": "",
            "output": None,
            "error": None,
            "data_removed": False,
            "created_at": "2026-11-22T00:00:00Z",
            "urls": {
                "get": f"{self.url}/v1/predictions/{pid}",
                "cancel": f"{self.url}/v1/predictions/{pid}/cancel",
                "web": f"https://replicate.com/p/{pid}",
            },
        }
        self.predictions[pid] = {"prediction": prediction, "polls": 0, "webhook": body.get("webhook")}
        if body.get("webhook"):
            threading.Thread(target=self._call_back, args=(pid,), daemon=True).start()
        return json_reply(prediction, 201)

    def _finish(self, pid: str) -> dict:
        entry = self.predictions[pid]
        prediction = dict(entry["prediction"])
        ext = prediction["input"].get("output_format", "png")
        if self.outcome == "succeeded":
            prediction.update(
                status="succeeded", output=f"{self.url}/files/{pid}.{ext}", metrics={"predict_time": 1.2}
            )
        elif self.outcome == "no_output":
            prediction.update(status="succeeded", output=None)
        elif self.outcome == "failed":
            prediction.update(status="failed", error="CUDA out of memory")
        elif self.outcome == "moderated":
            prediction.update(status="failed", error="E005: The input or output was flagged as sensitive.")
        elif self.outcome == "canceled":
            prediction.update(status="canceled")
        elif self.outcome == "malformed":
            prediction.update(status="exploded")
        return prediction

    def get(self, request, pid):
        if (denied := self._auth(request)) is not None:
            return denied
        entry = self.predictions.get(pid)
        if entry is None:
            return json_reply({"detail": "Not found."}, 404)
        if entry["prediction"]["status"] == "canceled":
            return json_reply(entry["prediction"])
        entry["polls"] += 1
        if entry["polls"] < self.polls_until_done:
            return json_reply(
                {
                    **entry["prediction"],
                    "status": "processing",
                    "logs": f"{int(100 * entry['polls'] / self.polls_until_done)}%|###",
                }
            )
        return json_reply(self._finish(pid))

    def cancel(self, request, pid):
        entry = self.predictions.get(pid)
        if entry is None:
            return json_reply({"detail": "Not found."}, 404)
        entry["prediction"] = {**entry["prediction"], "status": "canceled"}
        return json_reply(entry["prediction"])

    def file(self, request, pid, ext):
        """The output: the first input image, mirrored, so tests can tell it was processed."""
        model_input = self.predictions[pid]["prediction"]["input"]
        source = model_input.get("input_image_1") or model_input["input_image"]
        image = ImageOps.mirror(
            Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("RGB")
        )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG" if ext == "jpg" else "PNG")
        return Reply(200, buffer.getvalue(), {"Content-Type": f"image/{'jpeg' if ext == 'jpg' else 'png'}"})

    def webhook_body(self, pid: str) -> bytes:
        return json.dumps(self._finish(pid)).encode()

    def _call_back(self, pid: str, secret: str = SECRET) -> None:
        time.sleep(0.2)
        body = self.webhook_body(pid)
        timestamp = int(time.time())
        headers = {
            "webhook-id": f"msg_{pid}",
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, f"msg_{pid}", timestamp, body),
            "content-type": "application/json",
        }
        self.webhook_answers = getattr(self, "webhook_answers", [])
        try:
            answer = httpx.post(self.predictions[pid]["webhook"], content=body, headers=headers, timeout=10)
            self.webhook_answers.append(answer.status_code)
        except httpx.HTTPError as exc:
            self.webhook_answers.append(repr(exc))
