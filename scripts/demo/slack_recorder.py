"""A stand-in Slack Web API for scripts/demo/savings.sh: answers every call
with ok and appends what it got to the file named by argv[1] (JSON lines)."""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with open(sys.argv[1], "a") as f:
            f.write(json.dumps({"path": self.path, "body": json.loads(body or b"{}")}) + "\n")
        out = json.dumps({"ok": True, "ts": "1.0", "channel": "C0REPORT"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass

HTTPServer(("127.0.0.1", 9999), H).serve_forever()
