"""A fake OpenAI-compatible server on loopback: the chat-completions wire format of
provider-apis.md §5 over real HTTP, so the real `openai` SDK runs against it.

    with FakeOpenAIServer(api_key="sk-test") as fake:
        fake.queue(Reply.json({"title": "x"}), Reply.rate_limited(retry_after=1))
        ...  # point OPENAI_BASE_URL at fake.base_url
        fake.chat_requests[0]["response_format"]["type"] == "json_schema"

Scripted replies are served in order, one per chat-completions request; once the queue is
empty `responder(body) -> Reply` answers (by default a plain "OK"). Switches:
`supports_json_schema` / `supports_json_object` = False make the server answer 400 to those
response formats, as servers without structured outputs do. Every request is recorded with its
parsed JSON body and (lower-cased) headers.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """One answer to a chat-completions request: a completion (status 200) or an error."""

    status: int = 200
    content: str | None = "OK"
    refusal: str | None = None
    finish_reason: str = "stop"
    error_message: str = ""
    error_type: str = ""
    error_code: str | None = None
    headers: dict = field(default_factory=dict)
    hang_seconds: float = 0.0  # wait this long before answering (past the client's timeout)
    raw_body: bytes | None = None  # sent as it is, instead of a JSON body
    usage: dict | None = None

    @classmethod
    def text(cls, content: str, **kwargs) -> Reply:
        return cls(content=content, **kwargs)

    @classmethod
    def json(cls, data: object, **kwargs) -> Reply:
        return cls(content=json.dumps(data, ensure_ascii=False), **kwargs)

    @classmethod
    def malformed(cls) -> Reply:
        return cls(content='{"title": "unfinished', finish_reason="stop")

    @classmethod
    def refused(cls, message: str = "I'm sorry, I can't help with that.") -> Reply:
        return cls(content=None, refusal=message)

    @classmethod
    def length(cls, content: str = '{"title": "cut of') -> Reply:
        return cls(content=content, finish_reason="length")

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        headers: dict | None = None,
    ) -> Reply:
        return cls(
            status=status,
            content=None,
            error_message=message,
            error_type=error_type,
            error_code=code,
            headers=headers or {},
        )

    @classmethod
    def rate_limited(cls, retry_after: float = 1) -> Reply:
        return cls.error(
            429,
            "Rate limit reached for requests.",
            error_type="requests",
            code="rate_limit_exceeded",
            headers={"retry-after": str(retry_after)},
        )

    @classmethod
    def quota_exceeded(cls) -> Reply:
        return cls.error(
            429,
            "You exceeded your current quota, please check your plan and billing details.",
            error_type="insufficient_quota",
            code="insufficient_quota",
        )

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        return cls.error(
            status, "The server had an error while processing your request.", error_type="server_error"
        )

    @classmethod
    def hang(cls, seconds: float = 30.0) -> Reply:
        return cls(hang_seconds=seconds)

    @classmethod
    def no_json_schema(cls) -> Reply:
        return cls.error(
            400,
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            code="invalid_parameter",
        )


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict  # lower-cased names
    body: dict | None


class FakeOpenAIServer:
    def __init__(self, *, api_key: str = "sk-test-key", models: tuple[str, ...] = ("gpt-4o-mini",)):
        self.api_key = api_key
        self.models = list(models)
        self.supports_json_schema = True
        self.supports_json_object = True
        self.responder: Callable[[dict], Reply] = lambda body: Reply.text("OK")
        self.requests: list[RecordedRequest] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> FakeOpenAIServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval keeps stop() (and so every test) from waiting half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    # --- scripting and inspection ---

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    @property
    def chat_requests(self) -> list[dict]:
        """The JSON bodies of the chat-completions requests received, in order."""
        with self._lock:
            return [
                r.body or {}
                for r in self.requests
                if r.method == "POST" and r.path.endswith("/chat/completions")
            ]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, body: dict) -> Reply:
        response_format = (body.get("response_format") or {}).get("type")
        if response_format == "json_schema" and not self.supports_json_schema:
            return Reply.no_json_schema()
        if response_format == "json_object" and not self.supports_json_object:
            return Reply.error(
                400,
                "Invalid parameter: 'response_format' of type 'json_object' is not "
                "supported with this model.",
                code="invalid_parameter",
            )
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return self.responder(body)


def _error_body(message: str, error_type: str, code: str | None) -> dict:
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def _completion(body: dict, reply: Reply) -> dict:
    prompt_chars = sum(len(str(m.get("content") or "")) for m in body.get("messages") or [])
    completion_chars = len(reply.content or reply.refusal or "")
    usage = reply.usage or {
        "prompt_tokens": prompt_chars // 4 + 1,
        "completion_tokens": completion_chars // 4 + 1,
    }
    usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
    return {
        "id": f"chatcmpl-{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content, "refusal": reply.refusal},
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": usage,
    }


def _handler_for(fake: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # keep test output quiet
            pass

        def do_GET(self):
            self._handle(None)

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            self._handle(body)

        def _handle(self, body: dict | None) -> None:
            path = self.path.split("?", 1)[0]
            fake._record(
                RecordedRequest(
                    method=self.command,
                    path=path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )
            if self.headers.get("authorization") != f"Bearer {fake.api_key}":
                self._send(
                    401,
                    _error_body(
                        "Incorrect API key provided. You can find your API key at "
                        "https://platform.openai.com/account/api-keys.",
                        "invalid_request_error",
                        "invalid_api_key",
                    ),
                )
                return
            if self.command == "GET" and path == "/v1/models":
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {"id": model, "object": "model", "created": 1700000000, "owned_by": "fake"}
                            for model in fake.models
                        ],
                    },
                )
                return
            if self.command == "POST" and path == "/v1/chat/completions":
                self._chat(body or {})
                return
            self._send(
                404,
                _error_body(
                    f"Unknown request URL: {self.command} {path}.", "invalid_request_error", "unknown_url"
                ),
            )

        def _chat(self, body: dict) -> None:
            if "messages" not in body:
                # What OpenAI answers; also what a request cut off before its body arrived gets.
                self._send(
                    400,
                    _error_body("Missing required parameter: 'messages'.", "invalid_request_error", None),
                )
                return
            reply = fake._next_reply(body)
            if reply.hang_seconds and fake._stopping.wait(reply.hang_seconds):
                return
            if reply.raw_body is not None:
                self._send_bytes(reply.status, reply.raw_body, reply.headers)
            elif reply.status != 200:
                self._send(
                    reply.status,
                    _error_body(reply.error_message, reply.error_type, reply.error_code),
                    reply.headers,
                )
            else:
                self._send(200, _completion(body, reply), reply.headers)

        def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
            self._send_bytes(status, json.dumps(payload).encode(), headers)

        def _send_bytes(self, status: int, data: bytes, headers: dict | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("x-request-id", f"req_{int(time.time() * 1000)}")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

    return Handler


# --- answers for the product-page tasks (templates_app/pages.py), for tests and benchmarks ---


def schema_answer(schema: dict, text: str) -> object:
    """A valid answer for a JSON schema, every string being `text`."""
    kind = schema["type"][0] if isinstance(schema["type"], list) else schema["type"]
    if kind == "object":
        return {name: schema_answer(prop, text) for name, prop in schema["properties"].items()}
    if kind == "array":
        return [schema_answer(schema["items"], f"{text} {n}") for n in (1, 2, 3)]
    if kind == "number":
        return 4.5
    if kind == "integer":
        return schema.get("enum", [1])[0]
    if kind == "boolean":
        return False
    return text


def page_task(body: dict) -> tuple[str, dict]:
    """Which page task a request is for (`page_plan` or `page_block`), and its schema, whatever
    answer format the client chose."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return response_format["json_schema"]["name"], response_format["json_schema"]["schema"]
    system = body["messages"][0]["content"]
    schema = json.loads(system.split("matches this JSON schema:\n", 1)[1])
    return ("page_plan" if system.startswith("You plan") else "page_block"), schema


def page_answer(body: dict, text: str = "좋은 문장", wants_image: bool = False) -> dict:
    """A plan that uses every offered template, or a block filled with `text`."""
    task, schema = page_task(body)
    if task == "page_plan":
        ids = schema["properties"]["blocks"]["items"]["properties"]["template_id"]["enum"]
        return {
            "title": "페이크 상품",
            "blocks": [
                {
                    "template_id": pk,
                    "brief": "요약",
                    "wants_image": wants_image,
                    "image_prompt": "the product on a plain background" if wants_image else "",
                }
                for pk in ids
            ],
        }
    answer = schema_answer(schema, text)
    return {k: (None if k == "button_url" else v) for k, v in answer.items()}
