// Which network the page talks to and what it trusts there: the networks come from networks.json
// (written by `poi www serve` from the same networks.toml the CLI reads); the RPC, witnesses and
// checkpoint are the person's, editable and remembered in localStorage per network.

import { failure } from "./errors";

export interface NetworkEntry {
  name: string;
  chain_id: string;
  rpc: string;
  notes: string;
  contracts: { registry: string; consensus: string; staking: string } | null;
}

export interface Directory {
  default: string;
  networks: NetworkEntry[];
}

export interface Checkpoint {
  height: number;
  hash: string;
}

export interface Trust {
  rpc: string;
  witnesses: string[];
  checkpoint: Checkpoint | null;
}

const chosenKey = "poi:network";
const trustKey = (network: string) => `poi:trust-settings:${network}`;
/** Where the light client keeps the verified header for one network and RPC. */
export const trustedStateKey = (network: string, rpc: string) => `poi:trusted-state:${network}:${rpc}`;

export async function loadDirectory(): Promise<Directory> {
  let response: Response;
  try {
    response = await fetch("networks.json", { cache: "no-cache" });
  } catch (e) {
    throw failure("Config", `networks.json could not be loaded: ${(e as Error).message}`);
  }
  if (!response.ok) {
    throw failure("Config", `networks.json: HTTP ${response.status} (serve the app with \`poi www serve\`)`);
  }
  const directory = (await response.json()) as Directory;
  if (!Array.isArray(directory.networks) || directory.networks.length === 0) {
    throw failure("Config", "networks.json lists no networks");
  }
  return directory;
}

export function chosenNetwork(directory: Directory): NetworkEntry {
  const wanted = new URLSearchParams(location.search).get("network") ?? localStorage.getItem(chosenKey);
  return (
    directory.networks.find((n) => n.name === wanted) ??
    directory.networks.find((n) => n.name === directory.default) ??
    directory.networks[0]
  );
}

export function chooseNetwork(name: string): void {
  localStorage.setItem(chosenKey, name);
}

/** `HEIGHT:HASH`, as the demo prints it and the address may carry it. */
export function parseCheckpoint(text: string): Checkpoint | null {
  const match = /^\s*(\d+)\s*[:/ ]\s*([0-9a-fA-F]{64})\s*$/.exec(text);
  if (!match) return null;
  const height = Number(match[1]);
  return height > 0 && Number.isSafeInteger(height) ? { height, hash: match[2].toUpperCase() } : null;
}

export function loadTrust(network: NetworkEntry): Trust {
  const saved = localStorage.getItem(trustKey(network.name));
  const trust: Trust = saved ? JSON.parse(saved) : { rpc: network.rpc, witnesses: [], checkpoint: null };
  // A checkpoint in the address (`?checkpoint=HEIGHT:HASH`) is taken, and remembered.
  const given = new URLSearchParams(location.search).get("checkpoint");
  const checkpoint = given ? parseCheckpoint(given) : null;
  if (
    checkpoint &&
    (checkpoint.height !== trust.checkpoint?.height || checkpoint.hash !== trust.checkpoint?.hash)
  ) {
    saveTrust(network, { ...trust, checkpoint });
    return { ...trust, checkpoint };
  }
  return trust;
}

/** Saves new settings; a changed RPC or checkpoint starts the light client again from it. */
export function saveTrust(network: NetworkEntry, trust: Trust): void {
  const before = localStorage.getItem(trustKey(network.name));
  const old: Trust | null = before ? JSON.parse(before) : null;
  if (
    !old ||
    old.rpc !== trust.rpc ||
    old.checkpoint?.height !== trust.checkpoint?.height ||
    old.checkpoint?.hash !== trust.checkpoint?.hash ||
    old.witnesses.join(" ") !== trust.witnesses.join(" ")
  ) {
    localStorage.removeItem(trustedStateKey(network.name, old?.rpc ?? trust.rpc));
    localStorage.removeItem(trustedStateKey(network.name, trust.rpc));
  }
  localStorage.setItem(trustKey(network.name), JSON.stringify(trust));
}
