// poi's light client in the browser: the Rust crate `poi-light-client`, built with wasm-bindgen
// into ./light-client/ by `make wasm`. It trusts one checkpoint (a height and header hash from a
// source you trust), verifies every later header it uses, cross-checks witnesses, and proves
// contract records against the verified app hash: all of that happens in Rust, over the page's
// `fetch` and localStorage. This module loads it and adds the one thing a light client does not
// do, re-running a claim with poi-verifier.js. A plain ES module: no bundler.
//
//   import { LightClient, loadLightClient, recheckClaim } from "./poi-light-client.js";
//   await loadLightClient();
//   const lc = await LightClient.fromCheckpoint(rpc, witnesses, height, hash, chainId, storageKey);
//   await lc.sync();
//   const { claim, rounds, proof } = await lc.claim(consensusAddress, 1);
//
// Every failure is an Error with a `kind` (BadSignature, Fork, Proof, Rpc, NotFound, … from the
// Rust error; Recheck for a re-run's content).
import init, { LightClient, inputFormatOf } from "./light-client/poi_light_client.js";
import { loadVerifier, sha256Hex } from "./poi-verifier.js";

export { LightClient, inputFormatOf };

let ready;
/** Loads the wasm module once; `source` defaults to the file next to the bindings. */
export function loadLightClient(source) {
  ready ??= init(source === undefined ? undefined : { module_or_path: source });
  return ready;
}

function recheckError(message) {
  const error = new Error(message);
  error.kind = "Recheck";
  return error;
}

async function fetchChecked(uri, sha256, what) {
  let response;
  try {
    response = await fetch(uri);
  } catch (e) {
    throw recheckError(`${what}: ${uri}: ${e.message}`);
  }
  if (!response.ok) throw recheckError(`${what}: ${uri}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const actual = await sha256Hex(bytes);
  if (actual !== sha256.toLowerCase()) {
    throw recheckError(`the ${what} fetched hashes to ${actual}, but the claim commits to ${sha256}`);
  }
  return bytes;
}

/**
 * Re-runs a claim proven by `client` in this page: model (by the proven asset's URI) and inputs
 * are fetched and hash-checked, and `verifierWasm` — whose sha256 must be the claim's verifier
 * hash — runs them. Resolves to `{claim_id, reproduced, committed_output_hash,
 * recomputed_output_hash, receipt}`.
 */
export async function recheckClaim(client, { consensus, registry, id, verifierWasm }) {
  const { claim } = await client.claim(consensus, Number(id));
  const { asset } = await client.asset(registry, claim.model_id);
  const model = await fetchChecked(asset.uri, claim.model_hash, "model");
  const inputs = [];
  for (const input of claim.inputs) {
    // The claim names the format in the verifier's own terms (npy, onnx_pb, json).
    inputs.push({ name: input.name, format: input.format, bytes: await fetchChecked(input.uri, input.sha256, `input ${input.name}`) });
  }
  const verifier = await loadVerifier(verifierWasm, { sha256: claim.verifier_hash });
  const run = await verifier.verify(model, inputs);
  return {
    claim_id: claim.id,
    reproduced: run.output_hash === claim.output.output_hash,
    committed_output_hash: claim.output.output_hash,
    recomputed_output_hash: run.output_hash,
    receipt: run.receipt,
  };
}
