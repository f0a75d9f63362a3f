// The artefact in headless Chromium through the browser app (www/dist, `make www`): its "Check
// files" view runs each model in the app's verifier Web Worker, which times the call Node's
// benchmark times (instantiate, prepare, run). Median milliseconds of RUNS runs, as JSON lines.
// Usage: node verifier-chromium.mjs MANIFEST RUNS
import { readFileSync } from "node:fs";
import { basename } from "node:path";

import { checkFiles, file, launchChromium, openCheckFiles, serveApp } from "../../tests/browser/harness.mjs";

const [manifestPath, runsArg] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const runs = Number(runsArg);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const app = await serveApp();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await openCheckFiles(page, app.url);
  for (const entry of manifest) {
    const inputs = entry.inputs.map((i) => file(basename(i.npy), readFileSync(i.npy)));
    const names = entry.inputs.map((i) => i.name);
    const times = [];
    // Run 0 is untimed (see scripts/bench-verifier.sh): a fresh page compiles and tiers up.
    for (let r = 0; r <= runs; r++) {
      const run = await checkFiles(page, entry.model, inputs, { names });
      if (!run.hash) throw new Error(`${entry.case}: ${run.error}`);
      if (r > 0) times.push(run.ms);
    }
    console.log(JSON.stringify({ engine: "artefact-chromium", case: entry.case, ms: median(times) }));
  }
} finally {
  await browser.close();
  app.close();
}
