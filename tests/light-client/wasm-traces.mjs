// The CometBFT verification traces through the wasm-bindgen build (www/light-client): the code a
// browser runs must give every recorded verdict, as the native test does.
//
//   node tests/light-client/wasm-traces.mjs [BINDGEN_DIR]
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = process.argv[2] ?? join(root, "www/light-client");
const lc = await import(pathToFileURL(join(dir, "poi_light_client.js")));
lc.initSync({ module: readFileSync(join(dir, "poi_light_client_bg.wasm")) });

const traces = join(root, "light-client/tests/vectors/cometbft-light/single_step");
const files = readdirSync(traces).filter((f) => f.endsWith(".json")).sort();
let steps = 0;
const mismatches = [];
for (const file of files) {
  const trace = JSON.parse(readFileSync(join(traces, file), "utf8"));
  const { signed_header, next_validator_set, trusting_period } = trace.initial;
  // A trace gives only the trusted block's next validators, the one set verification uses.
  const initial = JSON.stringify({
    signed_header,
    validator_set: next_validator_set,
    next_validator_set,
    provider: "0000000000000000000000000000000000000000",
  });
  const options = JSON.stringify({
    trust_threshold: [1, 3],
    trusting_period_secs: Number(BigInt(trusting_period) / 1_000_000_000n),
    clock_drift_secs: 0,
  });
  let state = lc.trustCheckpoint(initial, lc.headerHash(initial), undefined, options, "", []);
  trace.input.forEach((step, i) => {
    steps += 1;
    let verdict;
    try {
      const result = JSON.parse(lc.verifyHeader(state, JSON.stringify(step.block), Date.parse(step.now)));
      verdict = result.status === "verified" ? "SUCCESS" : "NOT_ENOUGH_TRUST";
      if (result.status === "verified") state = JSON.stringify(result.state);
    } catch (e) {
      verdict = "INVALID";
    }
    if (verdict !== step.verdict) mismatches.push(`${file} step ${i}: recorded ${step.verdict}, wasm ${verdict}`);
  });
}
if (files.length !== 41 || steps !== 99) throw new Error(`expected 41 traces with 99 steps, got ${files.length}, ${steps}`);
if (mismatches.length) {
  console.error(mismatches.join("\n"));
  process.exit(1);
}
console.log(`light client (wasm): ${files.length} traces, ${steps} steps, every verdict as recorded`);
