"""Drives the Odoo clients people use today (odoorpc, odooly, odoo-client-lib)
against a server, over every protocol each speaks, as a new user would:
connect, version, database list, model list, search/read/count,
create/write/unlink and an error. Each step checks its answer.

    python clients.py URL VERSION API_KEY

Prints one line per step; exits 1 when a step failed.
"""
import sys
import traceback
from urllib.parse import urlsplit

URL, VERSION, KEY = sys.argv[1], float(sys.argv[2]), sys.argv[3]
HOST, PORT = urlsplit(URL).hostname, urlsplit(URL).port
DB, LOGIN, PASSWORD = "demo", "admin", "admin"
failed = []


def step(client, name, check):
    try:
        check()
        print(f"ok   {client}: {name}")
    except Exception:  # noqa: BLE001 - every failure is reported
        failed.append(f"{client}: {name}")
        print(f"FAIL {client}: {name}\n{traceback.format_exc()}")


def expect(value, wanted):
    assert value == wanted, f"{value!r} != {wanted!r}"


def crud(client, search, count, read, create, write, unlink, missing_error):
    """The common part: search/read/count, create/write/unlink, an error."""
    ids = {}
    step(client, "search", lambda: ids.update(all=search([])) or expect(len(ids["all"]) > 3, True))
    step(client, "count", lambda: expect(count([]), len(ids["all"])))
    step(client, "read", lambda: expect(read([ids["all"][0]])[0]["id"], ids["all"][0]))
    step(client, "create", lambda: ids.update(new=create("Py Client")) or expect(read([ids["new"]])[0]["name"], "Py Client"))
    step(client, "write", lambda: write([ids["new"]], "Py Client 2") or expect(read([ids["new"]])[0]["name"], "Py Client 2"))
    step(client, "unlink", lambda: unlink([ids["new"]]) or expect(ids["new"] in search([]), False))

    def error():
        try:
            write([999999999], "nobody")
        except Exception as e:  # noqa: BLE001
            assert missing_error(e), f"not a MissingError: {e!r}"
            return
        raise AssertionError("writing a missing record succeeded")

    step(client, "error", error)


def odoorpc_client():
    import odoorpc

    for protocol in ["jsonrpc"]:
        name = f"odoorpc/{protocol}"
        o = odoorpc.ODOO(HOST, protocol=protocol, port=PORT)
        step(name, "version", lambda: expect(o.version, f"{int(VERSION)}.0"))
        step(name, "database list", lambda: expect(DB in o.db.list(), True))
        step(name, "login", lambda: o.login(DB, LOGIN, PASSWORD))
        step(name, "model list", lambda: expect("res.partner" in o.env["ir.model"].search_read([], ["model"]) and True or any(m["model"] == "res.partner" for m in o.env["ir.model"].search_read([], ["model"])), True))
        P = o.env["res.partner"]
        crud(
            name,
            lambda d: P.search(d),
            lambda d: P.search_count(d),
            lambda ids: P.read(ids, ["name"]),
            lambda n: P.create({"name": n}),
            lambda ids, n: P.write(ids, {"name": n}),
            lambda ids: P.unlink(ids),
            lambda e: "does not exist" in str(e),
        )


def odooly_client():
    import odooly

    targets = [("web", URL, {}), ("jsonrpc", URL + "/jsonrpc", {})]
    if VERSION >= 19:
        targets.append(("json2", URL, {"api_key": KEY}))
    for protocol, server, auth in targets:
        name = f"odooly/{protocol}"
        holder = {}

        def connect():
            if auth:
                holder["c"] = odooly.Client(server, DB, LOGIN, api_key=auth["api_key"])
            else:
                holder["c"] = odooly.Client(server, DB, LOGIN, PASSWORD)

        step(name, "connect", connect)
        c = holder.get("c")
        if c is None:
            continue
        step(name, "version", lambda: expect(c.server_version.startswith(str(int(VERSION))), True))
        step(name, "database list", lambda: expect(DB in c.database.list(), True))
        step(name, "model list", lambda: expect("res.partner" in c.env.models("res."), True))
        P = c.env["res.partner"]
        crud(
            name,
            lambda d: P.search(d).ids,
            lambda d: P.search_count(d),
            lambda ids: P.read(ids, ["name"]),
            lambda n: P.create({"name": n}).id,
            lambda ids, n: P.browse(ids).write({"name": n}),
            lambda ids: P.browse(ids).unlink(),
            lambda e: "MissingError" in str(e) or "does not exist" in str(e),
        )


def odoolib_client():
    import odoolib

    for protocol in ["xmlrpc", "jsonrpc"]:
        name = f"odoo-client-lib/{protocol}"
        c = odoolib.get_connection(hostname=HOST, port=PORT, database=DB, login=LOGIN, password=PASSWORD, protocol=protocol)
        step(name, "version", lambda: expect(c.get_service("common").version()["server_version"].startswith(str(int(VERSION))), True))
        step(name, "database list", lambda: expect(DB in c.get_service("db").list(), True))
        step(name, "model list", lambda: expect(any(m["model"] == "res.partner" for m in c.get_model("ir.model").search_read([], ["model"])), True))
        P = c.get_model("res.partner")
        crud(
            name,
            lambda d: P.search(d),
            lambda d: P.search_count(d),
            lambda ids: P.read(ids, ["name"]),
            lambda n: P.create({"name": n}),
            lambda ids, n: P.write(ids, {"name": n}),
            lambda ids: P.unlink(ids),
            lambda e: "MissingError" in str(e) or "does not exist" in str(e),
        )


for driver in (odoorpc_client, odooly_client, odoolib_client):
    step(driver.__name__, "runs", driver)

if failed:
    print(f"{len(failed)} steps failed: {failed}")
    sys.exit(1)
