// The artefact in Node (www/poi-verifier.js) and onnxruntime-web (wasm, one thread): median
// milliseconds to prepare a model and run it once, and onnxruntime-web's second run on the same
// session. Usage: node verifier-node.mjs MANIFEST RUNS
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadVerifier } from "../../www/poi-verifier.js";

const [manifestPath, runsArg] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const runs = Number(runsArg);
const cache = process.env.POI_CACHE ?? join(process.env.HOME, ".cache/poi");
const ort = await import(join(cache, "node/node_modules/onnxruntime-web/dist/ort.node.min.mjs")).catch(
  () => import(join(cache, "node/node_modules/onnxruntime-web/dist/ort.mjs")),
);
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;

// An input's values as the typed array onnxruntime-web takes for its dtype (float32 or int64).
function npy(input) {
  const b = readFileSync(input.npy);
  const headerLen = b.readUInt16LE(8);
  const data = b.subarray(10 + headerLen);
  const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
  return input.dtype === "int64" ? new BigInt64Array(bytes) : new Float32Array(bytes);
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const verifier = await loadVerifier(readFileSync(new URL("../../artifacts/poi_verifier.wasm", import.meta.url)));
for (const entry of manifest) {
  const model = readFileSync(entry.model);
  const inputs = entry.inputs.map((i) => ({ name: i.name, format: "npy", bytes: readFileSync(i.npy) }));
  const ours = [];
  // Run 0 is untimed (see scripts/bench-verifier.sh): a fresh process compiles and tiers up.
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    await verifier.verify(model, inputs);
    if (r > 0) ours.push(performance.now() - t);
  }
  console.log(JSON.stringify({ engine: "artefact-node", case: entry.case, ms: median(ours) }));
  // Session creation and a first run (what a one-shot verification is), then a second run on the
  // same session: the run alone, once the session is warm (what a prepared model costs).
  const web = [];
  const webRun = [];
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
    const feeds = Object.fromEntries(entry.inputs.map((i) => [i.name, new ort.Tensor(i.dtype === "int64" ? "int64" : "float32", npy(i), i.shape)]));
    await session.run(feeds);
    const created = performance.now() - t;
    const again = performance.now();
    await session.run(feeds);
    const ran = performance.now() - again;
    await session.release();
    if (r > 0) {
      web.push(created);
      webRun.push(ran);
    }
  }
  console.log(JSON.stringify({ engine: "onnxruntime-web", case: entry.case, ms: median(web) }));
  console.log(JSON.stringify({ engine: "onnxruntime-web-run", case: entry.case, ms: median(webRun) }));
}
