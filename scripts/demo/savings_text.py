"""Prints the text of the savings reports among the recorded posts (argv[1])."""
import sys
import json
for line in open(sys.argv[1]):
    r = json.loads(line)
    b = r["body"]
    if "EMR savings" not in json.dumps(b):
        continue
    for block in b.get("blocks", []):
        t = block.get("text") or {}
        if isinstance(t, dict) and t.get("text"):
            print(t["text"])
        for e in block.get("elements", []) or []:
            if isinstance(e, dict) and e.get("text"):
                print(e["text"])
    print("---")
