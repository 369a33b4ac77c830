"""Run the provider fakes as standalone servers, to try the real adapters end to end by hand.

    .venv/bin/python -m tests.fakes.serve
prints the environment to start the platform with (only base URLs and keys change).
"""

from __future__ import annotations

import contextlib
import signal
import threading

from tests.fakes import bfl, replicate, together
from tests.fakes.openai_server import FakeOpenAIServer, Reply


def main() -> None:
    fakes = {
        "replicate": replicate.FakeReplicate(polls_until_done=3),
        "bfl": bfl.FakeBfl(polls_until_done=3),
        "together": together.FakeTogether(),
    }
    for fake in fakes.values():
        fake.__enter__()
    llm = FakeOpenAIServer().start()
    llm.responder = lambda body: Reply.text("Make the background white and add soft studio light")
    try:
        from tests.fakes.comfyui_server import FakeComfyUI

        comfy = FakeComfyUI().start()
        comfy_line = f"# for a job on ComfyUI instead: PPL_PROVIDER=comfyui COMFYUI_SERVER={comfy.address}"
    except ImportError:
        comfy_line = "# (no ComfyUI fake available)"
    print(
        f"""export PPL_PROVIDER=replicate REPLICATE_API_BASE={fakes["replicate"].url}/v1 \\
  REPLICATE_API_TOKEN={replicate.TOKEN} \\
  GOODS_PROVIDER=bfl BFL_API_BASE={fakes["bfl"].url} BFL_API_KEY={bfl.KEY} \\
  EDIT_PROVIDER=together TOGETHER_API_BASE={fakes["together"].url}/v1 TOGETHER_API_KEY={together.KEY} \\
  LLM_PROVIDER=openai OPENAI_BASE_URL={llm.base_url} OPENAI_API_KEY={llm.api_key} \\
  BFL_RESULT_HOSTS=127.0.0.1 REPLICATE_RESULT_HOSTS=127.0.0.1 TOGETHER_RESULT_HOSTS=127.0.0.1 \\
  ALLOWED_FETCH_HOSTS={",".join(f.url.removeprefix("http://") for f in fakes.values())}
{comfy_line}
Ctrl+C stops the fakes.""",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


if __name__ == "__main__":
    main()
