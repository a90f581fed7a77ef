"""mcp-server-odoo (the most used Odoo MCP server, from PyPI) against a
server: started over stdio with an API key in read-only YOLO mode (plain
XML-RPC, no Odoo module), driven by the `mcp` client library.

Usage: mcp_odoo.py URL DB API_KEY
Prints `ok   <step>: <detail>` per step; exits non-zero on the first failure.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def payload(result):
    """A tool result's structured content, or its text parsed as JSON."""
    if result.is_error:
        text = " ".join(getattr(c, "text", "") for c in result.content)
        raise SystemExit(f"FAIL tool error: {text}")
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def main(url, db, key):
    env = dict(os.environ, ODOO_URL=url, ODOO_DB=db, ODOO_USER="admin", ODOO_API_KEY=key, ODOO_YOLO="read")
    params = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server_odoo"], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = {t.name for t in (await session.list_tools()).tools}
            for needed in ("search_records", "get_record", "aggregate_records"):
                assert needed in tools, f"{needed} not in {sorted(tools)}"
            print(f"ok   tools: {len(tools)}")

            found = payload(await session.call_tool("search_records", {
                "model": "res.partner", "domain": [["is_company", "=", True]],
                "fields": ["name"], "limit": 3, "order": "id"}))
            records = found["records"]
            assert records and all("name" in r for r in records), found
            print(f"ok   search_records: {len(records)} companies of {found.get('total')}")

            count = payload(await session.call_tool("aggregate_records", {
                "model": "res.partner", "domain": [["is_company", "=", True]]}))
            groups = count.get("groups") or count.get("results") or count.get("records")
            assert groups and groups[0]["__count"] == found.get("total"), count
            print(f"ok   aggregate_records: __count {groups[0]['__count']}")

            # An all-fields read has every field fields_get lists (get_fields
            # shows some and counts the ones it leaves out).
            fields = payload(await session.call_tool("get_fields", {"model": "res.partner"}))
            listed = fields["total"] + (fields.get("omitted") or 0)
            record = payload(await session.call_tool("get_record", {
                "model": "res.partner", "record_id": records[0]["id"], "fields": ["__all__"]}))
            got = record["record"]
            assert len(got) == listed, f"{len(got)} fields read of {listed} listed"
            shown = {f["name"] for f in fields["fields"]}
            assert shown <= set(got), sorted(shown - set(got))[:10]
            print(f"ok   get_record __all__: {len(got)} fields, every one fields_get lists")

            try:
                await session.call_tool("search_records", {"model": "res.partners"})
            except Exception as e:  # noqa: BLE001
                print(f"ok   unknown model: {e}")
            else:
                print("ok   unknown model: answered")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
