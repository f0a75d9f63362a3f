// The artefact in headless Chromium through the browser app (www/dist, `make www`): its "Check
// files" view runs each model in the app's verifier Web Worker, which times the call Node's
// benchmark times (instantiate, prepare, run). Median milliseconds of RUNS runs, as JSON lines.
// Usage: node verifier-chromium.mjs MANIFEST RUNS
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { basename, extname, join, resolve } from "node:path";

const [manifestPath, runsArg] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const runs = Number(runsArg);
const root = resolve(import.meta.dirname, "../..");
const cache = process.env.POI_CACHE ?? join(process.env.HOME, ".cache/poi");
const { chromium } = await import(join(cache, "node/node_modules/playwright-core/index.mjs"));
const dist = join(root, "www/dist");
if (!existsSync(join(dist, "index.html"))) throw new Error("www/dist holds no built app: run `make www` first");

const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".css": "text/css" };
const server = createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = join(dist, url === "/" ? "index.html" : url);
  if (!file.startsWith(dist) || !existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/#/check`);
  await page.waitForSelector("#check-form[data-ready]", { timeout: 60_000 });
  for (const entry of manifest) {
    await page.setInputFiles("#model", entry.model);
    await page.setInputFiles("#inputs", entry.inputs.map((i) => ({
      name: basename(i.npy), mimeType: "application/octet-stream", buffer: readFileSync(i.npy),
    })));
    for (const [i, input] of entry.inputs.entries()) await page.fill(`#input-name-${i}`, input.name);
    const times = [];
    for (let r = 0; r < runs; r++) {
      await page.click("#check");
      const shown = await page.waitForSelector("#check-result [data-ms], #check-result [role=alert]", { timeout: 600_000 });
      const ms = await shown.getAttribute("data-ms");
      if (!ms) throw new Error(`${entry.case}: ${await shown.textContent()}`);
      times.push(Number(ms));
    }
    console.log(JSON.stringify({ engine: "artefact-chromium", case: entry.case, ms: median(times) }));
  }
} finally {
  await browser.close();
  server.close();
}
