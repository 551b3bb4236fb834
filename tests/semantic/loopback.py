"""A loopback HTTP server speaking the OpenAI chat-completions API, with fault modes."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ChatServer:
    """Serves ``POST /v1/chat/completions`` on 127.0.0.1 in a background thread.

    Attributes:
        mode: ``"ok"``, ``"http500"``, ``"timeout"``, ``"empty_choices"``, ``"not_json"``,
            ``"echo_auth_error"`` (HTTP 401 whose message quotes the request's key and its
            Authorization header, as some providers and proxies do) or ``"echo_auth_reply"``
            (``content`` with ``{key}`` replaced by the request's bearer token: a reply that
            leaks the key).
        content: the assistant message returned in ``"ok"`` mode (a string, or a list of
            strings served in turn).
        requests: parsed JSON bodies received; ``headers``: their headers, names lower-cased
            (HTTP header names are case-insensitive and clients differ in how they send them).
    """

    def __init__(self) -> None:
        self.mode = "ok"
        self.content: str | list[str] = "{}"
        self.delay = 3.0
        self.fail_first = 0  # answer this many requests with HTTP 500 before ``mode`` applies
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(body)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if server.mode == "http500" or len(server.requests) <= server.fail_first:
                    return self._send(500, {"error": {"message": "internal error", "type": "server_error"}})
                if server.mode == "timeout":
                    time.sleep(server.delay)
                    return self._send(200, server._completion("{}"))
                if server.mode == "not_json":
                    return self._raw(200, b"<html>gateway</html>", "text/html")
                auth = self.headers.get("Authorization", "")
                key = auth.removeprefix("Bearer ")
                if server.mode == "echo_auth_error":
                    message = f"Incorrect API key provided: {key}. Headers: {{'Authorization': '{auth}'}}"
                    return self._send(401, {"error": {"message": message, "type": "invalid_request_error"}})
                if server.mode == "empty_choices":
                    payload = server._completion("")
                    payload["choices"] = []
                    return self._send(200, payload)
                content = server.content
                if isinstance(content, list):
                    content = content[min(len(server.requests) - 1, len(content) - 1)]
                if server.mode == "echo_auth_reply":
                    content = content.replace("{key}", key)
                return self._send(200, server._completion(content))

            def _send(self, code, payload):
                self._raw(code, json.dumps(payload).encode(), "application/json")

            def _raw(self, code, data, ctype):
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout mode)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _completion(self, content: str) -> dict:
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }

    def __enter__(self) -> ChatServer:  # noqa: PYI034
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
