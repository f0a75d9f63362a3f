#!/usr/bin/env python3
"""A CometBFT RPC proxy that lies in one chosen way, to check the light client notices.

    lying_rpc.py PORT UPSTREAM MODE

MODE is one of:
  honest           forward everything unchanged
  tamper-value     change one byte of every value abci_query returns (the proof is left alone)
  other-key        answer abci_query for a neighbouring key, labelled as the key asked for
  nil-votes        turn every commit signature into a vote for nil, which carries no power
  fork             serve headers with a different app hash (a conflicting chain)
  forge-header     like fork, but only above height FORGE_ABOVE (default 2, the checkpoint the
                   tests trust): the checkpoint checks out, the headers after it are forged

Listens on 127.0.0.1 only.
"""

import base64
import http.server
import json
import os
import sys
import urllib.request

PORT, UPSTREAM, MODE = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]
MODES = {"honest", "tamper-value", "other-key", "nil-votes", "fork", "forge-header"}
FORGE_ABOVE = int(os.environ.get("FORGE_ABOVE", "2"))
if MODE not in MODES:
    sys.exit(f"unknown mode {MODE}; one of {sorted(MODES)}")


def forward(request):
    body = json.dumps(request).encode()
    req = urllib.request.Request(UPSTREAM, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read())


def flip_b64(value):
    raw = bytearray(base64.b64decode(value))
    raw[-1] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def lie(request):
    method = request.get("method")
    params = request.get("params") or {}
    if MODE == "other-key" and method == "abci_query":
        asked = params["data"]
        neighbour = bytearray(bytes.fromhex(asked))
        neighbour[-1] ^= 0x01
        reply = forward({**request, "params": {**params, "data": neighbour.hex()}})
        response = reply.get("result", {}).get("response", {})
        response["key"] = base64.b64encode(bytes.fromhex(asked)).decode()
        return reply
    reply = forward(request)
    result = reply.get("result")
    if result is None:
        return reply
    if MODE == "tamper-value" and method == "abci_query":
        response = result.get("response", {})
        if response.get("value"):
            response["value"] = flip_b64(response["value"])
    elif MODE == "nil-votes" and method == "commit":
        for sig in result["signed_header"]["commit"]["signatures"]:
            if sig["block_id_flag"] == 2:
                sig["block_id_flag"] = 3
    elif MODE == "fork" and method == "commit":
        header = result["signed_header"]["header"]
        header["app_hash"] = "00" * 32
    elif MODE == "forge-header" and method == "commit":
        header = result["signed_header"]["header"]
        if int(header["height"]) > FORGE_ABOVE:
            header["app_hash"] = "00" * 32
    return reply


class Handler(http.server.BaseHTTPRequestHandler):
    # Pages on other local origins may call it, as they may call the chain's own RPC.
    def cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")

    def do_OPTIONS(self):
        self.send_response(204)
        self.cors()
        self.end_headers()

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps(lie(request)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.cors()
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
