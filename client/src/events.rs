//! The contracts' events, as a program reads them from a transaction result: one typed view, with
//! the attribute keys `poi-types` exports (the contracts emit them through the same constants).

use poi_types::consensus::events as consensus;
use poi_types::registry::events as registry;

use crate::rpc::TxResult;

/// The event type x/wasm emits contract attributes under.
pub const WASM: &str = "wasm";

/// What a consensus-contract transaction reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsensusEvents {
    pub claim_id: Option<u64>,
    /// The committee drawn for a new round (a submitted claim or a dispute).
    pub committee: Vec<String>,
    /// The verdict a round ended with.
    pub verdict: Option<String>,
    /// The verdict the claim settled with.
    pub final_verdict: Option<String>,
}

impl ConsensusEvents {
    pub fn of(tx: &TxResult) -> Self {
        let committee = tx
            .attribute(WASM, consensus::COMMITTEE)
            .filter(|c| !c.is_empty())
            .map(|c| c.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        Self {
            claim_id: tx
                .attribute(WASM, consensus::CLAIM_ID)
                .and_then(|id| id.parse().ok()),
            committee,
            verdict: tx.attribute(WASM, consensus::VERDICT).map(str::to_string),
            final_verdict: tx
                .attribute(WASM, consensus::FINAL_VERDICT)
                .map(str::to_string),
        }
    }

    /// The verdict that counts for this transaction: the settlement's, else the round's.
    pub fn outcome(&self) -> Option<&str> {
        self.final_verdict.as_deref().or(self.verdict.as_deref())
    }
}

/// The asset a registry transaction registered or changed.
pub fn asset_id(tx: &TxResult) -> Option<u64> {
    tx.attribute(WASM, registry::ASSET_ID)
        .and_then(|id| id.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::Event;

    fn tx(attributes: &[(&str, &str)]) -> TxResult {
        TxResult {
            height: 7,
            code: 0,
            codespace: String::new(),
            log: String::new(),
            gas_used: 0,
            gas_wanted: 0,
            events: vec![Event {
                kind: WASM.into(),
                attributes: attributes
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }],
        }
    }

    #[test]
    fn a_submitted_claim_reports_its_id_and_committee() {
        let events = ConsensusEvents::of(&tx(&[
            (consensus::CLAIM_ID, "4"),
            (consensus::COMMITTEE, "wasm1a,wasm1b"),
        ]));
        assert_eq!(events.claim_id, Some(4));
        assert_eq!(events.committee, ["wasm1a", "wasm1b"]);
        assert_eq!(events.outcome(), None);
    }

    #[test]
    fn a_settlement_reports_the_final_verdict_over_the_round_verdict() {
        let events = ConsensusEvents::of(&tx(&[
            (consensus::VERDICT, "Accepted"),
            (consensus::FINAL_VERDICT, "Rejected"),
        ]));
        assert_eq!(events.outcome(), Some("Rejected"));
    }

    #[test]
    fn a_garbled_id_is_no_id() {
        assert_eq!(
            ConsensusEvents::of(&tx(&[(consensus::CLAIM_ID, "x")])).claim_id,
            None
        );
        assert_eq!(asset_id(&tx(&[(registry::ASSET_ID, "12")])), Some(12));
    }
}
