// The verifier's Web Worker: the page stays responsive while a model runs, and a cancel is the
// worker's termination. It runs poi_verifier.wasm through poi-verifier.js, the same loader Node
// and the tests use, and reads the outputs back with the light client's bindings.

import { decodeOutputs } from "../light-client/poi_light_client.js";
import { loadBindings, loadVerifier, sha256Hex } from "../poi-verifier.js";
import type { RunReply, RunRequest } from "./runner";

const PREVIEW = 8;

// Loaded at once, so a warm worker can run while the network is off.
const ready = loadBindings();

// Compiled verifiers by sha256: a second run on the same bytes reuses the compiled (and by then
// optimised) module instead of starting again from the engine's baseline tier.
const compiled = new Map<string, ReturnType<typeof loadVerifier>>();
async function verifierFor(bytes: Uint8Array, sha256: string | undefined) {
  const digest = await sha256Hex(bytes);
  let loading = compiled.get(digest);
  if (!loading) {
    loading = loadVerifier(bytes, { sha256 });
    compiled.set(digest, loading);
    loading.catch(() => compiled.delete(digest));
  } else if (sha256 && sha256.toLowerCase() !== digest) {
    // The same refusal loadVerifier gives, for bytes already compiled under their own hash.
    return loadVerifier(bytes, { sha256 });
  }
  return loading;
}

self.onmessage = async (event: MessageEvent<RunRequest | "warm">) => {
  if (event.data === "warm") {
    await ready;
    self.postMessage({ type: "ready" } satisfies RunReply);
    return;
  }
  const { verifier, sha256, model, inputs } = event.data;
  try {
    await ready;
    const loaded = await verifierFor(new Uint8Array(verifier), sha256);
    const started = performance.now();
    const run = await loadedRun(loaded, new Uint8Array(model), inputs);
    const ms = performance.now() - started;
    self.postMessage({
      type: "done",
      output_hash: run.output_hash,
      receipt: run.receipt,
      outputs: decodeOutputs(run.encoding, PREVIEW),
      verifier_sha256: loaded.sha256,
      ms,
    } satisfies RunReply);
  } catch (e) {
    const kind = (e as { kind?: string }).kind ?? "Error";
    self.postMessage({ type: "failed", kind, message: (e as Error).message ?? String(e) } satisfies RunReply);
  }
};

function loadedRun(
  loaded: Awaited<ReturnType<typeof loadVerifier>>,
  model: Uint8Array,
  inputs: RunRequest["inputs"],
) {
  return loaded.verify(
    model,
    inputs.map((i) => ({ name: i.name, format: i.format, bytes: new Uint8Array(i.bytes) })),
  );
}
