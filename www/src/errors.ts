// Every failure the page can meet, turned into a heading that names what failed and the message
// that says why. The kinds come from Rust (the light client's LightClientError::kind, the
// verifier's VerifyError kinds) and from this page's own steps (download, hash, worker).

export interface Failure {
  kind: string;
  title: string;
  message: string;
}

const titles: Record<string, string> = {
  TrustHashMismatch: "The checkpoint does not match the chain",
  InvalidHeader: "Header verification failed",
  BadSignature: "Header verification failed: a bad signature",
  InsufficientPower: "Header verification failed: not enough voting power",
  TrustExpired: "The trusted header is too old",
  WrongChainId: "Wrong chain",
  HeaderFromFuture: "Header verification failed: a header from the future",
  NotAfterTrusted: "Header verification failed",
  Fork: "Fork detected: a witness disagrees with the RPC server",
  Proof: "Proof failed: the RPC server's answer is not in the verified state",
  Decode: "A proven record could not be read",
  NotFound: "Not found",
  Malformed: "The RPC server sent a malformed answer",
  Rpc: "The RPC server could not be reached",
  Store: "The trusted state could not be kept",
  // The verifier and its inputs.
  hash: "Wrong verifier: its bytes are not the claim's verifier",
  abi: "Not a poi verifier",
  trap: "The verifier stopped with a trap",
  request: "The verifier request could not be built",
  model_too_large: "The model is over the verifier's limits",
  too_many_nodes: "The model is over the verifier's limits",
  tensor_too_large: "The model is over the verifier's limits",
  too_many_flops: "The model is over the verifier's limits",
  model_decode: "The model cannot be read",
  model_unsupported: "The model is not supported by the verifier",
  unsupported_dtype: "The model is not supported by the verifier",
  missing_input: "An input is missing",
  unknown_input: "An input is not one the model takes",
  input_decode: "An input cannot be read",
  input_mismatch: "An input does not fit the model",
  inference: "Inference failed",
  panicked: "The verifier failed",
  output: "The output encoding is damaged",
  // This page's steps.
  Download: "Download failed",
  ContentHash: "Hash mismatch: a download is not what the claim commits to",
  Config: "The network is not configured",
  Cancelled: "Cancelled",
  Input: "A file cannot be used",
};

/** An error of one of this page's own kinds. */
export function failure(kind: string, message: string): Error & { kind: string } {
  return Object.assign(new Error(message), { kind });
}

export function describe(e: unknown): Failure {
  const kind =
    typeof e === "object" && e !== null && typeof (e as { kind?: unknown }).kind === "string"
      ? (e as { kind: string }).kind
      : "Error";
  const message = e instanceof Error ? e.message : String(e);
  return { kind, title: titles[kind] ?? "Something failed", message };
}
