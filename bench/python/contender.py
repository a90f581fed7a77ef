"""One benchmark run of a Python Odoo client: the same workloads as the Rust
contenders, read from the JSON spec zenoo-bench passes, written the way each
client's documentation suggests. Prints one JSON line:
{"samples_us": [...], "items": n, "peak_rss_kib": n, "client": "..."}.

    python contender.py odoorpc|odoolib|odooly|zenoo SPEC_JSON
"""

import asyncio
import json
import platform
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from urllib.parse import urlparse


class Clock:
    """Wall time per sample, and the process's CPU time summed over samples."""

    def __init__(self):
        self.samples, self.cpu_us, self._start = [], 0, None

    def start(self):
        self._start = (time.perf_counter(), time.process_time())

    def stop(self):
        wall, cpu = self._start
        self.samples.append(int((time.perf_counter() - wall) * 1_000_000))
        self.cpu_us += int((time.process_time() - cpu) * 1_000_000)


def create_values(batch, i):
    # Same values as the Rust contenders (spec.rs: Spec::create_values).
    return {"name": f"Bench Partner {batch}-{i}", "email": f"bench{batch}.{i}@example.com", "is_company": False}


def run_sync(spec, call):
    """Workloads for a synchronous client; `call(method, args, kwargs)` is its execute_kw."""
    model = spec["model"]
    clock, items = Clock(), 0
    w = spec["workload"]
    kw = {"fields": spec["fields"], "limit": spec["limit"]}
    if w in ("simple", "read-many"):
        for _ in range(spec["iterations"]):
            clock.start()
            rows = call(model, "search_read", [spec["domain"]], kw)
            clock.stop()
            items += len(rows)
    elif w == "concurrent":
        with ThreadPoolExecutor(max_workers=spec["concurrency"]) as pool:
            for _ in range(spec["iterations"]):
                clock.start()
                results = list(pool.map(lambda _: call(model, "search_read", [spec["domain"]], kw), range(spec["concurrency"])))
                clock.stop()
                items += sum(len(r) for r in results)
    elif w == "batch-create":
        for batch in range(spec["iterations"]):
            vals = [create_values(batch, i) for i in range(spec["create_count"])]
            clock.start()
            ids = call(model, "create", [vals], {})
            clock.stop()
            items += len(ids)
            call(model, "unlink", [ids], {})
    elif w == "stream":
        for _ in range(spec["iterations"]):
            clock.start()
            last = 0
            while True:
                domain = list(spec["domain"]) + [["id", ">", last]]
                rows = call(model, "search_read", [domain], {"fields": spec["fields"], "limit": spec["page_size"], "order": "id"})
                items += len(rows)
                if len(rows) < spec["page_size"]:
                    break
                last = rows[-1]["id"]
            clock.stop()
    return clock, items


async def run_async(spec, call):
    """Workloads for an asyncio client; `call` is its async execute_kw."""
    model = spec["model"]
    clock, items = Clock(), 0
    w = spec["workload"]
    kw = {"fields": spec["fields"], "limit": spec["limit"]}
    if w in ("simple", "read-many"):
        for _ in range(spec["iterations"]):
            clock.start()
            rows = await call(model, "search_read", [spec["domain"]], kw)
            clock.stop()
            items += len(rows)
    elif w == "concurrent":
        for _ in range(spec["iterations"]):
            clock.start()
            results = await asyncio.gather(*[call(model, "search_read", [spec["domain"]], kw) for _ in range(spec["concurrency"])])
            clock.stop()
            items += sum(len(r) for r in results)
    elif w == "batch-create":
        for batch in range(spec["iterations"]):
            vals = [create_values(batch, i) for i in range(spec["create_count"])]
            clock.start()
            ids = await call(model, "create", [vals], {})
            clock.stop()
            items += len(ids)
            await call(model, "unlink", [ids], {})
    elif w == "stream":
        for _ in range(spec["iterations"]):
            clock.start()
            last = 0
            while True:
                domain = list(spec["domain"]) + [["id", ">", last]]
                rows = await call(model, "search_read", [domain], {"fields": spec["fields"], "limit": spec["page_size"], "order": "id"})
                items += len(rows)
                if len(rows) < spec["page_size"]:
                    break
                last = rows[-1]["id"]
            clock.stop()
    return clock, items


def with_odoorpc(spec):
    import odoorpc

    u = urlparse(spec["url"])
    odoo = odoorpc.ODOO(u.hostname, protocol="jsonrpc", port=u.port or 80)
    odoo.login(spec["db"], spec["login"], spec["password"])
    clock, items = run_sync(spec, lambda m, meth, a, k: odoo.execute_kw(m, meth, a, k))
    return clock, items, f"odoorpc {version('odoorpc')}"


def with_odoolib(spec):
    import odoolib

    u = urlparse(spec["url"])
    conn = odoolib.get_connection(hostname=u.hostname, port=u.port or 80, protocol="jsonrpc",
                                  database=spec["db"], login=spec["login"], password=spec["password"])
    obj = conn.get_service("object")

    def call(m, meth, a, k):
        return obj.execute_kw(conn.database, conn.user_id, conn.password, m, meth, a, k)

    conn.check_login()
    clock, items = run_sync(spec, call)
    return clock, items, f"odoo-client-lib {version('odoo-client-lib')}"


def with_odooly(spec):
    import odooly

    # odooly's default: the web client's API (/web/session/authenticate, then /web/dataset/call_kw).
    client = odooly.Client(spec["url"], spec["db"], spec["login"], spec["password"])
    clock, items = run_sync(spec, lambda m, meth, a, k: client.env.execute(m, meth, *a, **k))
    return clock, items, f"odooly {version('odooly')}"


def with_zenoo(spec):
    from zenoo_rpc import ZenooClient

    async def main():
        client = ZenooClient(spec["url"])
        await client.login(spec["db"], spec["login"], spec["password"])
        try:
            return await run_async(spec, lambda m, meth, a, k: client.execute_kw(m, meth, a, k))
        finally:
            await client.close()

    clock, items = asyncio.run(main())
    return clock, items, f"zenoo-rpc (Python) {version('zenoo-rpc')}"


def main():
    client, spec = sys.argv[1], json.loads(sys.argv[2])
    run = {"odoorpc": with_odoorpc, "odoolib": with_odoolib, "odooly": with_odooly, "zenoo": with_zenoo}[client]
    clock, items, name = run(spec)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"samples_us": clock.samples, "items": items, "peak_rss_kib": rss, "cpu_us": clock.cpu_us,
                      "client": f"{name}, CPython {platform.python_version()}"}))


if __name__ == "__main__":
    main()
