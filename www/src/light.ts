// The page's connection to a chain: the Rust light client (built with wasm-bindgen into
// ../light-client/), started from the person's checkpoint or resumed from localStorage, synced
// before every read. Verification, proofs and witness cross-checks all happen in Rust; this only
// decides when to call it.

import init, { LightClient } from "../light-client/poi_light_client.js";
import { failure } from "./errors";
import type { Summary } from "./records";
import { type NetworkEntry, type Trust, trustedStateKey } from "./settings";

let bindings: Promise<unknown> | undefined;
export function loadBindings(): Promise<unknown> {
  bindings ??= init();
  return bindings;
}

export interface Synced {
  client: LightClient;
  summary: Summary;
}

export class ChainSession {
  private client?: LightClient;
  private syncing?: Promise<Synced>;

  constructor(
    readonly network: NetworkEntry,
    readonly trust: Trust,
    private readonly onVerified: (summary: Summary) => void,
  ) {}

  /** The contracts' addresses on this network. */
  contracts(): { registry: string; consensus: string } {
    const contracts = this.network.contracts;
    if (!contracts) {
      throw failure(
        "Config",
        `no poi contracts are recorded for ${this.network.name}: deploy them with \`poi deploy --network ${this.network.name}\``,
      );
    }
    return contracts;
  }

  private async open(): Promise<LightClient> {
    await loadBindings();
    const key = trustedStateKey(this.network.name, this.trust.rpc);
    const restored = LightClient.restore(key);
    if (restored) return restored;
    const checkpoint = this.trust.checkpoint;
    if (!checkpoint) {
      throw failure(
        "Config",
        "no trusted checkpoint yet: give a height and header hash under Network & trust",
      );
    }
    return LightClient.fromCheckpoint(
      this.trust.rpc,
      this.trust.witnesses,
      checkpoint.height,
      checkpoint.hash,
      this.network.chain_id,
      key,
    );
  }

  /** Verifies headers up to the chain's latest, once at a time however many views ask. */
  synced(): Promise<Synced> {
    this.syncing ??= (async () => {
      try {
        this.client ??= await this.open();
        await this.client.sync();
        const summary = this.client.summary as Summary;
        this.onVerified(summary);
        return { client: this.client, summary };
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }
}
