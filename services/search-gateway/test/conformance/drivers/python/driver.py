"""Conformance driver for the official Python client (`typesense` from PyPI).

Reads {"url", "key", "cases": [{"name", "steps": [{"op", ...}]}]} as JSON on stdin, runs every step
through the client's own API and prints one JSON line per case: {"case", "results": [...]}, each
result {"ok": <what the client returned>}, {"status": <HTTP status of the error it raised>} or
{"unsupported": true}. The step language is described in ../../client-cases.test-support.ts.
"""

import json
import sys
from urllib.parse import urlparse

import typesense
from typesense.exceptions import TypesenseClientError


def client_for(url, key):
    u = urlparse(url)
    return typesense.Client(
        {
            "nodes": [{"host": u.hostname, "port": str(u.port), "protocol": u.scheme}],
            "api_key": key,
            "connection_timeout_seconds": 10,
            "num_retries": 0,
        }
    )


def call(c, s):
    op = s["op"]
    if op == "health":
        return c.operations.is_healthy()
    if op == "collections.create":
        return c.collections.create(s["schema"])
    if op == "collections.list":
        return c.collections.retrieve()
    if op == "collection.retrieve":
        return c.collections[s["name"]].retrieve()
    if op == "collection.update":
        return c.collections[s["name"]].update(s["schema"])
    if op == "collection.delete":
        return c.collections[s["name"]].delete()
    docs = c.collections[s["collection"]].documents if "collection" in s else None
    if op == "documents.create":
        return docs.create(s["document"])
    if op == "documents.upsert":
        return docs.upsert(s["document"])
    if op == "document.retrieve":
        return docs[s["id"]].retrieve()
    if op == "document.update":
        return docs[s["id"]].update(s["document"])
    if op == "document.delete":
        return docs[s["id"]].delete()
    if op == "documents.deleteByFilter":
        return docs.delete({"filter_by": s["filter_by"]})
    if op == "documents.import":
        return docs.import_(s["jsonl"], {"action": s["action"]})
    if op == "documents.export":
        return docs.export()
    if op == "documents.search":
        return docs.search(s["params"])
    if op == "multiSearch":
        return c.multi_search.perform({"searches": s["searches"]}, s["common"])
    if op == "aliases.upsert":
        return c.aliases.upsert(s["name"], {"collection_name": s["collection"]})
    if op == "aliases.list":
        return c.aliases.retrieve()
    if op == "alias.retrieve":
        return c.aliases[s["name"]].retrieve()
    if op == "alias.delete":
        return c.aliases[s["name"]].delete()
    return NotImplemented


def run_step(c, s):
    try:
        value = call(c, s)
    except TypesenseClientError as err:
        status = err.args[0] if err.args and isinstance(err.args[0], int) else None
        if status is None:
            raise
        return {"status": status}
    if value is NotImplemented:
        return {"unsupported": True}
    return {"ok": value}


def main():
    req = json.load(sys.stdin)
    c = client_for(req["url"], req["key"])
    for case in req["cases"]:
        results = [run_step(c, s) for s in case["steps"]]
        print(json.dumps({"case": case["name"], "results": results}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
