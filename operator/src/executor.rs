//! Re-running a claim the way the light client does (`poi_recheck`), with the
//! operator's content cache, limits and compiled verifiers, and turning the outcome into a
//! [`Decision`].

use std::collections::HashMap;

use poi_client::Chain;
use poi_client::deployments::Contracts;
use poi_content::{FetchPolicy, Store as ContentStore, fetch_verified};
use poi_recheck::{self as recheck, ReexecutionError};
use poi_types::ContentHash;
use poi_types::consensus::Claim;
use poi_types::registry::{
    Asset, QueryMsg as RegistryQuery, VerificationPolicy, Verifier, VerifiersResponse,
};
use poi_verifier::encoding;
use poi_verifier::tolerance;
use poi_verifier_host::{HostConfig, PreparedModels, WasmVerifier};

use crate::config::OperatorConfig;
use crate::error::OperatorError;
use crate::vote::{self, Decision, LimitOrigin, Unverifiable};

/// Tolerances used when the model's record no longer states its own.
const DEFAULT_ATOL: f64 = 1e-5;
const DEFAULT_RTOL: f64 = 1e-4;
/// Models kept prepared between claims. Each holds a verifier instance with the model's weights and
/// its largest run's tensors; two cover a network that alternates between a pair of models.
const PREPARED_MODELS: usize = 2;

pub struct Executor {
    content: ContentStore,
    policy: FetchPolicy,
    model_limit: u64,
    host: HostConfig,
    wasmer_cache: std::path::PathBuf,
    /// Compiled verifiers by sha256: compiling one takes seconds.
    verifiers: HashMap<String, WasmVerifier>,
    /// Later claims on a model pay only for their run (docs/verifier.md, "Prepared models").
    prepared: PreparedModels,
    model_limit_origin: LimitOrigin,
    points_limit_origin: LimitOrigin,
}

fn origin(ours: u64, protocol: u64) -> LimitOrigin {
    if ours < protocol {
        LimitOrigin::Operator
    } else {
        LimitOrigin::Protocol
    }
}

fn decimal(d: &cosmwasm_std::Decimal) -> Option<f64> {
    d.to_string().parse().ok()
}

impl Executor {
    pub fn new(config: &OperatorConfig) -> Result<Self, OperatorError> {
        Ok(Executor {
            content: ContentStore::open(config.content_dir())?,
            policy: config.fetch_policy(),
            model_limit: config.limits.max_model_bytes,
            host: config.host_config(),
            wasmer_cache: config.wasmer_cache_dir(),
            verifiers: HashMap::new(),
            prepared: PreparedModels::new(PREPARED_MODELS),
            model_limit_origin: origin(
                config.limits.max_model_bytes,
                poi_verifier::Limits::default().max_model_bytes,
            ),
            points_limit_origin: origin(
                config.limits.metering_points,
                HostConfig::default().metering_limit,
            ),
        })
    }

    /// The approved verifier the claim names, fetched by the registry's URI and compiled once.
    fn verifier(
        &mut self,
        chain: &Chain,
        contracts: &Contracts,
        hash: &str,
    ) -> Result<&WasmVerifier, Decision> {
        if !self.verifiers.contains_key(hash) {
            let abstain = |reason: String| Decision::Abstain { reason };
            let record: Verifier = chain
                .smart_query(
                    &contracts.registry,
                    &RegistryQuery::Verifier {
                        hash: hash.to_string(),
                    },
                )
                .map_err(|e| abstain(format!("the verifier record {hash}: {e}")))?;
            let wasm = fetch_verified(
                "the verifier",
                &record.uri,
                hash,
                &FetchPolicy {
                    max_bytes: 64 << 20,
                    ..self.policy
                },
                Some(&self.content),
            )
            .map_err(|e| abstain(format!("the verifier artefact: {e}")))?;
            let compiled = WasmVerifier::load(
                &wasm,
                Some(hash),
                self.host,
                Some(self.wasmer_cache.clone()),
            )
            .map_err(|e| abstain(format!("the verifier artefact: {e}")))?;
            self.verifiers.insert(hash.to_string(), compiled);
        }
        Ok(&self.verifiers[hash])
    }

    /// Fetches and compiles every approved verifier now, so that the first claim does not spend
    /// its commit window compiling. Problems are left for the claim to meet (and abstain on).
    pub fn warm_up(
        &mut self,
        chain: &Chain,
        contracts: &Contracts,
    ) -> Result<usize, OperatorError> {
        let approved: VerifiersResponse = chain.smart_query(
            &contracts.registry,
            &RegistryQuery::Verifiers {
                start_after: None,
                limit: Some(30),
            },
        )?;
        let mut ready = 0;
        for verifier in approved
            .verifiers
            .iter()
            .filter(|v| v.revoked_height.is_none())
        {
            match self.verifier(chain, contracts, verifier.hash.as_str()) {
                Ok(_) => ready += 1,
                Err(Decision::Abstain { reason }) => {
                    tracing::warn!(verifier = %verifier.hash, %reason, "verifier not ready")
                }
                Err(Decision::Vote { .. }) => {}
            }
        }
        Ok(ready)
    }

    /// Re-runs `claim` and decides the vote. `Err` only for a failure to read the chain, which is
    /// retried; everything about the claim itself is a [`Decision`].
    pub fn decide(
        &mut self,
        chain: &Chain,
        contracts: &Contracts,
        claim: &Claim,
    ) -> Result<Decision, OperatorError> {
        let asset: Asset = chain.smart_query(
            &contracts.registry,
            &RegistryQuery::Asset { id: claim.model_id },
        )?;
        let (model_origin, points_origin) = (self.model_limit_origin, self.points_limit_origin);
        let on_error = |e: &ReexecutionError| vote::on_error(claim, e, model_origin, points_origin);
        let content = match recheck::fetch_content(
            claim,
            &asset.uri,
            &self.policy,
            self.model_limit,
            Some(&self.content),
        ) {
            Ok(content) => content,
            Err(e) => return Ok(on_error(&e)),
        };
        let (policy, store) = (self.policy, self.content.clone());
        let hash = claim.verifier_hash.as_str();
        if let Err(decision) = self.verifier(chain, contracts, hash) {
            return Ok(decision);
        }
        let verifier = &self.verifiers[hash];
        let run = match recheck::run(claim, &content, verifier, Some(&mut self.prepared)) {
            Ok(run) => run,
            Err(e) => return Ok(on_error(&e)),
        };
        let ours: ContentHash = match run.output_hash.parse() {
            Ok(h) => h,
            Err(e) => {
                return Ok(Decision::Abstain {
                    reason: format!("the verifier returned a malformed hash: {e}"),
                });
            }
        };
        if !claim.tolerance {
            return Ok(vote::computed(claim, ours, None));
        }
        let Some(uri) = &claim.output.output_uri else {
            return Ok(vote::unverifiable(
                claim,
                Unverifiable::NoClaimedOutput,
                "the claim names no output to compare with",
            ));
        };
        // The claimed output is the canonical encoding whose hash the claim commits to.
        let claimed = match fetch_verified(
            "the claimed output",
            uri,
            claim.output.output_hash.as_str(),
            &policy,
            Some(&store),
        ) {
            Ok(bytes) => bytes,
            Err(e) => return Ok(on_error(&ReexecutionError::Content(e))),
        };
        let (atol, rtol) = match asset.model.map(|m| m.policy) {
            Some(VerificationPolicy::Tolerance { atol, rtol }) => (
                decimal(&atol).unwrap_or(DEFAULT_ATOL),
                decimal(&rtol).unwrap_or(DEFAULT_RTOL),
            ),
            _ => (DEFAULT_ATOL, DEFAULT_RTOL),
        };
        let decoded = encoding::decode(&run.encoding).and_then(|ours| {
            encoding::decode(&claimed)
                .map(|claimed| tolerance::compare(&ours, &claimed, atol, rtol))
        });
        Ok(match decoded {
            Ok(comparison) => vote::computed(claim, ours, Some(comparison.within)),
            Err(e) => vote::unverifiable(
                claim,
                Unverifiable::MalformedClaimedOutput,
                format!("the claimed output is not a canonical output encoding: {e}"),
            ),
        })
    }
}
