// Drives the web page in headless Chromium with Playwright (playwright-core,
// Debian's chromium): live update, conflict resolution, retry, screenshot.
// Usage: node page.cjs PLAYWRIGHT_DIR CHROMIUM BASE_URL KEY CONFLICT_ORDER FAILED_ORDER SCREENSHOT
"use strict";
const { check, withPage } = require("./chromium.cjs");
const [pwDir, chromium, base, key, conflictOrder, failedOrder, screenshot] = process.argv.slice(2);

withPage(pwDir, chromium, async (page, errors) => {
    await page.goto(`${base}/#key=${encodeURIComponent(key)}`);
    await page.waitForSelector("body[data-loaded='1']", { timeout: 15000 });
    check(!page.url().includes("key="), "the key leaves the address bar");
    await page.waitForSelector("#live.on", { timeout: 10000 });
    check(true, "the WebSocket is live");
    const rows = await page.locator("#orders tbody tr").count();
    check(rows >= 2, `orders are listed (${rows})`);

    // Live: an order made elsewhere appears without a reload.
    const made = await page.evaluate(async (k) => {
      const r = await fetch("/orders", {
        method: "POST",
        headers: { Authorization: "Bearer " + k, "Content-Type": "application/json" },
        body: JSON.stringify({ supplier_ref: "Copperleaf Tools", currency: "EUR",
          lines: [{ product_code: "ZL-300", quantity: 1, price_unit: 349, date_planned: null }] }),
      });
      return (await r.json()).uuid;
    }, key);
    await page.waitForSelector(`#orders tr[data-order='${made}']`, { timeout: 10000 });
    check(true, "a new order appears live");
    await page.waitForFunction((u) => {
      const row = document.querySelector(`#orders tr[data-order='${u}'] .badge`);
      return row && row.textContent === "synced";
    }, made, { timeout: 15000 });
    check(true, "its sync state turns to synced live");

    // The conflict, both sides shown, resolved with a click.
    const card = page.locator(`.conflict[data-order='${conflictOrder}']`);
    await card.waitFor({ timeout: 10000 });
    const appSide = await card.locator(".app-side").textContent();
    const odooSide = await card.locator(".odoo-side").textContent();
    check(appSide.includes("9") && odooSide.includes("4"), "both versions side by side");
    await page.screenshot({ path: screenshot, fullPage: true });
    await card.locator("button.take-odoo").click();
    await card.waitFor({ state: "detached", timeout: 15000 });
    check(true, "resolving removes the conflict");

    // The failed job, with its error and a retry button.
    const failed = page.locator(`#failed tr[data-order='${failedOrder}']`);
    await failed.waitFor({ timeout: 10000 });
    check((await failed.textContent()).includes("Nobody Ltd"), "the failed job shows its error");
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/orders/${failedOrder}/sync`) && r.request().method() === "POST"),
      failed.locator("button.retry").click(),
    ]);
    check(response.status() === 202, "retry queues the job again");
    check(errors.length === 0, "no script errors: " + errors.join("; "));
});
