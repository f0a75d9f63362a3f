// The app: a hash router over four views. Every view reads the chain only through the light
// client session, so what it shows is verified or it is an error naming what failed.

import { describe } from "./errors";
import { ChainSession } from "./light";
import type { Summary } from "./records";
import {
  chooseNetwork,
  chosenNetwork,
  type Directory,
  loadDirectory,
  loadTrust,
  type NetworkEntry,
  type Trust,
} from "./settings";
import { errorBox, h } from "./ui";
import { checkView } from "./views/check";
import { claimView } from "./views/claim";
import { claimsView } from "./views/claims";
import { trustView } from "./views/trust";

const main = document.getElementById("main") as HTMLElement;
const status = document.getElementById("trust-status") as HTMLElement;

let directory: Directory | undefined;
let network: NetworkEntry | undefined;
let trust: Trust | undefined;
let session: ChainSession | undefined;
let directoryError: unknown;

function verified(summary: Summary): void {
  status.textContent = `${network?.name}: ${summary.chain_id} verified at height ${summary.height}`;
  status.dataset.height = String(summary.height);
}

function connect(): ChainSession | undefined {
  if (!directory) return undefined;
  network = chosenNetwork(directory);
  trust = loadTrust(network);
  session = new ChainSession(network, trust, verified);
  status.textContent = `${network.name}: not verified yet`;
  return session;
}

function chain(): ChainSession {
  if (session) return session;
  throw directoryError ?? new Error("no network");
}

async function route(): Promise<void> {
  const [path, query] = (location.hash.replace(/^#/, "") || "/claims").split("?");
  const params = new URLSearchParams(query ?? "");
  const section = path.split("/")[1] ?? "claims";
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    const current = link.getAttribute("href") === `#/${section}`;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    const claim = /^\/claims\/(\d+)$/.exec(path);
    if (claim) {
      await claimView(main, chain(), Number(claim[1]));
    } else if (section === "check") {
      await checkView(main, () => session);
    } else if (section === "trust") {
      trustView(main, directory, network, trust, connect);
    } else {
      const before = params.get("before");
      await claimsView(main, chain(), before ? Number(before) : undefined);
    }
  } catch (e) {
    // The view's heading stays; the failure replaces its loading line.
    main.querySelector("[role=status]")?.remove();
    const failure = describe(e);
    main.append(errorBox(failure));
    if (
      failure.kind === "Config" ||
      failure.kind === "TrustHashMismatch" ||
      failure.kind === "TrustExpired"
    ) {
      main.append(h("p", {}, h("a", { href: "#/trust" }, "Set the network and checkpoint")));
    }
  }
}

try {
  directory = await loadDirectory();
  connect();
  // The address's network and checkpoint are taken once and remembered; later edits win.
  if (location.search && network) {
    chooseNetwork(network.name);
    history.replaceState(null, "", `${location.pathname}${location.hash}`);
  }
} catch (e) {
  directoryError = e;
  status.textContent = "no network configured";
}
window.addEventListener("hashchange", () => void route());
await route();
