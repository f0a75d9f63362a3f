// "Check files": a model, its inputs and an expected output hash (or a claim id, read and proven
// from the chain), verified in this page. With a hash, nothing leaves the page and no network is
// needed once the page and its verifier are loaded.

import { inputFormatOf } from "../../light-client/poi_light_client.js";
import { describe, failure } from "../errors";
import { type ChainSession, loadBindings } from "../light";
import type { VerifiedClaim } from "../records";
import { bundledVerifier, type RunInput, VerifierWorker } from "../runner";
import { errorBox, h, show } from "../ui";
import { runResult } from "./result";

const HEX64 = /^[0-9a-fA-F]{64}$/;

export async function checkView(main: HTMLElement, session: () => ChainSession | undefined): Promise<void> {
  // Everything the run needs is loaded now, so the check works with the network off afterwards.
  const worker = { current: new VerifierWorker() };
  window.addEventListener("hashchange", () => worker.current.terminate(), { once: true });
  const verifierReady = bundledVerifier();
  await loadBindings();

  const model = h("input", {
    type: "file",
    id: "model",
    accept: ".onnx",
    "aria-describedby": "model-hint",
  }) as HTMLInputElement;
  const inputs = h("input", {
    type: "file",
    id: "inputs",
    multiple: true,
    "aria-describedby": "inputs-hint",
  }) as HTMLInputElement;
  const verifierFile = h("input", { type: "file", id: "verifier-file", accept: ".wasm" }) as HTMLInputElement;
  const verifierHash = h("input", {
    type: "text",
    id: "verifier-hash",
    spellcheck: "false",
    autocomplete: "off",
  }) as HTMLInputElement;
  const expected = h("input", {
    type: "text",
    id: "expected",
    spellcheck: "false",
    autocomplete: "off",
    "aria-describedby": "expected-hint",
  }) as HTMLInputElement;
  const run = h("button", { type: "submit", id: "check" }, "Verify") as HTMLButtonElement;
  const cancel = h(
    "button",
    { type: "button", class: "secondary", hidden: true },
    "Cancel",
  ) as HTMLButtonElement;
  const result = h("div", { id: "check-result", "aria-live": "polite" });
  // Each input's name in the model: the file's name without its extension unless edited (a name
  // such as gpu_0/data_0 cannot be a file name).
  const names = h("div", { id: "input-names" });
  const nameFields: HTMLInputElement[] = [];
  inputs.addEventListener("change", () => {
    nameFields.length = 0;
    names.replaceChildren(
      ...[...(inputs.files ?? [])].map((file, i) => {
        const field = h("input", {
          type: "text",
          id: `input-name-${i}`,
          value: file.name.replace(/\.[^.]+$/, ""),
          spellcheck: "false",
        }) as HTMLInputElement;
        nameFields.push(field);
        return h(
          "div",
          {},
          h("label", { for: `input-name-${i}` }, `Name in the model of ${file.name}`),
          field,
        );
      }),
    );
  });
  const drop = h(
    "div",
    { class: "notice", id: "drop" },
    "Or drop files here: a .onnx file is the model, a .wasm file the verifier, anything else an input.",
  );
  let controller: AbortController | undefined;

  drop.addEventListener("dragover", (e) => e.preventDefault());
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const files = [...(e.dataTransfer?.files ?? [])];
    const into = (input: HTMLInputElement, chosen: File[]) => {
      const list = new DataTransfer();
      for (const f of chosen) list.items.add(f);
      input.files = list.files;
      input.dispatchEvent(new Event("change"));
    };
    const onnx = files.filter((f) => f.name.endsWith(".onnx"));
    const wasm = files.filter((f) => f.name.endsWith(".wasm"));
    if (onnx.length) into(model, onnx.slice(0, 1));
    if (wasm.length) into(verifierFile, wasm.slice(0, 1));
    const rest = files.filter((f) => !onnx.includes(f) && !wasm.includes(f));
    if (rest.length) into(inputs, rest);
  });

  const form = h(
    "form",
    { class: "stack", id: "check-form" },
    h("label", { for: "model" }, "Model (.onnx)"),
    h("span", { class: "hint", id: "model-hint" }, "The file whose sha256 the claim or registry names."),
    model,
    h("label", { for: "inputs" }, "Inputs"),
    h(
      "span",
      { class: "hint", id: "inputs-hint" },
      "Named after the model's inputs, with the format as extension: image.npy, tokens.pb (TensorProto), x.json.",
    ),
    inputs,
    names,
    h("label", { for: "expected" }, "Expected output hash, or a claim id"),
    h(
      "span",
      { class: "hint", id: "expected-hint" },
      "64 hex characters compare offline; a claim id reads the committed hash from the chain, proven.",
    ),
    expected,
    h("label", { for: "verifier-file" }, "Verifier (optional; the app's own copy otherwise)"),
    verifierFile,
    h("label", { for: "verifier-hash" }, "Verifier sha256 it must have (optional)"),
    verifierHash,
    drop,
    run,
    cancel,
  );
  cancel.addEventListener("click", () => controller?.abort());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    controller = new AbortController();
    run.disabled = true;
    cancel.hidden = false;
    result.replaceChildren(h("p", { role: "status" }, "Reading the files…"));
    const started = performance.now();
    try {
      const modelFile = model.files?.[0];
      if (!modelFile) throw failure("Input", "choose a model (.onnx) file");
      const given: RunInput[] = [];
      for (const [i, file] of [...(inputs.files ?? [])].entries()) {
        const format = inputFormatOf(file.name);
        if (!format) throw failure("Input", `${file.name}: name inputs .npy, .pb or .json`);
        const name = nameFields[i]?.value.trim() || file.name.replace(/\.[^.]+$/, "");
        given.push({ name, format, bytes: await file.arrayBuffer() });
      }
      const wanted = expected.value.trim();
      let expectedHash: string | undefined;
      let verifierSha = verifierHash.value.trim() || undefined;
      if (HEX64.test(wanted)) {
        expectedHash = wanted.toLowerCase();
      } else if (/^\d+$/.test(wanted)) {
        const chain = session();
        if (!chain) throw failure("Config", "a claim id needs a network: choose one under Network & trust");
        result.replaceChildren(h("p", { role: "status" }, `Proving claim ${wanted}…`));
        const { client } = await chain.synced();
        const { claim } = (await client.claim(chain.contracts().consensus, Number(wanted))) as VerifiedClaim;
        expectedHash = claim.output.output_hash;
        verifierSha ??= claim.verifier_hash;
      } else if (wanted) {
        throw failure("Input", "the expected value is neither a 64-hex-character hash nor a claim id");
      }
      if (verifierSha && !HEX64.test(verifierSha))
        throw failure("Input", "the verifier sha256 is not 64 hex characters");
      const verifier = verifierFile.files?.[0]
        ? await verifierFile.files[0].arrayBuffer()
        : await verifierReady;
      result.replaceChildren(h("p", { role: "status" }, "Running the model in a Web Worker…"));
      const outcome = await worker.current.run(
        { verifier, sha256: verifierSha, model: await modelFile.arrayBuffer(), inputs: given },
        controller.signal,
      );
      result.replaceChildren(runResult(outcome, expectedHash, performance.now() - started));
    } catch (e) {
      const f = describe(e);
      if (f.kind === "Cancelled") worker.current = new VerifierWorker();
      result.replaceChildren(errorBox(f));
    } finally {
      run.disabled = false;
      cancel.hidden = true;
    }
  });

  show(
    main,
    h("h1", {}, "Check files"),
    h(
      "p",
      {},
      "Runs a model on your inputs in this page with poi's verifier and compares the output hash. The files never leave your computer.",
    ),
    form,
    result,
  );
  await worker.current.ready();
  await verifierReady;
  // For people and tests alike: from here on the check needs no network.
  form.dataset.ready = "";
}
