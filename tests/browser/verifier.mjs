// The determinism contract across engines: for every test model, the output hash from the
// artefact in wasmer (`poi verify`), in Node (www/poi-verifier.js) and in headless Chromium (the
// app's "Check files" view and its verifier Web Worker, which use the same module) must be
// identical, and hostile inputs must give the same typed error in all three. Run by `make
// browser-test` (part of `make test`), after `make www`.

import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { loadVerifier } from "../../www/poi-verifier.js";
import { cache, checkFiles, file, launchChromium, openCheckFiles, root, serveApp } from "./harness.mjs";

const target = process.env.CARGO_TARGET_DIR ?? join(cache, "target");
const poi = join(target, "release/poi");
const data = join(cache, "onnx-data");

// The light architectures, every PyTorch operator test, the NaN models (scripts/nan-models.py)
// and the transformers with real weights (scripts/transformer-models.py): the verifier runs
// without NaN canonicalisation in every engine, so the NaN models must agree too, and must run,
// or they show nothing.
const cases = ["light", "pytorch-operator", "nan", "transformers"].flatMap((suite) =>
  readdirSync(join(data, suite), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ suite, name: entry.name }))
    .sort((a, b) => (a.name < b.name ? -1 : 1)),
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
const app = await serveApp();
const browser = await launchChromium();
const browserHashes = [];
const browserHostile = {};
try {
  const page = await browser.newPage();
  await openCheckFiles(page, app.url);
  for (const c of plan) {
    const dir = join(data, c.suite, c.name);
    const inputs = c.names.map((_, i) => file(`input_${i}.pb`, readFileSync(join(dir, "test_data_set_0", `input_${i}.pb`))));
    // By path: Playwright takes a file of any size so, and a buffer only up to 50 MB.
    const run = await checkFiles(page, join(dir, "model.onnx"), inputs, { names: c.names });
    browserHashes.push(run.hash ?? run.error);
  }
  const model = readFileSync(join(data, "light/light_squeezenet/model.onnx"));
  const json = Buffer.from('{"dtype":"f32","shape":[1],"data":["NaN"]}');
  browserHostile.truncated = (await checkFiles(page, model.subarray(0, 1000), [])).kind;
  browserHostile.garbage_input = (await checkFiles(page, model, [file("data_0.npy", Buffer.from([1, 2, 3]))])).kind;
  browserHostile.wrong_shape = (await checkFiles(page, model, [file("data_0.json", json)])).kind;
  browserHostile.wrong_artefact = (await checkFiles(page, model, [], { verifierHash: "00".repeat(32) })).kind;
} finally {
  await browser.close();
  app.close();
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
  } else if (!ok && c.suite === "nan") {
    failures++;
    console.log(`NaN model refused in all three: ${c.suite}/${c.name}: ${node[i].slice(0, 160)}`);
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
