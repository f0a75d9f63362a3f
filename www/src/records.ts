// The shapes of the records the light client returns, as poi-types serialises them (the contracts'
// JSON; see schema/ for the full definitions). Only the fields this page reads are declared.

export interface Provenance {
  height: number;
  app_hash: string;
  contract: string;
}

export type Vote =
  | { exact: { output_hash: string } }
  | { tolerance: { accept: boolean; output_hash: string } };

export interface InputRef {
  name: string;
  sha256: string;
  uri: string;
  format: string;
}

export interface Round {
  number: number;
  snapshot_height: number;
  start_height: number;
  commit_end: number;
  reveal_end: number;
  committee_stake: string;
  agree_stake: string;
  disagree_stake: string;
  verdict: Verdict | null;
  ended_height: number | null;
}

export type Verdict = "accepted" | "rejected" | "inconclusive";
export type ClaimStatus = "voting" | "decided" | "disputed" | "final";

export interface Claim {
  id: number;
  claimant: string;
  model_id: number;
  model_hash: string;
  verifier_hash: string;
  inputs: InputRef[];
  output: { output_hash: string; output_uri: string | null };
  tolerance: boolean;
  price: string;
  reward: string;
  bond: string;
  seal: string | null;
  canary: boolean | null;
  status: ClaimStatus;
  verdict: Verdict | null;
  rounds: Round[];
  dispute_end: number | null;
  dispute: { disputer: string; bond: string; height: number } | null;
  submitted_height: number;
}

export interface Member {
  operator: string;
  stake: string;
}

export interface Ballot {
  operator: string;
  commitment: string | null;
  vote: Vote | null;
}

export interface VerifiedRound {
  number: number;
  committee: Member[];
  ballots: [string, Ballot | null][];
}

export type PayoutReason =
  | { model_fee: { asset_id: number } }
  | "voter_reward"
  | "forfeit_to_voters"
  | "forfeit"
  | "refund"
  | "dispute_bond_returned";

export interface Settlement {
  claim_id: number;
  height: number;
  verdict: Verdict;
  transfers: { to: string | null; amount: string; reason: PayoutReason }[];
  slashes: { operator: string; round: number; bps: number; reason: string; refused: boolean }[];
}

export interface VerifiedClaim {
  claim: Claim;
  rounds: VerifiedRound[];
  settlement: Settlement | null;
  proof: Provenance;
}

export interface VerifiedClaims {
  claims: Claim[];
  total: number;
  next_before: number | null;
  proof: Provenance;
}

export interface Asset {
  id: number;
  kind: string;
  owner: string;
  content_hash: string;
  uri: string;
  metadata: { name: string; description: string; license: string; tags: string[] };
  previous_version: number | null;
  parents: { asset_id: number; weight_bps: number }[];
  price_per_use: { denom: string; amount: string } | null;
  status: string;
  created_height: number;
}

export interface VerifiedAsset {
  asset: Asset;
  proof: Provenance;
}

export interface VerifiedVerifier {
  verifier: {
    hash: string;
    version: string;
    uri: string;
    approved_height: number;
    revoked_height: number | null;
  };
  proof: Provenance;
}

export interface Summary {
  chain_id: string;
  height: number;
  time: string;
  header_hash: string;
  app_hash: string;
  read_height: number | null;
  primary: string;
  witnesses: string[];
}

/** What `decodeOutputs` gives for each output of a run. */
export interface OutputView {
  name: string;
  dtype: string;
  shape: number[];
  elements: number;
  preview: string[];
}

/** The output hash a ballot's vote carries. */
export function votedHash(vote: Vote): string {
  return "exact" in vote ? vote.exact.output_hash : vote.tolerance.output_hash;
}
