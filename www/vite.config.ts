// `make www`: the app, built into dist/ (a static folder: `poi www serve` or any static host).
// The verifier artefact is copied in beside it, so the page can re-run a claim with no other
// server; whatever it loads is checked against the claim's verifier hash anyway.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const artefact = fileURLToPath(new URL("../artifacts/poi_verifier.wasm", import.meta.url));

function verifierArtefact(): Plugin {
  return {
    name: "poi-verifier-artefact",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "poi_verifier.wasm", source: readFileSync(artefact) });
    },
  };
}

export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096 },
  worker: { format: "es" },
  plugins: [verifierArtefact()],
});
