"""A fake Together images API (provider-apis.md §3): synchronous generations, base64 or URL
answers, and the documented error codes."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageOps

from tests.fakes.server import FakeServer, Reply, json_reply

KEY = "together-test-key-for-the-fake-only"


class FakeTogether(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.failures: list[int] = []
        self.answer = "base64"  # base64 | url | malformed
        self.served_models = {"black-forest-labs/FLUX.1-kontext-dev", "black-forest-labs/FLUX.1-kontext-pro"}
        self.route("POST", r"/v1/images/generations", self.generate)
        self.route("GET", r"/v1/files/(?P<name>[^/]+)\.png", self.file)
        self.last_image = b""

    def generate(self, request):
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return json_reply({"error": {"message": "Invalid API key", "type": "invalid_request_error"}}, 401)
        if self.failures:
            status = self.failures.pop(0)
            return json_reply({"error": {"message": f"failure {status}", "type": "server_error"}}, status)
        body = request.json()
        if body.get("model") not in self.served_models:
            return json_reply(
                {
                    "error": {
                        "message": f"Unable to access model {body.get('model')}",
                        "type": "invalid_request_error",
                        "code": "model_not_available",
                    }
                },
                404,
            )
        if "image_url" in body:  # an edit: the input inverted
            source = base64.b64decode(body["image_url"].split(",", 1)[1])
            image = ImageOps.invert(Image.open(io.BytesIO(source)).convert("RGB"))
        else:  # text to image (product-page illustrations): a colour the prompt picks
            shade = sum(body.get("prompt", "").encode()) % 256
            image = Image.new("RGB", (64, 48), (shade, 255 - shade, 128))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        self.last_image = buffer.getvalue()
        if self.answer == "malformed":
            return json_reply({"id": "img-1", "object": "list", "data": []})
        if self.answer == "url":
            item = {"index": 0, "url": f"{self.url}/v1/files/img-1.png", "type": "url"}
        else:
            item = {
                "index": 0,
                "b64_json": base64.b64encode(self.last_image).decode(),
                "type": "b64_json",
                "timings": {"inference": 0.8},
            }
        return json_reply({"id": "img-1", "model": body["model"], "object": "list", "data": [item]})

    def file(self, request, name):
        return Reply(200, self.last_image, {"Content-Type": "image/png"})
