// The determinism contract across engines: for every test model, the output hash from the
// artefact in wasmer (`poi verify`), in Node (www/poi-verifier.js) and in headless Chromium (the
// app's "Check files" view and its verifier Web Worker, which use the same module) must be
// identical, and hostile inputs must give the same typed error in all three. Run by `make
// browser-test` (part of `make test`), after `make www`.

import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { extname, join, resolve } from "node:path";

import { loadVerifier } from "../../www/poi-verifier.js";

const root = resolve(import.meta.dirname, "../..");
const cache = process.env.POI_CACHE ?? join(process.env.HOME, ".cache/poi");
const target = process.env.CARGO_TARGET_DIR ?? join(cache, "target");
const poi = join(target, "release/poi");
const data = join(cache, "onnx-data");
const { chromium } = await import(join(cache, "node/node_modules/playwright-core/index.mjs"));

// The light architectures and every PyTorch operator test.
const cases = ["light", "pytorch-operator"].flatMap((suite) =>
  readdirSync(join(data, suite)).sort().map((name) => ({ suite, name })),
);

// input_<i>.pb are in the order the model takes its inputs.
function inputsOf(dir) {
  return readdirSync(join(dir, "test_data_set_0"))
    .filter((f) => f.startsWith("input_"))
    .sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)));
}

// 1. wasmer, through the CLI.
function wasmerHash(c, names) {
  const dir = join(data, c.suite, c.name);
  const args = ["verify", "--json", "--verifier", join(root, "artifacts/poi_verifier.wasm"), "--model", join(dir, "model.onnx")];
  inputsOf(dir).forEach((file, i) => args.push("--input", `${names[i]}=${join(dir, "test_data_set_0", file)}`));
  const run = spawnSync(poi, args, { encoding: "utf8" });
  if (run.status === 0) return JSON.parse(run.stdout).output_hash;
  return `error: ${run.stderr.trim().split("\n").pop().replace(/^error: /, "")}`;
}

// The model's input names, in order: the verifier names the first one missing from a request, so
// asking with what is known so far reveals them one by one.
async function inputNames(verifier, c) {
  const dir = join(data, c.suite, c.name);
  try {
    await verifier.verify(readFileSync(join(dir, "model.onnx")), []);
  } catch (e) {
    // missing_input names the first; ask again with placeholders until all are known.
    const names = [];
    let err = e;
    while (err.kind === "missing_input") {
      names.push(err.detail.name);
      const given = names.map((name, i) => ({
        name,
        format: "onnx_pb",
        bytes: readFileSync(join(dir, "test_data_set_0", `input_${i}.pb`)),
      }));
      try {
        await verifier.verify(readFileSync(join(dir, "model.onnx")), given);
        break;
      } catch (next) {
        err = next;
      }
    }
    return names;
  }
  return [];
}

async function nodeRun(verifier, c, names) {
  const dir = join(data, c.suite, c.name);
  const inputs = inputsOf(dir).map((file, i) => ({
    name: names[i],
    format: "onnx_pb",
    bytes: readFileSync(join(dir, "test_data_set_0", file)),
  }));
  try {
    return (await verifier.verify(readFileSync(join(dir, "model.onnx")), inputs)).output_hash;
  } catch (e) {
    return `error: ${e.message}`;
  }
}

const wasm = readFileSync(join(root, "artifacts/poi_verifier.wasm"));
const verifier = await loadVerifier(wasm);
const plan = [];
for (const c of cases) plan.push({ ...c, names: await inputNames(verifier, c) });

// 2. Node.
const t0 = performance.now();
const node = [];
for (const c of plan) node.push(await nodeRun(verifier, c, c.names));
console.log(`node: ${plan.length} models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const wasmer = plan.map((c) => wasmerHash(c, c.names));

// 3. Chromium, through the app: its "Check files" view and its verifier Web Worker, the path a
// person's re-run takes, served from the built app (www/dist, `make www`).
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
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const file = (name, buffer) => ({ name, mimeType: "application/octet-stream", buffer });
/** One check in the page: the output hash, or `error: <message>` / the error's kind. */
async function pageRun(page, model, inputs, { names = [], verifierHash = "" } = {}) {
  await page.setInputFiles("#model", file("model.onnx", model));
  await page.setInputFiles("#inputs", inputs);
  for (const [i, name] of names.entries()) await page.fill(`#input-name-${i}`, name);
  await page.fill("#verifier-hash", verifierHash);
  await page.fill("#expected", "");
  await page.click("#check");
  const shown = await page.waitForSelector("#check-result [data-output-hash], #check-result [role=alert]", { timeout: 300_000 });
  const hash = await shown.getAttribute("data-output-hash");
  if (hash) return { hash };
  return { kind: await shown.getAttribute("data-kind"), error: `error: ${await shown.$eval("p", (p) => p.textContent)}` };
}
const browserHashes = [];
const browserHostile = {};
try {
  const page = await browser.newPage();
  await page.goto(`${base}/#/check`);
  await page.waitForSelector("#check-form[data-ready]", { timeout: 60_000 });
  for (const c of plan) {
    const dir = join(data, c.suite, c.name);
    const inputs = c.names.map((_, i) => file(`input_${i}.pb`, readFileSync(join(dir, "test_data_set_0", `input_${i}.pb`))));
    const run = await pageRun(page, readFileSync(join(dir, "model.onnx")), inputs, { names: c.names });
    browserHashes.push(run.hash ?? run.error);
  }
  const model = readFileSync(join(data, "light/light_squeezenet/model.onnx"));
  const json = Buffer.from('{"dtype":"f32","shape":[1],"data":["NaN"]}');
  browserHostile.truncated = (await pageRun(page, model.subarray(0, 1000), [])).kind;
  browserHostile.garbage_input = (await pageRun(page, model, [file("data_0.npy", Buffer.from([1, 2, 3]))])).kind;
  browserHostile.wrong_shape = (await pageRun(page, model, [file("data_0.json", json)])).kind;
  browserHostile.wrong_artefact = (await pageRun(page, model, [], { verifierHash: "00".repeat(32) })).kind;
} finally {
  await browser.close();
  server.close();
}

// Hostile inputs in Node, for the same answers.
const squeeze = readFileSync(join(data, "light/light_squeezenet/model.onnx"));
const kind = async (f) => { try { await f(); return "ok"; } catch (e) { return e.kind; } };
const nodeHostile = {
  truncated: await kind(() => verifier.verify(squeeze.subarray(0, 1000), [])),
  garbage_input: await kind(() => verifier.verify(squeeze, [{ name: "data_0", format: "npy", bytes: new Uint8Array([1, 2, 3]) }])),
  wrong_shape: await kind(() => verifier.verify(squeeze, [{ name: "data_0", format: "json", bytes: new TextEncoder().encode('{"dtype":"f32","shape":[1],"data":["NaN"]}') }])),
};
try { await loadVerifier(wasm, { sha256: "00".repeat(32) }); } catch (e) { nodeHostile.wrong_artefact = e.kind; }

let failures = 0;
let agreed = 0;
plan.forEach((c, i) => {
  const same = wasmer[i] === node[i] && node[i] === browserHashes[i];
  const ok = same && !node[i].startsWith("error");
  if (ok) agreed++;
  if (!same) {
    failures++;
    console.log(`DIFFERS ${c.suite}/${c.name}\n  wasmer   ${wasmer[i]}\n  node     ${node[i]}\n  chromium ${browserHashes[i]}`);
  } else if (!ok) {
    console.log(`same error in all three: ${c.suite}/${c.name}: ${node[i].slice(0, 120)}`);
  }
});
const expectedHostile = { truncated: "model_decode", garbage_input: "input_decode", wrong_shape: "input_mismatch", wrong_artefact: "hash" };
for (const [name, expected] of Object.entries(expectedHostile)) {
  if (nodeHostile[name] !== expected || browserHostile[name] !== expected) {
    failures++;
    console.log(`hostile ${name}: expected ${expected}, node ${nodeHostile[name]}, chromium ${browserHostile[name]}`);
  }
}
console.log(`browser-test: ${agreed} of ${plan.length} models give the identical hash in wasmer, Node and Chromium; hostile inputs: the same typed errors`);
if (failures > 0 || agreed === 0) {
  console.log(`browser-test: ${failures} failures`);
  process.exit(1);
}
