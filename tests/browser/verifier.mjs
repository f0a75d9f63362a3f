// The determinism contract across engines: for every test model, the output hash from the
// artefact in wasmer (`poi verify`), in Node (www/poi-verifier.js) and in headless Chromium (the
// app's "Check files" view and its verifier Web Worker, which use the same module) must be
// identical, and hostile inputs must give the same typed error in all three. Run by `make
// browser-test` (part of `make test`), after `make www`.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";

import * as poiVerifier from "../../www/poi-verifier.js";
import { generate } from "./generation.mjs";
import { cache, checkFiles, file, launchChromium, openCheckFiles, root, serveApp, serveFiles } from "./harness.mjs";

const { loadVerifier } = poiVerifier;

const target = process.env.CARGO_TARGET_DIR ?? join(cache, "target");
const poi = join(target, "release/poi");
const data = join(cache, "onnx-data");

// The light architectures, every PyTorch operator test, the NaN models (scripts/nan-models.py)
// and the transformers with real weights (scripts/transformer-models.py): the verifier runs
// without NaN canonicalisation in every engine, so the NaN models must agree too, and must run,
// or they show nothing. A transformer with a generation.json is a language model's step: its
// greedy generation is run too, one verifier run per step (./generation.mjs), in each engine.
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

const generationOf = (c) => {
  const path = join(data, c.suite, c.name, "generation.json");
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined;
};

// The model's input names, in order: a language model's generation.json lists them; otherwise the
// verifier names the first one missing from a request, so asking with what is known so far
// reveals them one by one.
async function inputNames(verifier, c) {
  const dir = join(data, c.suite, c.name);
  if (c.generation) return c.generation.inputs;
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

// One run in wasmer through the CLI, for the generation loop: the inputs as files, the output
// encoding written back, in a scratch directory removed at the end.
const scratch = mkdtempSync(join(tmpdir(), "poi-generation-"));
function wasmerRun(model) {
  const extension = { npy: "npy", onnx_pb: "pb", json: "json" };
  return async (inputs) => {
    const args = ["verify", "--json", "--verifier", join(root, "artifacts/poi_verifier.wasm"), "--model", model,
      "--write-output", join(scratch, "encoding")];
    inputs.forEach((input, i) => {
      const path = join(scratch, `${i}.${extension[input.format]}`);
      writeFileSync(path, input.bytes);
      args.push("--input", `${input.name}=${path}`);
    });
    const run = spawnSync(poi, args, { encoding: "utf8", maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`poi verify: ${run.stderr.trim().split("\n").pop()}`);
    return { output_hash: JSON.parse(run.stdout).output_hash, encoding: readFileSync(join(scratch, "encoding")) };
  };
}

// The first step's inputs: test_data_set_0, in the model's input order.
const firstInputs = (c, names) =>
  names.map((name, i) => ({
    name,
    format: "onnx_pb",
    bytes: readFileSync(join(data, c.suite, c.name, "test_data_set_0", `input_${i}.pb`)),
  }));

const wasm = readFileSync(join(root, "artifacts/poi_verifier.wasm"));
const verifier = await loadVerifier(wasm);
const plan = [];
for (const c of cases) {
  const entry = { ...c, generation: generationOf(c) };
  plan.push({ ...entry, names: await inputNames(verifier, entry) });
}

// 2. Node.
const t0 = performance.now();
const node = [];
for (const c of plan) node.push(await nodeRun(verifier, c, c.names));
console.log(`node: ${plan.length} models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const wasmer = plan.map((c) => wasmerHash(c, c.names));

// Generations in Node and in wasmer.
const generations = plan.filter((c) => c.generation).map((c) => ({ c, generation: c.generation, engines: {} }));
for (const g of generations) {
  const model = join(data, g.c.suite, g.c.name, "model.onnx");
  const bytes = readFileSync(model);
  const first = firstInputs(g.c, g.c.names);
  g.engines.node = await generate((inputs) => verifier.verify(bytes, inputs), poiVerifier, g.generation, first);
  g.engines.wasmer = await generate(wasmerRun(model), poiVerifier, g.generation, first);
}

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

  // Generations in Chromium: the same loop and the same verifier module, in a page.
  const files = await serveFiles({ "/www/": join(root, "www"), "/tests/": join(root, "tests/browser"),
    "/artifacts/": join(root, "artifacts"), "/data/": data });
  try {
    const blank = await browser.newPage();
    await blank.goto(files.url);
    for (const g of generations) {
      const dir = `/data/${g.c.suite}/${g.c.name}`;
      g.engines.chromium = await blank.evaluate(async ({ dir, names, generation }) => {
        const poi = await import("/www/poi-verifier.js");
        const { generate } = await import("/tests/generation.mjs");
        const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
        const verifier = await poi.loadVerifier(await bytes("/artifacts/poi_verifier.wasm"));
        const model = await bytes(`${dir}/model.onnx`);
        const first = await Promise.all(names.map(async (name, i) =>
          ({ name, format: "onnx_pb", bytes: await bytes(`${dir}/test_data_set_0/input_${i}.pb`) })));
        return generate((inputs) => verifier.verify(model, inputs), poi, generation, first);
      }, { dir, names: g.c.names, generation: g.generation });
    }
  } finally {
    files.close();
  }
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
// Each generation: the same hash at every step and the same tokens in the three engines, and the
// tokens onnxruntime chose (generation.json).
for (const g of generations) {
  const { node: n, wasmer: w, chromium } = g.engines;
  const tokens = n.map((step) => step.token);
  if (!isDeepStrictEqual(n, w) || !isDeepStrictEqual(n, chromium)) {
    failures++;
    console.log(`generation DIFFERS ${g.c.name}\n  wasmer   ${JSON.stringify(w)}\n  node     ${JSON.stringify(n)}\n  chromium ${JSON.stringify(chromium)}`);
  } else if (!isDeepStrictEqual(tokens, g.generation.tokens)) {
    failures++;
    console.log(`generation ${g.c.name}: tokens ${tokens}, onnxruntime chose ${g.generation.tokens}`);
  } else {
    console.log(`generation ${g.c.name}: ${n.length} steps, the same tokens and hashes in wasmer, Node and Chromium, and onnxruntime's tokens: ${JSON.stringify(g.generation.text)}`);
  }
}
const expectedHostile = { truncated: "model_decode", garbage_input: "input_decode", wrong_shape: "input_mismatch", wrong_artefact: "hash" };
for (const [name, expected] of Object.entries(expectedHostile)) {
  if (nodeHostile[name] !== expected || browserHostile[name] !== expected) {
    failures++;
    console.log(`hostile ${name}: expected ${expected}, node ${nodeHostile[name]}, chromium ${browserHostile[name]}`);
  }
}
rmSync(scratch, { recursive: true, force: true });
console.log(`browser-test: ${agreed} of ${plan.length} models give the identical hash in wasmer, Node and Chromium; hostile inputs: the same typed errors`);
if (failures > 0 || agreed === 0) {
  console.log(`browser-test: ${failures} failures`);
  process.exit(1);
}
