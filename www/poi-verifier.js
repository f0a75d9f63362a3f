// poi's verifier in the browser and in Node: loads poi_verifier.wasm, checks its sha256 against
// the one approved on chain, and runs models with it. The same bytes run in wasmer for operators,
// so the output hash is the same everywhere. The request it is sent is encoded by the Rust
// encoder the wasmer host uses (`poi-verifier-abi`, through the light client's wasm-bindgen build
// in ./light-client/). A plain ES module: no bundler.
//
//   import { loadVerifier } from "./poi-verifier.js";
//   const verifier = await loadVerifier(wasmBytes, { sha256: "…approved hash…" });
//   const { output_hash, receipt, outputs } = await verifier.verify(modelBytes, [
//     { name: "input", format: "npy", bytes: inputBytes },   // format: npy | onnx_pb | json
//   ]);

import initBindings, {
  initSync,
  encodeVerifierRequest,
  chainInputs as chainedInputs,
  decodeOutputs as decodedOutputs,
} from "./light-client/poi_light_client.js";

let bindings;
/** Loads the light client's bindings (the request encoder, decodeOutputs) once; a worker calls it up front. */
export function loadBindings() {
  bindings ??= (async () => {
    if (typeof process === "object" && process.versions?.node) {
      // Node's fetch cannot read the file the bindings would fetch.
      const { readFile } = await import(/* @vite-ignore */ "node:fs/promises");
      initSync({ module: await readFile(new URL("./light-client/poi_light_client_bg.wasm", import.meta.url)) });
    } else {
      await initBindings();
    }
  })();
  return bindings;
}


// A function of the light client's bindings, loaded first, its failures thrown as VerifierErrors
// of kind "output".
const readingOutputs = (binding) => async (...args) => {
  await loadBindings();
  try {
    return binding(...args);
  } catch (e) {
    throw new VerifierError("output", e.message);
  }
};

/**
 * `chainInputs(encoding, links)`: the inputs of the run that goes on from a result's `encoding`
 * (what `verify` returned). `links` maps each output to the input it becomes, as a generation
 * step's chosen token and key/value cache become the next step's inputs. The bytes are the
 * outputs' own, so the next run gets exactly the tensors this one gave. The rule is
 * poi-verifier-abi's `chain`, the one every engine uses.
 */
export const chainInputs = readingOutputs(chainedInputs);

/**
 * `decodeOutputs(encoding, previewCount)`: a result's outputs read back from its `encoding`,
 * `[{name, dtype, shape, elements, preview}]`, the first `previewCount` values of each as text.
 */
export const decodeOutputs = readingOutputs(decodedOutputs);

/** Thrown for every failure: `kind` names it (the verifier's error kinds, or "trap", "hash", "abi"). */
export class VerifierError extends Error {
  constructor(kind, message, detail = {}) {
    super(message);
    this.name = "VerifierError";
    this.kind = kind;
    this.detail = detail;
  }
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(bytes) {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/**
 * Compiles the verifier. `options.sha256`, if given, must match the bytes (the hash approved in
 * the registry); a mismatch is refused before anything runs.
 */
export async function loadVerifier(wasmBytes, options = {}) {
  const bytes = wasmBytes instanceof Uint8Array ? wasmBytes : new Uint8Array(wasmBytes);
  const digest = await sha256Hex(bytes);
  if (options.sha256 && options.sha256.toLowerCase() !== digest) {
    throw new VerifierError("hash", `verifier sha256 is ${digest}, expected ${options.sha256}`);
  }
  await loadBindings();
  const module = await WebAssembly.compile(bytes);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) {
    throw new VerifierError("abi", `the verifier must import nothing, it imports ${imports.length}`);
  }
  return new Verifier(module, digest);
}

export class Verifier {
  constructor(module, sha256) {
    this.module = module;
    this.sha256 = sha256;
  }

  /**
   * Runs `model` (ONNX bytes) on `inputs` ([{ name, format, bytes }]). Each call gets a fresh
   * instance, so a trap or a leak cannot affect the next one. Returns { output_hash, receipt,
   * outputs: [{ name, dtype, shape }], encoding: Uint8Array }.
   */
  async verify(model, inputs, limits = {}) {
    // The model's hash goes into the receipt; WebCrypto computes it natively, as the wasmer host
    // does, rather than the artefact in wasm.
    const modelHash = await sha256Hex(model);
    let request;
    try {
      request = encodeVerifierRequest(this.sha256, modelHash, model, inputs, limits);
    } catch (e) {
      throw new VerifierError("request", e.message);
    }
    // Asynchronous: browsers refuse to instantiate a module this large synchronously.
    const instance = await WebAssembly.instantiate(this.module, {});
    const e = instance.exports;
    let status;
    try {
      const ptr = e.poi_alloc(request.length);
      new Uint8Array(e.memory.buffer, ptr, request.length).set(request);
      status = e.poi_verify(ptr, request.length);
    } catch (err) {
      throw new VerifierError("trap", `the verifier trapped: ${err.message}`);
    }
    if (status === 2) throw new VerifierError("abi", "malformed call");
    const read = (p, l) => new Uint8Array(e.memory.buffer, p(), l()).slice();
    const result = JSON.parse(new TextDecoder().decode(read(e.poi_result_ptr, e.poi_result_len)));
    if (!result.ok) throw new VerifierError(result.error.kind, result.error.message, result.error);
    return {
      output_hash: result.output_hash,
      receipt: result.receipt,
      outputs: result.outputs,
      encoding: read(e.poi_output_ptr, e.poi_output_len),
    };
  }
}
