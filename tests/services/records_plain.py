"""An upsert endpoint without FastAPI and without an OpenAPI document:
Python's http.server, PUT /store/records/{rid}, the tutorial's item
({"name": string or null, "size": integer or null}), plain errors
(422 {"error": "size must be an integer"}) and 404 for everything else.

Usage: python3 records_plain.py PORT   (FLAW in the environment: merge,
created200, casefold, race, noecho).
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

FLAW = os.environ.get("FLAW", "")
PREFIX = "/store/records/"
records: dict[str, dict] = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(404, {"error": "not found"})

    def do_PUT(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        if not path.startswith(PREFIX) or "/" in path[len(PREFIX):] or path == PREFIX:
            return self.answer(404, {"error": "not found"})
        rid = unquote(path[len(PREFIX):])
        try:
            body = json.loads(raw)
        except ValueError:
            return self.answer(400, {"error": "the body is not JSON"})
        if not isinstance(body, dict):
            return self.answer(422, {"error": "the body must be an object"})
        name, size = body.get("name"), body.get("size")
        if name is not None and not isinstance(name, str):
            return self.answer(422, {"error": "name must be a string"})
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
            return self.answer(422, {"error": "size must be an integer"})
        key = rid.casefold() if FLAW == "casefold" else rid
        item = {"name": name, "size": size}
        if FLAW == "race":
            existed = key in records
            time.sleep(0.02)
            records[key] = item
        else:
            with lock:
                existed = key in records
                if FLAW == "merge" and existed:
                    sent = {k: v for k, v in body.items() if k in ("name", "size")}
                    records[key] = {**records[key], **sent}
                else:
                    records[key] = item
                item = records[key]
        status = 200 if existed or FLAW == "created200" else 201
        self.answer(status, {"stored": True} if FLAW == "noecho" else item)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
