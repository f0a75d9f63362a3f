// How a run is shown: reproduced or mismatch, the two hashes side by side, each output's shape and
// first values, and the time the run took.

import type { RunResult } from "../runner";
import { badge, h, hash, table } from "../ui";

export function runResult(result: RunResult, expected: string | undefined, totalMs: number): HTMLElement {
  const outputs = table(
    ["output", "type", "shape", "first values"],
    result.outputs.map((o) => [
      h("code", { class: "name" }, o.name),
      o.dtype,
      h("span", { class: "nowrap" }, `[${o.shape.join(" × ")}]`),
      h("code", {}, o.preview.join(", ") + (o.elements > o.preview.length ? ", …" : "")),
    ]),
  );
  const timing = h(
    "p",
    { class: "timing" },
    `Inference took ${(result.ms / 1000).toFixed(2)} s in this browser (${(totalMs / 1000).toFixed(2)} s with downloads and checks; verifier `,
    h("code", {}, `${result.verifier_sha256.slice(0, 16)}…`),
    ").",
  );
  if (!expected) {
    return h(
      "div",
      {
        class: "notice",
        role: "status",
        "data-verdict": "computed",
        "data-output-hash": result.output_hash,
        "data-ms": result.ms,
      },
      h("p", { class: "verdict" }, "Output hash computed"),
      h("div", { class: "compare" }, h("span", {}, "computed"), hash(result.output_hash)),
      h("div", { class: "compare" }, h("span", {}, "receipt"), hash(result.receipt)),
      outputs,
      timing,
    );
  }
  const same = expected.toLowerCase() === result.output_hash;
  return h(
    "div",
    {
      class: `notice ${same ? "good" : "error"}`,
      role: "status",
      "data-verdict": same ? "reproduced" : "mismatch",
      "data-output-hash": result.output_hash,
      "data-ms": result.ms,
    },
    h(
      "p",
      { class: "verdict" },
      badge(same ? "reproduced" : "mismatch"),
      " ",
      same
        ? "This browser computed the committed output hash."
        : "This browser computed a different output hash than the one committed.",
    ),
    h(
      "div",
      { class: "compare" },
      h("span", {}, "committed"),
      hash(expected.toLowerCase()),
      h("span", {}, "recomputed"),
      hash(result.output_hash),
      h("span", {}, "receipt"),
      hash(result.receipt),
    ),
    outputs,
    timing,
  );
}
