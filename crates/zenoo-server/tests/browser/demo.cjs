// Drives the demo's page (`zenoo-server --sim`) in headless Chromium with
// Playwright: the story a visitor sees. Orders with their lines and totals,
// a new order that moves from waiting to synced, an Odoo-side edit that
// makes a conflict shown side by side, resolved with a click; a screenshot.
// Usage: node demo.cjs PLAYWRIGHT_DIR CHROMIUM BASE_URL KEY SCREENSHOT
"use strict";
const { check, withPage } = require("./chromium.cjs");
const [pwDir, chromium, base, key, screenshot] = process.argv.slice(2);

withPage(pwDir, chromium, async (page, errors) => {
    await page.goto(`${base}/#key=${encodeURIComponent(key)}`);
    await page.waitForSelector("body[data-loaded='1']", { timeout: 15000 });
    await page.waitForSelector("#story:not([hidden])", { timeout: 10000 });
    check(true, "the demo tells its story");
    const synced = await page.locator("#orders tbody tr .badge.status-synced").count();
    check(synced >= 3, `the demo opens on orders already synced (${synced})`);
    const first = page.locator("#orders tbody tr").first();
    const lines = await first.locator(".lines").textContent();
    const total = await first.locator(".total").textContent();
    check(/× ZL-100 at 80\.00/.test(lines) && /^EUR \d+\.\d\d$/.test(total), `lines and totals: ${lines} / ${total}`);
    check((await first.textContent()).includes("Odoo #"), "each order names its Odoo order");

    // A new order, from waiting to synced.
    const before = await page.locator("#orders tbody tr").count();
    await page.click("#new-order");
    await page.waitForFunction((n) => document.querySelectorAll("#orders tbody tr").length > n, before, { timeout: 10000 });
    const made = page.locator("#orders tbody tr").last();
    const uuid = await made.getAttribute("data-order");
    await page.waitForFunction((u) => {
      const b = document.querySelector(`#orders tr[data-order='${u}'] .badge`);
      return b && b.textContent === "synced";
    }, uuid, { timeout: 15000 });
    check(true, "the new order moves to synced");

    // An Odoo-side edit makes a conflict, shown side by side.
    await page.locator(`#orders tr[data-order='${uuid}'] button.odoo-edit`).click();
    const card = page.locator(`.conflict[data-order='${uuid}']`);
    await card.waitFor({ timeout: 15000 });
    const app = await card.locator(".app-side").textContent();
    const odoo = await card.locator(".odoo-side").textContent();
    check(app !== odoo && app.includes("quantity") && odoo.includes("quantity"), "both versions side by side");
    await page.screenshot({ path: screenshot, fullPage: true });
    await card.locator("button.take-odoo").click();
    await card.waitFor({ state: "detached", timeout: 15000 });
    await page.waitForFunction((u) => {
      const b = document.querySelector(`#orders tr[data-order='${u}'] .badge`);
      return b && b.textContent === "synced";
    }, uuid, { timeout: 15000 });
    check(true, "keeping Odoo's version settles it");
    check(errors.length === 0, "no script errors: " + errors.join("; "));
});
