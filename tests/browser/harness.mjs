// What every Chromium driver of the app shares: Debian's chromium through playwright-core, the
// built app (www/dist, `make www`) served on 127.0.0.1, and one check in its "Check files" view.
// Used by tests/browser/verifier.mjs, tests/browser/app.mjs and scripts/bench/verifier-chromium.mjs.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");
export const cache = process.env.POI_CACHE ?? join(process.env.HOME, ".cache/poi");
export const modules = join(cache, "node/node_modules");

/** Headless Debian Chromium, with nothing running in the background of the measurements. */
export async function launchChromium() {
  const { chromium } = await import(join(modules, "playwright-core/index.mjs"));
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".css": "text/css" };

/**
 * Files on a free local port: `routes` maps URL prefixes to directories (`{"/www/": "…/www"}`);
 * `/` is the first directory's index.html if it has one, else an empty page.
 */
export async function serveFiles(routes) {
  const server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const [prefix, dir] = Object.entries(routes).find(([p]) => url.startsWith(p)) ?? Object.entries(routes)[0];
    const file = join(dir, url === "/" ? "index.html" : url.slice(prefix.length));
    if (url === "/" && !existsSync(file)) return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html>");
    if (!file.startsWith(dir) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** The built app on a free local port (no networks.json: the file checks need none). */
export async function serveApp() {
  const dist = join(root, "www/dist");
  if (!existsSync(join(dist, "index.html"))) throw new Error("www/dist holds no built app: run `make www` first");
  return serveFiles({ "/": dist });
}

/** A file for `setInputFiles`. */
export const file = (name, buffer) => ({ name, mimeType: "application/octet-stream", buffer });

/** Opens the "Check files" view and waits until it can run without the network. */
export async function openCheckFiles(page, base) {
  await page.goto(`${base}/#/check`);
  await page.waitForSelector("#check-form[data-ready]", { timeout: 60_000 });
}

/**
 * One check in the view: `model` (a path or bytes), `inputs` (files for `setInputFiles`), each
 * input's name in the model, an optional verifier hash and expected output hash. Resolves to
 * `{hash, verdict, ms}` or `{kind, error}`, as the page shows them.
 */
export async function checkFiles(page, model, inputs, { names = [], verifierHash = "", expected = "" } = {}) {
  await page.setInputFiles("#model", typeof model === "string" ? model : file("model.onnx", model));
  await page.setInputFiles("#inputs", inputs);
  for (const [i, name] of names.entries()) await page.fill(`#input-name-${i}`, name);
  await page.fill("#verifier-hash", verifierHash);
  await page.fill("#expected", expected);
  await page.click("#check");
  const shown = await page.waitForSelector("#check-result [data-output-hash], #check-result [role=alert]", { timeout: 600_000 });
  const hash = await shown.getAttribute("data-output-hash");
  if (hash) {
    return { hash, verdict: await shown.getAttribute("data-verdict"), ms: Number(await shown.getAttribute("data-ms")) };
  }
  return { kind: await shown.getAttribute("data-kind"), error: `error: ${await shown.$eval("p", (p) => p.textContent)}` };
}
