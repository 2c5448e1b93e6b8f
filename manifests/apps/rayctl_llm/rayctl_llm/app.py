"""The Serve deployment: one `rayctl inference serve` per replica, its OpenAI routes proxied.

import_path: rayctl_llm.app:build, with args {rayctl, model, device, parallel, ctx, model_name}.
Server-sent events stream through chunk by chunk; a client that goes away closes the upstream
request; Serve's health check follows the worker's (a dead worker gets the replica replaced)."""
import os

import aiohttp
from ray import serve
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from rayctl_llm.worker import Worker

ROUTES = {"/v1/models", "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize", "/health",
          "/metrics"}
# Hop-by-hop headers are the proxy's own business (RFC 9110 7.6.1).
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
       "proxy-authenticate", "host", "content-length"}


@serve.deployment(name="LlmWorker")
class LlmWorker:
    def __init__(self, rayctl, model, device="cpu", parallel=4, ctx=0, model_name="", threads=0):
        if device == "cuda" and not os.environ.get("CUDA_VISIBLE_DEVICES"):
            raise RuntimeError("--device cuda but Ray gave this replica no GPU: set num_gpus in ray_actor_options")
        self.worker = Worker(rayctl, model, device=device, parallel=parallel, ctx=ctx, model_name=model_name,
                             threads=threads)
        self.session = None

    def _session(self):
        if self.session is None or self.session.closed:
            # No total timeout: a long generation streams for as long as it takes.
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        return self.session

    async def __call__(self, request: Request):
        path = request.scope.get("path", "/")
        root = request.scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        if path not in ROUTES:
            return Response(b'{"error":{"message":"no such route","type":"not_found"}}', status_code=404,
                            media_type="application/json")
        url = self.worker.url + path
        if request.url.query:
            url += "?" + request.url.query
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        body = await request.body()
        resp = await self._session().request(request.method, url, data=body, headers=headers)
        out_headers = {k: v for k, v in resp.headers.items() if k.lower() not in HOP}
        if resp.headers.get("content-type", "").startswith("text/event-stream"):
            return StreamingResponse(self._relay(resp), status_code=resp.status, headers=out_headers)
        data = await resp.read()
        resp.release()
        return Response(data, status_code=resp.status, headers=out_headers)

    async def _relay(self, resp):
        # Each chunk goes out as soon as the worker sends it. A client disconnect cancels this
        # generator; closing the upstream response then ends the worker's request.
        try:
            async for chunk in resp.content.iter_any():
                yield chunk
        finally:
            resp.close()

    def check_health(self):
        self.worker.check()

    def __del__(self):
        # Serve deletes the replica's object when it stops the replica; the worker goes with it.
        worker = getattr(self, "worker", None)
        if worker is not None:
            worker.stop()


def build(args: dict):
    """Serve application builder: `args` from the Serve config."""
    return LlmWorker.bind(**args)
