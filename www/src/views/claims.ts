// The claims list: one page of recent claims, newest first, all proven at one verified height.

import type { ChainSession } from "../light";
import type { VerifiedClaims } from "../records";
import { badge, h, show, table } from "../ui";

export const PAGE_SIZE = 10;

export async function claimsView(main: HTMLElement, session: ChainSession, before?: number): Promise<void> {
  const title = h("h1", {}, `Claims on ${session.network.name}`);
  show(main, title, h("p", { role: "status" }, "Verifying headers and proving the claims…"));
  const { consensus } = session.contracts();
  const { client, summary } = await session.synced();
  const page = (await client.claims(consensus, before, PAGE_SIZE)) as VerifiedClaims;
  const caption = `${page.claims.length} of ${page.total} claims, proven at height ${page.proof.height} against app hash ${page.proof.app_hash.slice(0, 12)}… of the header verified at ${summary.height}`;
  const rows = page.claims.map((c) => [
    h("a", { href: `#/claims/${c.id}` }, `claim ${c.id}`),
    badge(c.status, "status"),
    c.verdict ? badge(c.verdict) : "—",
    `model ${c.model_id}`,
    String(c.submitted_height),
    h("span", { class: "proven" }, `✓ proven at ${page.proof.height}`),
  ]);
  const pager = h(
    "nav",
    { class: "pager", "aria-label": "Pages of claims" },
    before !== undefined ? h("a", { href: "#/claims" }, "Newest claims") : null,
    page.next_before !== null
      ? h("a", { href: `#/claims?before=${page.next_before}` }, "Older claims")
      : null,
  );
  show(
    main,
    title,
    page.total === 0
      ? h("p", {}, `No claims yet (the claim counter is proven at height ${page.proof.height}).`)
      : table(["claim", "status", "verdict", "model", "submitted at", "proof"], rows, caption),
    pager,
  );
}
