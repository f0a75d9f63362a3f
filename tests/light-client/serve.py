#!/usr/bin/env python3
"""Serves the repository (www/ and artifacts/) and, under /files/, a directory of model and input
files, on 127.0.0.1: what a static host and a file server would be for the page.

    serve.py PORT ROOT FILES_DIR
"""

import functools
import http.server
import os
import sys

PORT, ROOT, FILES = int(sys.argv[1]), os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
    }

    def translate_path(self, path):
        if path.startswith("/files/"):
            name = os.path.basename(path.split("?")[0])
            return os.path.join(FILES, name)
        return super().translate_path(path)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(
    ("127.0.0.1", PORT), functools.partial(Handler, directory=ROOT)
).serve_forever()
