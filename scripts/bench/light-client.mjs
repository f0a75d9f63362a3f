// The light client's commit verification in wasm (Node): ours (batch) against tendermint's
// ProdVerifier, on the fixtures the native benchmark wrote. Prints one JSON line per size.
//
//   node scripts/bench/light-client.mjs BINDGEN_DIR FIXTURES_DIR RUNS
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, fixtures, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 40);
const lc = await import(pathToFileURL(join(dir, "poi_light_client.js")));
lc.initSync({ module: readFileSync(join(dir, "poi_light_client_bg.wasm")) });

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const files = readdirSync(fixtures).filter((f) => f.startsWith("commit-"));
const cases = files.map((f) => JSON.parse(readFileSync(join(fixtures, f), "utf8")));
for (const c of cases.sort((a, b) => a.validators - b.validators)) {
  const ours = () => {
    const r = JSON.parse(lc.verifyHeader(c.state, c.untrusted, c.now_ms));
    if (r.status !== "verified") throw new Error(`not verified: ${JSON.stringify(r)}`);
  };
  const prod = () => {
    if (!lc.verifyHeaderProd(c.state, c.untrusted, c.now_ms)) throw new Error("ProdVerifier rejected");
  };
  for (let i = 0; i < 3; i++) { ours(); prod(); }
  const oursMs = [], prodMs = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now(); ours(); oursMs.push(performance.now() - t);
    t = performance.now(); prod(); prodMs.push(performance.now() - t);
  }
  const o = median(oursMs), p = median(prodMs);
  console.log(JSON.stringify({ engine: "wasm-node", validators: c.validators, ours_ms: o, prod_ms: p, speedup: p / o }));
}
