"""One benchmark run of a Python Odoo client: the same workloads as the Rust
contenders, read from the JSON spec zenoo-bench passes, written the way each
client's documentation suggests. Prints one JSON line:
{"samples_us": [...], "items": n, "peak_rss_kib": n, "client": "..."}.

    python contender.py odoorpc|odoolib|zenoo SPEC_JSON
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


def micros(t0):
    return int((time.perf_counter() - t0) * 1_000_000)


def create_values(batch, i):
    # Same values as the Rust contenders (spec.rs: Spec::create_values).
    return {"name": f"Bench Partner {batch}-{i}", "email": f"bench{batch}.{i}@example.com", "is_company": False}


def run_sync(spec, call):
    """Workloads for a synchronous client; `call(method, args, kwargs)` is its execute_kw."""
    model = spec["model"]
    samples, items = [], 0
    w = spec["workload"]
    kw = {"fields": spec["fields"], "limit": spec["limit"]}
    if w in ("simple", "read-many"):
        for _ in range(spec["iterations"]):
            t0 = time.perf_counter()
            rows = call(model, "search_read", [spec["domain"]], kw)
            samples.append(micros(t0))
            items += len(rows)
    elif w == "concurrent":
        with ThreadPoolExecutor(max_workers=spec["concurrency"]) as pool:
            for _ in range(spec["iterations"]):
                t0 = time.perf_counter()
                results = list(pool.map(lambda _: call(model, "search_read", [spec["domain"]], kw), range(spec["concurrency"])))
                samples.append(micros(t0))
                items += sum(len(r) for r in results)
    elif w == "batch-create":
        for batch in range(spec["iterations"]):
            vals = [create_values(batch, i) for i in range(spec["create_count"])]
            t0 = time.perf_counter()
            ids = call(model, "create", [vals], {})
            samples.append(micros(t0))
            items += len(ids)
            call(model, "unlink", [ids], {})
    elif w == "stream":
        for _ in range(spec["iterations"]):
            t0 = time.perf_counter()
            last = 0
            while True:
                domain = list(spec["domain"]) + [["id", ">", last]]
                rows = call(model, "search_read", [domain], {"fields": spec["fields"], "limit": spec["page_size"], "order": "id"})
                items += len(rows)
                if len(rows) < spec["page_size"]:
                    break
                last = rows[-1]["id"]
            samples.append(micros(t0))
    return samples, items


async def run_async(spec, call):
    """Workloads for an asyncio client; `call` is its async execute_kw."""
    model = spec["model"]
    samples, items = [], 0
    w = spec["workload"]
    kw = {"fields": spec["fields"], "limit": spec["limit"]}
    if w in ("simple", "read-many"):
        for _ in range(spec["iterations"]):
            t0 = time.perf_counter()
            rows = await call(model, "search_read", [spec["domain"]], kw)
            samples.append(micros(t0))
            items += len(rows)
    elif w == "concurrent":
        for _ in range(spec["iterations"]):
            t0 = time.perf_counter()
            results = await asyncio.gather(*[call(model, "search_read", [spec["domain"]], kw) for _ in range(spec["concurrency"])])
            samples.append(micros(t0))
            items += sum(len(r) for r in results)
    elif w == "batch-create":
        for batch in range(spec["iterations"]):
            vals = [create_values(batch, i) for i in range(spec["create_count"])]
            t0 = time.perf_counter()
            ids = await call(model, "create", [vals], {})
            samples.append(micros(t0))
            items += len(ids)
            await call(model, "unlink", [ids], {})
    elif w == "stream":
        for _ in range(spec["iterations"]):
            t0 = time.perf_counter()
            last = 0
            while True:
                domain = list(spec["domain"]) + [["id", ">", last]]
                rows = await call(model, "search_read", [domain], {"fields": spec["fields"], "limit": spec["page_size"], "order": "id"})
                items += len(rows)
                if len(rows) < spec["page_size"]:
                    break
                last = rows[-1]["id"]
            samples.append(micros(t0))
    return samples, items


def with_odoorpc(spec):
    import odoorpc

    u = urlparse(spec["url"])
    odoo = odoorpc.ODOO(u.hostname, protocol="jsonrpc", port=u.port or 80)
    odoo.login(spec["db"], spec["login"], spec["password"])
    samples, items = run_sync(spec, lambda m, meth, a, k: odoo.execute_kw(m, meth, a, k))
    return samples, items, f"odoorpc {version('odoorpc')}"


def with_odoolib(spec):
    import odoolib

    u = urlparse(spec["url"])
    conn = odoolib.get_connection(hostname=u.hostname, port=u.port or 80, protocol="jsonrpc",
                                  database=spec["db"], login=spec["login"], password=spec["password"])
    obj = conn.get_service("object")

    def call(m, meth, a, k):
        return obj.execute_kw(conn.database, conn.user_id, conn.password, m, meth, a, k)

    conn.check_login()
    samples, items = run_sync(spec, call)
    return samples, items, f"odoo-client-lib {version('odoo-client-lib')}"


def with_zenoo(spec):
    from zenoo_rpc import ZenooClient

    async def main():
        client = ZenooClient(spec["url"])
        await client.login(spec["db"], spec["login"], spec["password"])
        try:
            return await run_async(spec, lambda m, meth, a, k: client.execute_kw(m, meth, a, k))
        finally:
            await client.close()

    samples, items = asyncio.run(main())
    return samples, items, f"zenoo-rpc (Python) {version('zenoo-rpc')}"


def main():
    client, spec = sys.argv[1], json.loads(sys.argv[2])
    run = {"odoorpc": with_odoorpc, "odoolib": with_odoolib, "zenoo": with_zenoo}[client]
    samples, items, name = run(spec)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"samples_us": samples, "items": items, "peak_rss_kib": rss,
                      "client": f"{name}, CPython {platform.python_version()}"}))


if __name__ == "__main__":
    main()
