// "Network & trust": which network, which RPC server and witnesses, and the one header the page
// trusts (height and hash, from a source the person trusts). Saved per network, in this browser.

import { describe } from "../errors";
import type { ChainSession } from "../light";
import {
  chooseNetwork,
  type Directory,
  type NetworkEntry,
  parseCheckpoint,
  saveTrust,
  type Trust,
} from "../settings";
import { errorBox, facts, h, hash, show } from "../ui";

export function trustView(
  main: HTMLElement,
  directory: Directory | undefined,
  network: NetworkEntry | undefined,
  trust: Trust | undefined,
  reconnect: () => ChainSession | undefined,
): void {
  const result = h("div", { id: "trust-result", "aria-live": "polite" });
  if (!directory || !network || !trust) {
    show(
      main,
      h("h1", {}, "Network & trust"),
      h(
        "p",
        {},
        "No networks.json was found next to this page, so no network can be chosen; Check files still works.",
      ),
    );
    return;
  }
  const select = h(
    "select",
    { id: "network" },
    ...directory.networks.map((n) =>
      h("option", { value: n.name, selected: n.name === network.name }, `${n.name} (${n.chain_id})`),
    ),
  ) as HTMLSelectElement;
  select.addEventListener("change", () => {
    chooseNetwork(select.value);
    location.reload();
  });
  const rpc = h("input", {
    type: "text",
    id: "rpc",
    value: trust.rpc,
    spellcheck: "false",
  }) as HTMLInputElement;
  const witnesses = h("textarea", { id: "witnesses", rows: 2, spellcheck: "false" }) as HTMLTextAreaElement;
  witnesses.value = trust.witnesses.join("\n");
  const height = h("input", {
    type: "text",
    inputmode: "numeric",
    id: "trust-height",
    value: trust.checkpoint?.height ?? "",
  }) as HTMLInputElement;
  const headerHash = h("input", {
    type: "text",
    id: "trust-hash",
    value: trust.checkpoint?.hash ?? "",
    spellcheck: "false",
  }) as HTMLInputElement;

  const form = h(
    "form",
    { class: "stack", id: "trust-form" },
    h("label", { for: "network" }, "Network"),
    select,
    h("p", { class: "hint" }, network.notes || ""),
    h("label", { for: "rpc" }, "CometBFT RPC server"),
    h("span", { class: "hint" }, "Not trusted: every header it sends is verified, every record proven."),
    rpc,
    h("label", { for: "witnesses" }, "Witnesses, one URL per line (optional)"),
    h(
      "span",
      { class: "hint" },
      "Other servers of the same chain; a different header there is reported as a fork.",
    ),
    witnesses,
    h("label", { for: "trust-height" }, "Checkpoint height"),
    height,
    h("label", { for: "trust-hash" }, "Checkpoint header hash"),
    h(
      "span",
      { class: "hint" },
      "Take it from a source you trust: your own node, a friend, a block explorer you trust.",
    ),
    headerHash,
    h("button", { type: "submit" }, "Save and verify"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const checkpoint = parseCheckpoint(`${height.value}:${headerHash.value}`);
    if (!checkpoint) {
      result.replaceChildren(
        errorBox({
          kind: "Input",
          title: "The checkpoint is not valid",
          message: "give a positive height and a 64-hex-character header hash",
        }),
      );
      return;
    }
    saveTrust(network, {
      rpc: rpc.value.trim(),
      witnesses: witnesses.value.split(/\s+/).filter(Boolean),
      checkpoint,
    });
    result.replaceChildren(h("p", { role: "status" }, "Verifying headers from the checkpoint…"));
    try {
      const session = reconnect();
      if (!session) return;
      const { summary } = await session.synced();
      result.replaceChildren(
        h(
          "div",
          { class: "notice good", role: "status" },
          h("p", {}, `${summary.chain_id} verified at height ${summary.height}.`),
          facts([
            ["header hash", hash(summary.header_hash)],
            ["app hash", hash(summary.app_hash)],
            ["time", summary.time],
          ]),
        ),
      );
    } catch (e) {
      result.replaceChildren(errorBox(describe(e)));
    }
  });
  show(main, h("h1", {}, "Network & trust"), form, result);
}
