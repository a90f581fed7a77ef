// What the page scripts share: Debian's chromium launched headless through
// playwright-core, and a check that prints `ok WHAT` or fails.
"use strict";
const path = require("path");

function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
  console.log("ok " + what);
}

// Runs `body(page, errors)` on a 1280x900 page; script errors and dialogs
// are collected in `errors`. Exits 1 on any failure.
function withPage(pwDir, chromium, body) {
  const { chromium: browserType } = require(path.join(pwDir, "node_modules", "playwright-core"));
  (async () => {
    const browser = await browserType.launch({
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("dialog", (d) => { errors.push("dialog: " + d.message()); d.dismiss(); });
      await body(page, errors);
    } finally {
      await browser.close();
    }
  })().catch((e) => { console.error(e); process.exit(1); });
}

module.exports = { check, withPage };
