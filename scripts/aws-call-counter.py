#!/usr/bin/env python3
"""Counts AWS API calls by operation: an HTTP proxy in front of the emulator.

    .venv/bin/python local/moto_server.py -H 127.0.0.1 -p 45111 &
    python3 scripts/aws-call-counter.py http://127.0.0.1:45111 45112 &
    AWS_ENDPOINT_URL=http://127.0.0.1:45112 ./target/debug/emrbot-local run --listen 127.0.0.1:3032 &
    ./target/debug/emrbot-local send --url http://127.0.0.1:3032 status
    curl -s localhost:45112/_counts     # calls since the last read, by operation

(The scheduler bench counts its own calls the same way, in scheduler/benches/sweep.rs.)
"""
import collections, http.server, json, sys, threading, urllib.error, urllib.parse, urllib.request

UP = sys.argv[1]; PORT = int(sys.argv[2]); counts = collections.Counter(); lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/_counts":
            with lock: body = json.dumps(counts); counts.clear()
            self.send_response(200); self.end_headers(); self.wfile.write(body.encode()); return
        self.forward(b"")
    def do_POST(self):
        n = int(self.headers.get("content-length", 0)); self.forward(self.rfile.read(n))
    def forward(self, body):
        op = self.headers.get("x-amz-target") or dict(urllib.parse.parse_qsl(body.decode(errors="ignore"))).get("Action", self.path)
        with lock: counts[op] += 1
        req = urllib.request.Request(UP + self.path, data=body or None, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length"): req.add_header(k, v)
        try: r = urllib.request.urlopen(req); status, data, hdrs = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e: status, data, hdrs = e.code, e.read(), e.headers
        self.send_response(status)
        for k, v in hdrs.items():
            if k.lower() not in ("transfer-encoding", "content-length", "connection", "server", "date"): self.send_header(k, v)
        self.send_header("content-length", str(len(data))); self.end_headers(); self.wfile.write(data)
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
