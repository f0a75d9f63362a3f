//! The light client: a trust store, a primary node and its witnesses. The same code runs natively
//! (`poi light`, over [`crate::http`]) and in a page (through `wasm`, over `fetch`); only the
//! [`Transport`] and the [`TrustStore`] differ.
//!
//! Reads are proven at the height just below the trusted header: the state after block H is
//! committed to by the app hash in header H+1, so the latest verified header proves the state one
//! block before it, and no header has to be verified backwards.

use std::cell::RefCell;

use tendermint::Time;
use tendermint_light_client_verifier::types::LightBlock;

use crate::checkpoint::check_checkpoint;
use crate::error::LightClientError;
use crate::headers::{self, TrustOptions};
use crate::node::{Node, Transport};
use crate::records::{
    Provenance, RecordKey, VerifiedAsset, VerifiedClaim, VerifiedClaims, VerifiedRound,
    VerifiedVerifier, decode, prove_read, read_height,
};
use crate::storage_key::{canonical_address, contract_store_key};
use crate::store::{TrustStore, TrustedState};

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

/// The light client. Its methods take `&self` and keep no borrow of the state across an await, so
/// a page may call them while another is under way; the state only ever moves to a block verified
/// from it.
pub struct LightClient<T, S> {
    state: RefCell<TrustedState>,
    store: S,
    primary: Node<T>,
    witnesses: Vec<Node<T>>,
}

impl<T: Transport, S: TrustStore> LightClient<T, S> {
    /// Starts from `checkpoint`, fetched from `primary` and confirmed by every witness.
    pub async fn init(
        store: S,
        transport: T,
        primary: &str,
        witnesses: &[String],
        expected_chain_id: Option<&str>,
        checkpoint: &Checkpoint,
        options: TrustOptions,
    ) -> Result<Self, LightClientError> {
        options.to_options()?;
        let primary_node = Node::new(primary, transport.clone());
        let block = primary_node.light_block(checkpoint.height).await?;
        check_checkpoint(&block, &checkpoint.hash, expected_chain_id)?;
        let chain_id = block.signed_header.header.chain_id.to_string();
        let client = LightClient {
            state: RefCell::new(TrustedState {
                chain_id,
                options,
                primary: primary_node.url().to_string(),
                witnesses: witnesses.to_vec(),
                light_block: block.clone(),
            }),
            store,
            primary: primary_node,
            witnesses: witnesses
                .iter()
                .map(|w| Node::new(w, transport.clone()))
                .collect(),
        };
        client.cross_check(&block).await?;
        client.store.save(&client.state())?;
        Ok(client)
    }

    /// Resumes from the trust store.
    pub fn open(store: S, transport: T) -> Result<Self, LightClientError> {
        let state = store.load()?.ok_or_else(|| LightClientError::Store {
            path: store.location(),
            message: "no trusted state yet; start from a checkpoint first".into(),
        })?;
        Ok(LightClient {
            primary: Node::new(&state.primary, transport.clone()),
            witnesses: state
                .witnesses
                .iter()
                .map(|w| Node::new(w, transport.clone()))
                .collect(),
            state: RefCell::new(state),
            store,
        })
    }

    /// The trusted state now.
    pub fn state(&self) -> TrustedState {
        self.state.borrow().clone()
    }

    /// Verifies the primary's latest header (or `target`) from the trusted one, cross-checks it
    /// with the witnesses, and stores it. A chain that has not moved is not an error while the
    /// trusted header is within its trusting period.
    pub async fn sync(
        &self,
        target: Option<u64>,
        now: Time,
    ) -> Result<SyncReport, LightClientError> {
        let trusted = self.state();
        let options = trusted.options.to_options()?;
        let from = trusted.height();
        let target = match target {
            Some(h) => h,
            None => self.primary.latest_height().await?,
        };
        let mut verified_heights = Vec::new();
        if target > from {
            let target_block = self.primary.light_block(target).await?;
            let verified = headers::sync(
                &self.primary,
                &trusted.light_block,
                target_block,
                &options,
                now,
            )
            .await?;
            let Some(last) = verified.last() else {
                return Err(LightClientError::InvalidHeader {
                    height: target,
                    detail: "nothing was verified".into(),
                });
            };
            self.cross_check(last).await?;
            verified_heights = verified.iter().map(|b| b.height().value()).collect();
            let mut next = trusted;
            next.light_block = last.clone();
            self.store.save(&next)?;
            *self.state.borrow_mut() = next;
        } else if options.trusting_period < elapsed(&trusted.light_block, now) {
            return Err(LightClientError::TrustExpired { height: from });
        }
        let state = self.state();
        let header = &state.light_block.signed_header.header;
        Ok(SyncReport {
            chain_id: state.chain_id.clone(),
            from_height: from,
            height: state.height(),
            header_hash: header.hash().to_string(),
            app_hash: hex::encode_upper(header.app_hash.as_bytes()),
            verified: verified_heights,
            witnesses_checked: self.witnesses.len(),
        })
    }

    /// Every witness must have the same header at `block`'s height.
    async fn cross_check(&self, block: &LightBlock) -> Result<(), LightClientError> {
        let height = block.height().value();
        let ours = block.signed_header.header.hash();
        for witness in &self.witnesses {
            let theirs = witness.light_block(height).await?;
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
    pub async fn read(
        &self,
        contract: &str,
        key: &RecordKey,
    ) -> Result<(Option<Vec<u8>>, Provenance), LightClientError> {
        let trusted = self.state.borrow().light_block.clone();
        let height = read_height(&trusted)?;
        let full_key = contract_store_key(&canonical_address(contract)?, &key.storage_key());
        let answer = self.primary.query_wasm_store(&full_key, height).await?;
        prove_read(&trusted, contract, &full_key, &answer).map_err(|e| match e {
            LightClientError::Proof(source) => LightClientError::RecordProof {
                what: key.what(),
                id: key.id(),
                height,
                source,
            },
            other => other,
        })
    }

    async fn read_record<R: serde::de::DeserializeOwned>(
        &self,
        contract: &str,
        key: &RecordKey,
    ) -> Result<(Option<R>, Provenance), LightClientError> {
        let (value, provenance) = self.read(contract, key).await?;
        let record = value.map(|v| decode(key, &v)).transpose()?;
        Ok((record, provenance))
    }

    fn require<R>(
        &self,
        key: &RecordKey,
        found: (Option<R>, Provenance),
    ) -> Result<(R, Provenance), LightClientError> {
        match found {
            (Some(record), provenance) => Ok((record, provenance)),
            (None, provenance) => Err(LightClientError::NotFound {
                what: key.what(),
                id: key.id(),
                height: provenance.height,
            }),
        }
    }

    pub async fn asset(&self, registry: &str, id: u64) -> Result<VerifiedAsset, LightClientError> {
        let key = RecordKey::Asset(id);
        let (asset, proof) = self.require(&key, self.read_record(registry, &key).await?)?;
        Ok(VerifiedAsset { asset, proof })
    }

    pub async fn verifier(
        &self,
        registry: &str,
        hash: &str,
    ) -> Result<VerifiedVerifier, LightClientError> {
        let key = RecordKey::Verifier(hash.to_ascii_lowercase());
        let (verifier, proof) = self.require(&key, self.read_record(registry, &key).await?)?;
        Ok(VerifiedVerifier { verifier, proof })
    }

    /// Up to `limit` claims with ids below `before` (all of them when none), newest first. The
    /// counter and every claim on the page are proven at the same height, so the page is exactly
    /// what the chain held there: no claim can be left out or made up.
    pub async fn claims(
        &self,
        consensus: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<VerifiedClaims, LightClientError> {
        let key = RecordKey::NextClaimId;
        // Before the first claim the counter has not been written: there are none.
        let (next, proof) = self.read_record::<u64>(consensus, &key).await?;
        let next = next.unwrap_or(1).max(1);
        let total = next - 1;
        let top = before.map_or(next, |b| b.min(next));
        let ids: Vec<u64> = (1..top).rev().take(limit as usize).collect();
        let mut claims = Vec::with_capacity(ids.len());
        for id in &ids {
            let key = RecordKey::Claim(*id);
            let (claim, _) = self.require(
                &key,
                self.read_record::<poi_types::consensus::Claim>(consensus, &key)
                    .await?,
            )?;
            claims.push(claim);
        }
        let next_before = ids.last().copied().filter(|last| *last > 1);
        Ok(VerifiedClaims {
            claims,
            total,
            next_before,
            proof,
        })
    }

    /// The claim, and for each of its rounds the committee and every member's ballot.
    pub async fn claim(&self, consensus: &str, id: u64) -> Result<VerifiedClaim, LightClientError> {
        let key = RecordKey::Claim(id);
        let (claim, proof) = self.require(
            &key,
            self.read_record::<poi_types::consensus::Claim>(consensus, &key)
                .await?,
        )?;
        let mut rounds = Vec::new();
        for round in &claim.rounds {
            let key = RecordKey::Committee {
                claim: id,
                round: round.number,
            };
            let (committee, _) = self.require(
                &key,
                self.read_record::<Vec<poi_types::consensus::Member>>(consensus, &key)
                    .await?,
            )?;
            let mut ballots = Vec::new();
            for member in &committee {
                let key = RecordKey::Ballot {
                    claim: id,
                    round: round.number,
                    operator: member.operator.to_string(),
                };
                let (ballot, _) = self.read_record(consensus, &key).await?;
                ballots.push((member.operator.to_string(), ballot));
            }
            rounds.push(VerifiedRound {
                number: round.number,
                committee,
                ballots,
            });
        }
        let (settlement, _) = self
            .read_record(consensus, &RecordKey::Settlement(id))
            .await?;
        Ok(VerifiedClaim {
            claim,
            rounds,
            settlement,
            proof,
        })
    }
}

fn elapsed(block: &LightBlock, now: Time) -> std::time::Duration {
    now.duration_since(block.time()).unwrap_or_default()
}
