// A claim page: the claim, its model with lineage, inputs, committed output, every round's
// committee and ballots — each proven against the verified app hash — and the re-run in this
// browser.

import { describe } from "../errors";
import type { ChainSession } from "../light";
import {
  type Asset,
  type Claim,
  type Settlement,
  type VerifiedAsset,
  type VerifiedClaim,
  type VerifiedRound,
  type VerifiedVerifier,
  votedHash,
} from "../records";
import { bundledVerifier, download, type RunInput, VerifierWorker } from "../runner";
import { badge, bytes, errorBox, facts, h, hash, show, table } from "../ui";
import { runResult } from "./result";

/** How far up the lineage the page proves parents (the registry's own depth limit). */
const LINEAGE_DEPTH = 4;

interface Lineage {
  asset: Asset;
  weight_bps: number;
  depth: number;
}

async function lineage(read: (id: number) => Promise<VerifiedAsset>, model: Asset): Promise<Lineage[]> {
  const found: Lineage[] = [];
  const seen = new Set([model.id]);
  let level = model.parents.map((p) => ({ ...p, depth: 1 }));
  while (level.length > 0) {
    const next: typeof level = [];
    for (const parent of level) {
      if (seen.has(parent.asset_id) || parent.depth > LINEAGE_DEPTH) continue;
      seen.add(parent.asset_id);
      const { asset } = await read(parent.asset_id);
      found.push({ asset, weight_bps: parent.weight_bps, depth: parent.depth });
      next.push(...asset.parents.map((p) => ({ ...p, depth: parent.depth + 1 })));
    }
    level = next;
  }
  return found;
}

function percent(bps: number): string {
  return `${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 2)}%`;
}

const reasons: Record<string, string> = {
  voter_reward: "reward, to a voter on the verdict's side",
  forfeit_to_voters: "forfeited bond, to the voters on the verdict's side",
  forfeit: "forfeited bond, to the forfeit destination",
  refund: "back to the claimant",
  dispute_bond_returned: "dispute bond, back to the disputer",
};

function settlementSection(claim: Claim, settlement: Settlement | null, provenAt: number): HTMLElement {
  const heading = h("h2", { id: "settlement" }, "Payouts and slashes");
  if (!settlement) {
    return h(
      "section",
      { "aria-labelledby": "settlement" },
      heading,
      h(
        "p",
        {},
        claim.status === "final"
          ? `No settlement record is stored for this claim (proven absent at height ${provenAt}): it was settled by an earlier contract version.`
          : `Nothing is paid or slashed until the claim is final (its settlement is proven absent at height ${provenAt}).`,
      ),
    );
  }
  const transfers = table(
    ["to", "amount", "why"],
    settlement.transfers.map((t) => [
      t.to ? h("code", {}, t.to) : "burned",
      t.amount,
      typeof t.reason === "string"
        ? reasons[t.reason]
        : `model fee, for asset ${t.reason.model_fee.asset_id}`,
    ]),
  );
  const slashes =
    settlement.slashes.length === 0
      ? h("p", {}, "Nobody was slashed.")
      : table(
          ["operator", "round", "slash", "why"],
          settlement.slashes.map((o) => [
            h("code", {}, o.operator),
            String(o.round),
            o.refused
              ? `${percent(o.bps)} ordered, refused by staking (stake no longer at risk)`
              : percent(o.bps),
            o.reason,
          ]),
        );
  return h(
    "section",
    { "aria-labelledby": "settlement" },
    heading,
    h("p", {}, `Settled at height ${settlement.height}, verdict ${settlement.verdict}.`),
    transfers,
    h("h3", {}, "Slashes"),
    slashes,
  );
}

function roundSection(claim: Claim, round: VerifiedRound): HTMLElement {
  const stored = claim.rounds.find((r) => r.number === round.number);
  const rows = round.ballots.map(([operator, ballot]) => {
    const member = round.committee.find((m) => m.operator === operator);
    let vote: Node | string = "no commitment";
    if (ballot?.vote) {
      const voted = votedHash(ballot.vote);
      const agrees =
        "exact" in ballot.vote ? voted === claim.output.output_hash : ballot.vote.tolerance.accept;
      vote = h(
        "span",
        {},
        badge(agrees ? "agrees" : "disagrees", agrees ? "accepted" : "rejected"),
        " ",
        hash(voted),
      );
    } else if (ballot?.commitment) {
      vote = "committed, never revealed";
    }
    return [h("code", {}, operator), member?.stake ?? "", vote];
  });
  return h(
    "section",
    { class: "round", "aria-labelledby": `round-${round.number}` },
    h(
      "h2",
      { id: `round-${round.number}` },
      round.number === 1 ? "Round 1" : `Round ${round.number} (dispute)`,
    ),
    stored
      ? facts([
          ["verdict", stored.verdict ? badge(stored.verdict) : "not yet"],
          [
            "stake",
            `${stored.agree_stake} agree · ${stored.disagree_stake} disagree · ${stored.committee_stake} in the committee`,
          ],
          [
            "windows",
            `commit ${stored.start_height}–${stored.commit_end}, reveal to ${stored.reveal_end}${stored.ended_height ? `, ended at ${stored.ended_height}` : ""}`,
          ],
          ["stake read at", `height ${stored.snapshot_height}`],
        ])
      : null,
    table(["operator", "stake", "ballot"], rows),
  );
}

export async function claimView(main: HTMLElement, session: ChainSession, id: number): Promise<void> {
  const title = h("h1", {}, `Claim ${id}`);
  show(main, title, h("p", { role: "status" }, "Verifying headers and proving the claim…"));
  const { consensus, registry } = session.contracts();
  const { client, summary } = await session.synced();
  const proven = (await client.claim(consensus, id)) as VerifiedClaim;
  const { claim, proof } = proven;
  const model = (await client.asset(registry, claim.model_id)) as VerifiedAsset;
  const parents = await lineage((a) => client.asset(registry, a) as Promise<VerifiedAsset>, model.asset);

  const provenLine = h(
    "p",
    { class: "proven", "data-proven-height": proof.height },
    `✓ Every record below is proven at height ${proof.height} against app hash ${proof.app_hash}, from the header verified at height ${summary.height}.`,
  );
  const overview = facts([
    ["status", badge(claim.status, "status")],
    ["verdict", claim.verdict ? badge(claim.verdict) : "not yet"],
    ["claimant", h("code", {}, claim.claimant)],
    ["submitted at", `height ${claim.submitted_height}`],
    ["fee", `price ${claim.price}, reward ${claim.reward}, claimant's bond ${claim.bond}`],
    [
      "policy",
      claim.tolerance ? "tolerance (values compared within bounds)" : "exact (output hashes compared)",
    ],
    [
      "auditor's seal",
      claim.seal
        ? claim.canary === null
          ? "sealed"
          : claim.canary
            ? "opened: a canary"
            : "opened: a genuine claim"
        : "none",
    ],
    [
      "dispute",
      claim.dispute
        ? `by ${claim.dispute.disputer} at height ${claim.dispute.height}, bond ${claim.dispute.bond}`
        : claim.dispute_end
          ? `none (window closed at ${claim.dispute_end})`
          : "none",
    ],
  ]);
  const modelFacts = facts([
    [
      "name",
      `${model.asset.metadata.name} (asset ${model.asset.id}, ${model.asset.metadata.license || "no licence given"})`,
    ],
    ["owner", h("code", {}, model.asset.owner)],
    ["content hash", hash(claim.model_hash)],
    ["served at", h("code", {}, model.asset.uri)],
    ["verifier", hash(claim.verifier_hash)],
    [
      "lineage",
      parents.length === 0
        ? "no parents"
        : h(
            "ul",
            {},
            ...parents.map((p) =>
              h(
                "li",
                {},
                `${"↳ ".repeat(p.depth - 1)}${p.asset.metadata.name} (${p.asset.kind} asset ${p.asset.id}, owner `,
                h("code", {}, p.asset.owner),
                `), owed ${percent(p.weight_bps)} of each fee`,
              ),
            ),
          ),
    ],
  ]);
  const inputs = table(
    ["input", "format", "sha256", "served at"],
    claim.inputs.map((i) => [h("code", {}, i.name), i.format, hash(i.sha256), h("code", {}, i.uri)]),
  );
  const rerun = rerunSection(session, claim, model.asset);

  show(
    main,
    title,
    provenLine,
    overview,
    h("h2", {}, "Model"),
    modelFacts,
    h("h2", {}, "Inputs"),
    inputs,
    h("h2", {}, "Committed output"),
    facts([
      ["output hash", hash(claim.output.output_hash)],
      [
        "outputs served at",
        claim.output.output_uri ? h("code", {}, claim.output.output_uri) : "not published",
      ],
    ]),
    ...proven.rounds.map((r) => roundSection(claim, r)),
    settlementSection(claim, proven.settlement, proof.height),
    rerun,
  );
}

function rerunSection(session: ChainSession, claim: Claim, model: Asset): HTMLElement {
  const status = h("div", { "aria-live": "polite" });
  const start = h("button", { type: "button", id: "rerun" }, "Re-run in this browser") as HTMLButtonElement;
  const cancel = h(
    "button",
    { type: "button", class: "secondary", id: "cancel", hidden: true },
    "Cancel",
  ) as HTMLButtonElement;
  let controller: AbortController | undefined;

  cancel.addEventListener("click", () => controller?.abort());
  start.addEventListener("click", async () => {
    controller = new AbortController();
    const signal = controller.signal;
    start.disabled = true;
    cancel.hidden = false;
    const started = performance.now();
    const worker = new VerifierWorker();
    const progressRows = h("div", {});
    const running = h("p", {});
    status.replaceChildren(progressRows, running);
    const tracker = (what: string) => {
      const bar = h("progress", { max: 100, value: 0, "aria-label": what }) as HTMLProgressElement;
      const text = h("span", {}, `${what}: starting…`);
      progressRows.append(h("div", { class: "progress-row" }, text, h("br", {}), bar));
      return (received: number, total: number | null) => {
        if (total) {
          bar.value = Math.round((100 * received) / total);
          text.textContent = `${what}: ${bytes(received)} of ${bytes(total)} (${bar.value}%)`;
        } else {
          bar.removeAttribute("value");
          text.textContent = `${what}: ${bytes(received)}`;
        }
      };
    };
    try {
      const { registry } = session.contracts();
      const { client } = await session.synced();
      const approved = (await client.verifier(registry, claim.verifier_hash)) as VerifiedVerifier;
      let verifier: ArrayBuffer;
      const uri = approved.verifier.uri;
      if (/^https?:\/\//.test(uri)) {
        verifier = await download("verifier", uri, claim.verifier_hash, tracker("verifier"), signal);
      } else {
        // A file:// or ipfs:// URI a page cannot fetch: the app's own copy, held to the same hash.
        tracker("verifier (the app's copy)")(0, null);
        verifier = await bundledVerifier();
      }
      const modelBytes = await download("model", model.uri, claim.model_hash, tracker("model"), signal);
      const inputs: RunInput[] = [];
      for (const input of claim.inputs) {
        const got = await download(
          `input ${input.name}`,
          input.uri,
          input.sha256,
          tracker(`input ${input.name}`),
          signal,
        );
        inputs.push({ name: input.name, format: input.format, bytes: got });
      }
      running.textContent = "Running the model in a Web Worker…";
      const result = await worker.run(
        { verifier, sha256: claim.verifier_hash, model: modelBytes, inputs },
        signal,
      );
      running.textContent = "";
      status.append(runResult(result, claim.output.output_hash, performance.now() - started));
      if (claim.tolerance) {
        status.append(
          h(
            "p",
            {},
            "This model's policy is tolerance: the committee compared output values within bounds, so a different hash alone does not make the claim wrong.",
          ),
        );
      }
    } catch (e) {
      running.textContent = "";
      status.append(errorBox(describe(e)));
    } finally {
      worker.terminate();
      start.disabled = false;
      cancel.hidden = true;
    }
  });

  return h(
    "section",
    { "aria-labelledby": "rerun-title" },
    h("h2", { id: "rerun-title" }, "Re-run in this browser"),
    h(
      "p",
      {},
      "Downloads the verifier, the model and the inputs, checks each against the hash the claim commits to, and runs the model here with the verifier operators ran.",
    ),
    start,
    cancel,
    status,
  );
}
