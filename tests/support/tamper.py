"""An HTTP proxy on 127.0.0.1 that forwards to a real server and flips one byte of the files it is told to:
a download corrupted on the way (a bad cable, a meddling box) for the device-cache tests."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class TamperingProxy:
    def __init__(self, target_url: str):
        self.target_url = target_url.rstrip("/")
        self.flip: set[str] = set()   # request paths whose answer gets one byte changed
        self.requests: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                proxy.requests.append(self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "accept-language")}
                answer = httpx.get(proxy.target_url + self.path, headers=headers, timeout=5)
                body = bytearray(answer.content)
                if self.path in proxy.flip and body:
                    body[len(body) // 2] ^= 0x01
                self.send_response(answer.status_code)
                for name in ("content-type", "etag", "retry-after"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(bytes(body))

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "TamperingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
