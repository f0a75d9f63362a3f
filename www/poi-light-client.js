// poi's light client in the browser: it trusts one checkpoint (a height and header hash from a
// source you trust), verifies every later header it uses from there, proves contract records
// against the verified app hash, and re-runs claims with poi_verifier.js. The verification is the
// Rust crate `poi-light-client`, built with wasm-bindgen into ./light-client/ by `make wasm`;
// this module only fetches. A plain ES module: no bundler.
//
//   import { LightClient, recheckClaim } from "./poi-light-client.js";
//   const lc = await LightClient.fromCheckpoint({ rpc, height, hash });
//   await lc.sync();
//   const { claim, rounds } = await lc.claim(consensusAddress, 1);
import init, * as wasm from "./light-client/poi_light_client.js";
import { loadVerifier, sha256Hex } from "./poi-verifier.js";

/** A failure with the Rust error's kind: BadSignature, Fork, Proof, TrustExpired, … */
export class LightClientError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// Rust errors arrive as `Kind: message`.
function rethrow(e) {
  const match = /^([A-Za-z]+): (.*)$/s.exec(e?.message ?? "");
  throw match ? new LightClientError(match[1], match[2]) : e;
}
const call = (f) => { try { return f(); } catch (e) { rethrow(e); } };

let ready;
/** Loads the wasm module once; `source` defaults to the file next to the bindings. */
export function loadLightClient(source) {
  ready ??= init(source === undefined ? undefined : { module_or_path: source });
  return ready;
}

const MAX_PAGES = 100;

async function rpcText(url, method, params) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  if (!response.ok) throw new LightClientError("Rpc", `${url}: HTTP ${response.status}`);
  return response.text();
}

async function validatorPages(url, height) {
  const pages = [];
  let seen = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const text = await rpcText(url, "validators", { height: String(height), page: String(page), per_page: "100" });
    pages.push(JSON.parse(text));
    const result = pages.at(-1).result;
    if (!result) break;
    seen += result.validators.length;
    if (seen >= Number(result.total) || result.validators.length === 0) break;
  }
  return JSON.stringify(pages);
}

/** The light block at `height` from `url`, unverified. */
export async function fetchLightBlock(url, height) {
  const commit = await rpcText(url, "commit", { height: String(height) });
  const [validators, next] = await Promise.all([validatorPages(url, height), validatorPages(url, height + 1)]);
  return call(() => wasm.lightBlockFromRpc(commit, validators, next));
}

async function latestHeight(url) {
  const status = JSON.parse(await rpcText(url, "status", {}));
  return Number(status.result.sync_info.latest_block_height);
}

export class LightClient {
  #state;
  #storageKey;

  constructor(state, storageKey) {
    this.#state = state;
    this.#storageKey = storageKey;
  }

  /** Starts from a checkpoint; every witness must have the same header there. */
  static async fromCheckpoint({ rpc, witnesses = [], height, hash, chainId, options, storageKey }) {
    await loadLightClient();
    const block = await fetchLightBlock(rpc, height);
    const state = call(() => wasm.trustCheckpoint(block, hash, chainId, options && JSON.stringify(options), rpc, witnesses));
    const client = new LightClient(state, storageKey);
    await client.#crossCheck(block, height);
    client.#save();
    return client;
  }

  /** Resumes from localStorage, or returns null. */
  static async restore(storageKey) {
    await loadLightClient();
    const state = globalThis.localStorage?.getItem(storageKey);
    return state ? new LightClient(state, storageKey) : null;
  }

  /** chain_id, height, header_hash, app_hash, read_height, primary, witnesses. */
  get summary() {
    return JSON.parse(call(() => wasm.describeState(this.#state)));
  }

  #save() {
    if (this.#storageKey) globalThis.localStorage?.setItem(this.#storageKey, this.#state);
  }

  // Every witness must have the verified header at its height; a different one is a fork.
  async #crossCheck(block, height) {
    const ours = call(() => wasm.headerHash(block));
    for (const witness of this.summary.witnesses) {
      const theirs = await fetchLightBlock(witness, height);
      const hash = call(() => wasm.headerHash(theirs));
      if (hash !== ours) {
        throw new LightClientError("Fork", `fork detected at height ${height}: the primary's header is ${ours}, witness ${witness} has ${hash}`);
      }
    }
  }

  /** Verifies up to the latest header (or `target`), bisecting where it cannot skip. */
  async sync(target) {
    const { primary, height: from } = this.summary;
    target ??= await latestHeight(primary);
    if (target <= from) return this.summary;
    let state = this.#state;
    const pending = [await fetchLightBlock(primary, target)];
    const verified = [];
    while (pending.length) {
      const result = JSON.parse(call(() => wasm.verifyHeader(state, pending.at(-1), Date.now())));
      if (result.status === "verified") {
        state = JSON.stringify(result.state);
        verified.push(pending.pop());
      } else {
        pending.push(await fetchLightBlock(primary, result.pivot));
      }
    }
    await this.#crossCheck(verified.at(-1), target);
    this.#state = state;
    this.#save();
    return { ...this.summary, from_height: from };
  }

  /** A record proven at the height below the trusted header: `{record, proof}`. */
  async record(contract, kind, id, round, operator) {
    const key = call(() => wasm.recordStoreKey(contract, kind, String(id), round, operator));
    const height = this.summary.read_height;
    const reply = await rpcText(this.summary.primary, "abci_query", {
      path: "/store/wasm/key", data: key, height: String(height), prove: true,
    });
    return JSON.parse(call(() => wasm.proveRecord(this.#state, contract, kind, String(id), round, operator, reply)));
  }

  async #required(contract, kind, id, round, operator) {
    const { record, proof } = await this.record(contract, kind, id, round, operator);
    if (record === null) throw new LightClientError("NotFound", `${kind} ${id} does not exist (absence proven at height ${proof.height})`);
    return { record, proof };
  }

  async asset(registry, id) {
    const { record, proof } = await this.#required(registry, "asset", id);
    return { asset: record, proof };
  }

  async verifier(registry, hash) {
    const { record, proof } = await this.#required(registry, "verifier", hash.toLowerCase());
    return { verifier: record, proof };
  }

  /** The claim with each round's committee and ballots (`null`: proven never committed). */
  async claim(consensus, id) {
    const { record: claim, proof } = await this.#required(consensus, "claim", id);
    const rounds = [];
    for (const round of claim.rounds) {
      const { record: committee } = await this.#required(consensus, "committee", id, round.number);
      const ballots = [];
      for (const member of committee) {
        const { record } = await this.record(consensus, "ballot", id, round.number, member.operator);
        ballots.push([member.operator, record]);
      }
      rounds.push({ number: round.number, committee, ballots });
    }
    return { claim, rounds, proof };
  }
}


async function fetchChecked(uri, sha256, what) {
  const response = await fetch(uri);
  if (!response.ok) throw new LightClientError("Recheck", `${what}: ${uri}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const actual = await sha256Hex(bytes);
  if (actual !== sha256.toLowerCase()) {
    throw new LightClientError("Recheck", `the ${what} fetched hashes to ${actual}, but the claim commits to ${sha256}`);
  }
  return bytes;
}

/**
 * Re-runs a proven claim in this page: model (by the proven asset's URI) and inputs are fetched
 * and hash-checked, and `verifierWasm` — whose sha256 must be the claim's verifier hash — runs
 * them. Resolves to `{reproduced, committed_output_hash, recomputed_output_hash, receipt}`.
 */
export async function recheckClaim(client, { consensus, registry, id, verifierWasm }) {
  const { claim } = await client.claim(consensus, id);
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
