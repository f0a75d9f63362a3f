//! The native light client: a trust store, a primary RPC server and its witnesses.
//!
//! Reads are proven at the height just below the trusted header: the state after block H is
//! committed to by the app hash in header H+1, so the latest verified header proves the state one
//! block before it, and no header has to be verified backwards.

use tendermint::Time;
use tendermint_light_client_verifier::types::LightBlock;

use crate::checkpoint::check_checkpoint;
use crate::error::LightClientError;
use crate::records::{
    Provenance, RecordKey, VerifiedAsset, VerifiedClaim, VerifiedRound, VerifiedVerifier, decode,
    prove_read, read_height,
};
use crate::rpc::RpcClient;
use crate::storage_key::{canonical_address, contract_store_key};
use crate::store::{FileTrustStore, TrustedState};
use crate::verifier::{self, TrustOptions};

/// Where a checkpoint comes from: a height and header hash obtained out of band (a block
/// explorer, a friend, the chain's documentation).
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub height: u64,
    pub hash: String,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub chain_id: String,
    pub from_height: u64,
    pub height: u64,
    pub header_hash: String,
    pub app_hash: String,
    /// Heights verified on the way, the last being `height`.
    pub verified: Vec<u64>,
    pub witnesses_checked: usize,
}

pub struct LightClient {
    state: TrustedState,
    store: FileTrustStore,
    primary: RpcClient,
    witnesses: Vec<RpcClient>,
}

impl LightClient {
    /// Starts from `checkpoint`, fetched from `primary` and confirmed by every witness.
    pub fn init(
        store: FileTrustStore,
        primary: &str,
        witnesses: &[String],
        expected_chain_id: Option<&str>,
        checkpoint: &Checkpoint,
        options: TrustOptions,
    ) -> Result<Self, LightClientError> {
        options.to_options()?;
        let primary_client = RpcClient::new(primary);
        let block = primary_client.fetch_light_block(checkpoint.height)?;
        check_checkpoint(&block, &checkpoint.hash, expected_chain_id)?;
        let chain_id = block.signed_header.header.chain_id.to_string();
        let client = LightClient {
            state: TrustedState {
                chain_id,
                options,
                primary: primary_client.url().to_string(),
                witnesses: witnesses.to_vec(),
                light_block: block.clone(),
            },
            store,
            primary: primary_client,
            witnesses: witnesses.iter().map(|w| RpcClient::new(w)).collect(),
        };
        client.cross_check(&block)?;
        client.store.save(&client.state)?;
        Ok(client)
    }

    /// Resumes from the trust store.
    pub fn open(store: FileTrustStore) -> Result<Self, LightClientError> {
        let state = store.load()?.ok_or_else(|| LightClientError::Store {
            path: store.path().display().to_string(),
            message: "no trusted state yet; run `poi light sync` with a checkpoint first".into(),
        })?;
        Ok(LightClient {
            primary: RpcClient::new(&state.primary),
            witnesses: state.witnesses.iter().map(|w| RpcClient::new(w)).collect(),
            state,
            store,
        })
    }

    pub fn state(&self) -> &TrustedState {
        &self.state
    }

    /// Verifies the primary's latest header (or `target`) from the trusted one, cross-checks it
    /// with the witnesses, and stores it.
    pub fn sync(&mut self, target: Option<u64>, now: Time) -> Result<SyncReport, LightClientError> {
        let options = self.state.options.to_options()?;
        let from = self.state.height();
        let target = match target {
            Some(h) => h,
            None => self.primary.latest_height()?,
        };
        let mut verified_heights = Vec::new();
        if target > from {
            let target_block = self.primary.fetch_light_block(target)?;
            let trusted = self.state.light_block.clone();
            let verified =
                verifier::sync(&mut self.primary, &trusted, target_block, &options, now)?;
            let last = verified.last().expect("sync verifies at least the target");
            self.cross_check(last)?;
            verified_heights = verified.iter().map(|b| b.height().value()).collect();
            self.state.light_block = last.clone();
            self.store.save(&self.state)?;
        } else if options.trusting_period < elapsed(&self.state.light_block, now) {
            return Err(LightClientError::TrustExpired { height: from });
        }
        let header = &self.state.light_block.signed_header.header;
        Ok(SyncReport {
            chain_id: self.state.chain_id.clone(),
            from_height: from,
            height: self.state.height(),
            header_hash: header.hash().to_string(),
            app_hash: hex::encode_upper(header.app_hash.as_bytes()),
            verified: verified_heights,
            witnesses_checked: self.witnesses.len(),
        })
    }

    /// Every witness must have the same header at `block`'s height.
    fn cross_check(&self, block: &LightBlock) -> Result<(), LightClientError> {
        let height = block.height().value();
        let ours = block.signed_header.header.hash();
        for witness in &self.witnesses {
            let theirs = witness.fetch_light_block(height)?;
            let theirs = theirs.signed_header.header.hash();
            if theirs != ours {
                return Err(LightClientError::Fork {
                    height,
                    primary: ours.to_string(),
                    witness: witness.url().to_string(),
                    conflicting: theirs.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Reads `key` of `contract` at the height below the trusted header and proves it against
    /// that header's app hash.
    pub fn read(
        &self,
        contract: &str,
        key: &RecordKey,
    ) -> Result<(Option<Vec<u8>>, Provenance), LightClientError> {
        let height = read_height(&self.state.light_block)?;
        let full_key = contract_store_key(&canonical_address(contract)?, &key.storage_key());
        let answer = self.primary.query_wasm_store(&full_key, height)?;
        prove_read(&self.state.light_block, contract, &full_key, &answer)
    }

    fn read_record<T: serde::de::DeserializeOwned>(
        &self,
        contract: &str,
        key: &RecordKey,
    ) -> Result<(Option<T>, Provenance), LightClientError> {
        let (value, provenance) = self.read(contract, key)?;
        let record = value.map(|v| decode(key, &v)).transpose()?;
        Ok((record, provenance))
    }

    fn require<T>(
        &self,
        key: &RecordKey,
        found: (Option<T>, Provenance),
    ) -> Result<(T, Provenance), LightClientError> {
        match found {
            (Some(record), provenance) => Ok((record, provenance)),
            (None, provenance) => Err(LightClientError::NotFound {
                what: key.what(),
                id: key.id(),
                height: provenance.height,
            }),
        }
    }

    pub fn asset(&self, registry: &str, id: u64) -> Result<VerifiedAsset, LightClientError> {
        let key = RecordKey::Asset(id);
        let (asset, proof) = self.require(&key, self.read_record(registry, &key)?)?;
        Ok(VerifiedAsset { asset, proof })
    }

    pub fn verifier(
        &self,
        registry: &str,
        hash: &str,
    ) -> Result<VerifiedVerifier, LightClientError> {
        let key = RecordKey::Verifier(hash.to_ascii_lowercase());
        let (verifier, proof) = self.require(&key, self.read_record(registry, &key)?)?;
        Ok(VerifiedVerifier { verifier, proof })
    }

    /// The claim, and for each of its rounds the committee and every member's ballot.
    pub fn claim(&self, consensus: &str, id: u64) -> Result<VerifiedClaim, LightClientError> {
        let key = RecordKey::Claim(id);
        let (claim, proof) = self.require(
            &key,
            self.read_record::<poi_types::consensus::Claim>(consensus, &key)?,
        )?;
        let mut rounds = Vec::new();
        for round in &claim.rounds {
            let key = RecordKey::Committee {
                claim: id,
                round: round.number,
            };
            let (committee, _) = self.require(
                &key,
                self.read_record::<Vec<poi_types::consensus::Member>>(consensus, &key)?,
            )?;
            let mut ballots = Vec::new();
            for member in &committee {
                let key = RecordKey::Ballot {
                    claim: id,
                    round: round.number,
                    operator: member.operator.to_string(),
                };
                let (ballot, _) = self.read_record(consensus, &key)?;
                ballots.push((member.operator.to_string(), ballot));
            }
            rounds.push(VerifiedRound {
                number: round.number,
                committee,
                ballots,
            });
        }
        Ok(VerifiedClaim {
            claim,
            rounds,
            proof,
        })
    }
}

fn elapsed(block: &LightBlock, now: Time) -> std::time::Duration {
    now.duration_since(block.time()).unwrap_or_default()
}
