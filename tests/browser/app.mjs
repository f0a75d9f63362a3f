// The browser app in headless Chromium against the demo's network: a person lists the claims,
// opens each, re-runs it in the page and sees the verdict the chain reached; a lying RPC server
// (a tampered record, a forged header) is caught and named on the page; a file check works with
// the network off; every view passes an accessibility scan and fits a 380 px wide screen. The
// screenshots in docs/screenshots/ are taken here. Run by tests/e2e/operators.sh on the demo's
// chain, which passes the addresses in the environment.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { cache, checkFiles, file, launchChromium, modules, openCheckFiles, root } from "./harness.mjs";

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const { AxeBuilder } = await import(join(modules, "@axe-core/playwright/dist/index.mjs"));

const app = env("APP");
const checkpoint = env("CHECKPOINT");
const [honest, falseClaim, canary] = env("CLAIMS").split(" ").map(Number);
const shots = process.env.SCREENSHOTS ?? join(root, "docs/screenshots");
mkdirSync(shots, { recursive: true });

// Lying servers in front of the chain's RPC (tests/light-client/lying_rpc.py).
const liars = [];
function liar(port, mode) {
  liars.push(spawn(join(cache, "venv/bin/python"), [join(root, "tests/light-client/lying_rpc.py"), String(port), env("RPC"), mode], { stdio: "ignore" }));
  return `http://127.0.0.1:${port}`;
}
const tampering = liar(26721, "tamper-value");
const forging = liar(26722, "forge-header");
await new Promise((ok) => setTimeout(ok, 800));

const browser = await launchChromium();
let failures = 0;
const ok = (what) => console.log(`app: ok: ${what}`);
const fail = (what) => { console.error(`app: FAIL: ${what}`); failures++; };
const check = (cond, what, detail = "") => (cond ? ok(what) : fail(`${what}${detail ? `: ${detail}` : ""}`));

async function accessible(page, view) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(serious.length === 0, `accessibility scan of ${view}: no serious or critical violations`,
    serious.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`).join(" | "));
}

async function fits(page, view) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 380, `${view} fits a 380 px wide screen`, `${width} px wide`);
}

/** A .npy file of float32 zeros. */
function npyZeros(shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([1, 0]), Buffer.alloc(2), Buffer.from(header)]);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.alloc(4 * shape.reduce((a, b) => a * b, 1))]);
}

const start = `${app}/?network=local-demo&checkpoint=${checkpoint}`;
const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));

try {
  // The claims list, proven.
  await page.goto(`${start}#/claims`);
  await page.waitForSelector("table tbody tr", { timeout: 60_000 });
  const rows = await page.$$eval("tbody tr", (trs) => trs.map((tr) => tr.innerText));
  check(rows.length === 3 && rows.every((r) => /proven at \d+/.test(r)),
    "the claims list shows the demo's three claims, each proven at a verified height", rows.join(" / "));
  const verdicts = Object.fromEntries(await page.$$eval("tbody tr", (trs) =>
    trs.map((tr) => [tr.cells[0].innerText.replace("claim ", ""), tr.cells[2].innerText])));
  check(verdicts[honest] === "accepted" && verdicts[falseClaim] === "rejected" && verdicts[canary] === "rejected",
    "the list shows the verdicts the chain reached", JSON.stringify(verdicts));
  check(/verified at height \d+/.test(await page.textContent("#trust-status")), "the header shows the verified height");
  await page.screenshot({ path: join(shots, "claims.png"), fullPage: true });
  await accessible(page, "the claims list");

  // Paging: the claims below 3, with a way back to the newest.
  await page.goto(`${start}#/claims?before=3`);
  await page.waitForSelector("table tbody tr", { timeout: 60_000 });
  const older = await page.$$eval("tbody tr td:first-child", (tds) => tds.map((td) => td.innerText));
  check(older.join(",") === "claim 2,claim 1" && (await page.$('a[href="#/claims"]:text("Newest claims")')) !== null,
    "paging: the claims below claim 3, proven, and a link back to the newest", older.join(","));

  // A claim page, then its re-run in the page: reproduced.
  await page.goto(`${start}#/claims`);
  await page.waitForSelector("table tbody tr", { timeout: 60_000 });
  await page.click(`a[href="#/claims/${honest}"]`);
  await page.waitForSelector("[data-proven-height]", { timeout: 60_000 });
  const text = await page.textContent("main");
  check(/final/.test(text) && /accepted/.test(text) && /Digit classifier/.test(text) && /owed 30% of each fee/.test(text),
    "the claim page shows status, verdict, the model and its lineage with attribution weight");
  const ballots = await page.$$eval("section.round table tbody tr", (trs) => trs.map((tr) => tr.innerText));
  check(ballots.length === 5 && ballots.filter((b) => /\bagrees\b/.test(b)).length === 3,
    "the claim page shows the committee of five and each revealed ballot", ballots.join(" / "));
  const settled = await page.textContent("section[aria-labelledby=settlement]");
  check(/model fee, for asset/.test(settled) && /reward, to a voter/.test(settled) && /no-show/.test(settled) && /wrong vote/.test(settled),
    "the claim page shows the proven payouts (model fee, voter rewards) and slashes (the liar, the sleeper)", settled);
  await page.screenshot({ path: join(shots, "claim.png"), fullPage: true });
  await accessible(page, "a claim page");
  await page.click("#rerun");
  await page.waitForSelector("[data-verdict]", { timeout: 120_000 });
  check(await page.getAttribute("[data-verdict]", "data-verdict") === "reproduced",
    `claim ${honest} re-run in Chromium: reproduced`, await page.textContent("[data-verdict]"));
  const result = await page.textContent("[data-verdict]");
  check(/probabilities/.test(result) && /\[1 × 10\]/.test(result) && /Inference took/.test(result),
    "the re-run shows each output's shape, a preview and the time taken");
  check(/100%/.test(await page.textContent("main")), "downloads show their progress in bytes and percent");
  await page.locator("section", { has: page.locator("#rerun") }).screenshot({ path: join(shots, "rerun.png") });
  await accessible(page, "a re-run");

  // The false claim, started from the keyboard: mismatch.
  await page.goto(`${start}#/claims/${falseClaim}`);
  await page.waitForSelector("#rerun", { timeout: 60_000 });
  await page.focus("#rerun");
  await page.keyboard.press("Enter");
  await page.waitForSelector("[data-verdict]", { timeout: 120_000 });
  check(await page.getAttribute("[data-verdict]", "data-verdict") === "mismatch",
    `the false claim ${falseClaim} re-run: mismatch, with both hashes side by side`);

  // Narrow screens.
  await page.setViewportSize({ width: 380, height: 800 });
  await page.goto(`${start}#/claims`);
  await page.waitForSelector("table tbody tr", { timeout: 60_000 });
  await fits(page, "the claims list");
  await page.goto(`${start}#/claims/${honest}`);
  await page.waitForSelector("[data-proven-height]", { timeout: 60_000 });
  await fits(page, "a claim page");
  await page.setViewportSize({ width: 1100, height: 900 });

  // The trust view, then an RPC server that tampers with what it proves.
  await page.goto(`${start}#/trust`);
  await page.waitForSelector("#trust-form");
  await accessible(page, "the trust settings");
  await page.fill("#rpc", tampering);
  await page.click("#trust-form button[type=submit]");
  await page.waitForSelector("#trust-result .notice", { timeout: 60_000 });
  await page.goto(`${app}/#/claims/${honest}`);
  await page.waitForSelector("[role=alert]", { timeout: 60_000 });
  const tampered = await page.textContent("[role=alert]");
  check(await page.getAttribute("[role=alert]", "data-kind") === "Proof" && /claim/.test(tampered) && /not proven/.test(tampered),
    "a tampered RPC answer is a proof error naming the record", tampered);

  // An RPC server that is not there.
  await page.goto(`${app}/#/trust`);
  await page.waitForSelector("#trust-form");
  await page.fill("#rpc", "http://127.0.0.1:9");
  await page.click("#trust-form button[type=submit]");
  await page.waitForSelector("#trust-result .notice", { timeout: 60_000 });
  check(await page.getAttribute("#trust-result [role=alert]", "data-kind") === "Rpc"
    && /could not be reached/.test(await page.textContent("#trust-result")),
    "an unreachable RPC server is named on the page", await page.textContent("#trust-result"));

  // A server that forges the headers after the checkpoint.
  await page.goto(`${app}/#/trust`);
  await page.waitForSelector("#trust-form");
  await page.fill("#rpc", forging);
  await page.click("#trust-form button[type=submit]");
  await page.waitForSelector("#trust-result .notice", { timeout: 60_000 });
  const forged = await page.textContent("#trust-result");
  const kind = await page.getAttribute("#trust-result [role=alert]", "data-kind");
  check(["InvalidHeader", "BadSignature"].includes(kind) && /Header verification failed/.test(forged),
    "a forged header is a header error", `${kind}: ${forged}`);
  await page.fill("#rpc", env("RPC"));
  await page.click("#trust-form button[type=submit]");
  await page.waitForSelector("#trust-result .notice.good", { timeout: 60_000 });

  // Check files with the network off.
  const digit = () => [
    join(cache, "demo-data/digit-classifier.onnx"),
    [file("image.npy", readFileSync(join(cache, "demo-data/digit-7.npy")))],
    { expected: env("TRUTH") },
  ];
  await openCheckFiles(page, app);
  await accessible(page, "Check files");
  await context.setOffline(true);
  const offline = await checkFiles(page, ...digit());
  check(offline.verdict === "reproduced", "a file check works with the network off", JSON.stringify(offline));
  await context.setOffline(false);

  // A long run (a real OCR model on a large image) keeps the page responsive and can be cancelled;
  // the view then runs again.
  await page.setInputFiles("#model", join(cache, "real-models/ch_PP-OCRv4_det_infer.onnx"));
  await page.setInputFiles("#inputs", file("x.npy", npyZeros([1, 3, 960, 960])));
  await page.fill("#expected", "");
  await page.click("#check");
  await page.waitForSelector("#check-result [role=status]");
  const t = Date.now();
  await page.evaluate(() => document.title);
  const responsive = Date.now() - t;
  await page.click("#check-form button.secondary");
  await page.waitForSelector("#check-result [role=alert]", { timeout: 60_000 });
  check(await page.getAttribute("#check-result [role=alert]", "data-kind") === "Cancelled" && responsive < 1000,
    `a running model leaves the page responsive (${responsive} ms to answer) and Cancel stops it`,
    await page.textContent("#check-result"));
  const again = await checkFiles(page, ...digit());
  check(again.verdict === "reproduced", "after a cancel the next check runs", JSON.stringify(again));
  check(errors.length === 0, "no uncaught error in the page", errors.join(" | "));
} catch (e) {
  fail(`${e.message}`);
} finally {
  await browser.close();
  for (const p of liars) p.kill();
}
console.log(`app: ${failures === 0 ? "every check passed" : `${failures} failed`}`);
process.exit(failures === 0 ? 0 : 1);
