// Running a model in this page: bytes downloaded with progress and checked against the hashes a
// claim commits to, then handed to the verifier's Web Worker (verifier-worker.ts).

import { failure } from "./errors";
import type { OutputView } from "./records";

export interface RunInput {
  name: string;
  format: string;
  bytes: ArrayBuffer;
}

export interface RunRequest {
  verifier: ArrayBuffer;
  /** The verifier hash the bytes must have: the claim's, or the one the person gave. */
  sha256?: string;
  model: ArrayBuffer;
  inputs: RunInput[];
}

export type RunReply =
  | { type: "ready" }
  | {
      type: "done";
      output_hash: string;
      receipt: string;
      outputs: OutputView[];
      verifier_sha256: string;
      ms: number;
    }
  | { type: "failed"; kind: string; message: string };

export type RunResult = Extract<RunReply, { type: "done" }>;

/** The most the page downloads for one file: a server must not fill the tab's memory. */
export const MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export type Progress = (received: number, total: number | null) => void;

/** Downloads `url` with progress; if `sha256` is given, the bytes must hash to it. */
export async function download(
  what: string,
  url: string,
  sha256: string | undefined,
  progress: Progress,
  signal?: AbortSignal,
): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw failure("Cancelled", "the re-run was cancelled");
    throw failure("Download", `${what} from ${url}: ${(e as Error).message}`);
  }
  if (!response.ok) throw failure("Download", `${what} from ${url}: HTTP ${response.status}`);
  const announced = Number(response.headers.get("content-length")) || null;
  if (announced && announced > MAX_DOWNLOAD_BYTES) {
    throw failure(
      "Download",
      `${what} from ${url} is ${announced} bytes, over the page's limit of ${MAX_DOWNLOAD_BYTES}`,
    );
  }
  const reader = response.body?.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  progress(0, announced);
  while (reader) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (signal?.aborted) throw failure("Cancelled", "the re-run was cancelled");
      throw failure("Download", `${what} from ${url}: ${(e as Error).message}`);
    }
    if (chunk.done) break;
    received += chunk.value.length;
    if (received > MAX_DOWNLOAD_BYTES) {
      await reader.cancel();
      throw failure(
        "Download",
        `${what} from ${url} is over the page's limit of ${MAX_DOWNLOAD_BYTES} bytes`,
      );
    }
    parts.push(chunk.value);
    progress(received, announced);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  if (sha256) {
    const actual = await sha256Hex(bytes);
    if (actual !== sha256.toLowerCase()) {
      throw failure(
        "ContentHash",
        `the ${what} from ${url} hashes to ${actual}, but the claim commits to ${sha256}`,
      );
    }
  }
  return bytes.buffer;
}

/** One verifier worker: warmed up front (so it can run offline), terminated on cancel. */
export class VerifierWorker {
  private worker: Worker;
  private readonly warm: Promise<void>;
  private busy?: (reply: RunReply) => void;

  constructor() {
    this.worker = new Worker(new URL("./verifier-worker.ts", import.meta.url), { type: "module" });
    this.warm = new Promise((ready, fail) => {
      this.worker.onmessage = (event: MessageEvent<RunReply>) => {
        if (event.data.type === "ready") ready();
        else this.busy?.(event.data);
      };
      this.worker.onerror = (event) => {
        const error = failure("Input", `the verifier worker failed: ${event.message}`);
        fail(error);
        this.busy?.({ type: "failed", kind: "trap", message: event.message });
      };
    });
    this.worker.postMessage("warm");
  }

  ready(): Promise<void> {
    return this.warm;
  }

  /**
   * Runs one request once the worker is warm; `signal` aborting terminates the worker (make a new
   * one afterwards). A signal aborted before the call, or while the worker warms up, cancels too:
   * an abort event already dispatched would never reach a listener added later.
   */
  run(request: RunRequest, signal?: AbortSignal): Promise<RunResult> {
    if (this.busy) return Promise.reject(failure("Input", "a run is already in progress"));
    return new Promise<RunResult>((done, fail) => {
      const cancel = () => {
        this.worker.terminate();
        this.busy = undefined;
        fail(failure("Cancelled", "the run was cancelled; the verifier worker was stopped"));
      };
      if (signal?.aborted) return cancel();
      signal?.addEventListener("abort", cancel, { once: true });
      const finish = () => {
        signal?.removeEventListener("abort", cancel);
        this.busy = undefined;
      };
      this.busy = (reply) => {
        finish();
        if (reply.type === "done") done(reply);
        else if (reply.type === "failed") fail(failure(reply.kind, reply.message));
      };
      this.warm.then(
        () => {
          if (signal?.aborted) return;
          const transfer = [request.model, ...request.inputs.map((i) => i.bytes)];
          this.worker.postMessage(request, transfer);
        },
        (error) => {
          finish();
          fail(error);
        },
      );
    });
  }

  terminate(): void {
    this.worker.terminate();
  }
}

let bundled: Promise<ArrayBuffer> | undefined;
/** The verifier artefact shipped with the app (`make www` copies it in), fetched once. */
export function bundledVerifier(): Promise<ArrayBuffer> {
  bundled ??= download(
    "bundled verifier",
    new URL("poi_verifier.wasm", document.baseURI).href,
    undefined,
    () => {},
  );
  bundled.catch(() => {
    bundled = undefined;
  });
  return bundled;
}
