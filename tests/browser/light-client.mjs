// The page's light client in headless Chromium against the local chain: from a checkpoint, verify
// the headers, prove the claim and its ballots, re-run the model in the page and reproduce the
// committed output hash; then the same page pointed at a server that tampers with proven values
// must refuse. Run by tests/e2e/light-client.sh, which sets up the chain, the claim and the
// servers and passes them in the environment.
import { join } from "node:path";

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const cache = process.env.POI_CACHE ?? join(process.env.HOME, ".cache/poi");
const { chromium } = await import(join(cache, "node/node_modules/playwright-core/index.mjs"));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});

async function checkClaim(rpc) {
  const page = await browser.newPage();
  await page.goto(`${env("PAGE")}/www/index.html`);
  await page.fill("#rpc", rpc);
  await page.fill("#witness", env("WITNESS"));
  await page.fill("#trust-height", env("TRUST_HEIGHT"));
  await page.fill("#trust-hash", env("TRUST_HASH"));
  await page.fill("#consensus", env("CONSENSUS"));
  await page.fill("#registry", env("REGISTRY"));
  await page.fill("#claim-id", env("CLAIM"));
  await page.click("#check");
  await page.waitForFunction(() => {
    const out = document.getElementById("claim-result");
    return out.className === "good" || out.className === "bad";
  }, null, { timeout: 180_000 });
  const result = { ok: await page.getAttribute("#claim-result", "class"), text: await page.textContent("#claim-result") };
  await page.close();
  return result;
}

let failed = false;
const honest = await checkClaim(env("RPC"));
if (honest.ok === "good" && honest.text.includes("reproduced: this page computed the committed output hash")
    && honest.text.includes("final, verdict accepted")) {
  console.log(`browser: ok: Chromium verified the headers, proved claim ${env("CLAIM")} and reproduced its output hash`);
} else {
  console.error(`browser: FAIL: honest server:\n${honest.text}`);
  failed = true;
}

const lying = await checkClaim(env("LYING_RPC"));
if (lying.ok === "bad" && lying.text.startsWith("Proof:")) {
  console.log(`browser: ok: a tampered value is refused in the page (${lying.text.split("\n")[0]})`);
} else {
  console.error(`browser: FAIL: tampering server:\n${lying.text}`);
  failed = true;
}
await browser.close();
process.exit(failed ? 1 : 0);
