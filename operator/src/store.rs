//! The durable memory of a key that takes part in consensus: one record per (claim, round) it
//! sat on a committee for, and the salt of every claim it sealed as an auditor.
//!
//! An embedded redb database in the data directory. Every write is one transaction committed
//! with `Durability::Immediate` (fsynced before `commit` returns), and the daemon writes the vote
//! and salt, and the hash of each transaction it signs, *before* broadcasting it. So a crash at any
//! point leaves a record from which a restarted daemon reveals what it committed, never commits a
//! second, different vote, and looks a transaction up before it sends another.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cosmwasm_std::Binary;
use poi_types::consensus::Vote;
use redb::{Database, DatabaseError, Durability, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::error::OperatorError;
use crate::vote::Basis;

const DUTIES: TableDefinition<(u64, u8), &[u8]> = TableDefinition::new("duties");
/// Sealed claims by their seal: without the salt the auditor cannot open one.
const SEALS: TableDefinition<&str, &[u8]> = TableDefinition::new("seals");
/// Which key the store belongs to. Commitments are made for one address: a vote on record for
/// another key must never be revealed, or re-sent, with this one.
const OWNER: TableDefinition<&str, &str> = TableDefinition::new("owner");
const OWNER_KEY: &str = "address";

/// What an auditor keeps between submitting a sealed claim and opening its seal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seal {
    pub canary: bool,
    pub salt: Binary,
}

/// Where a duty stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Vote and salt are on disk; no commitment was broadcast yet.
    Decided,
    /// The commit transaction `commit_tx` was signed and (perhaps) broadcast.
    CommitSent,
    /// The chain holds the commitment.
    Committed,
    /// The reveal transaction `reveal_tx` was signed and (perhaps) broadcast.
    RevealSent,
    /// The chain holds the vote.
    Revealed,
    /// Deliberately not voted (the reason is in `note`): over this operator's limits, or its
    /// verifier artefact could not be had.
    Abstained,
    /// The window passed before the operator could act (it was down, or the chain refused).
    Missed,
}

/// One committee seat: what the operator decided and what it sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duty {
    pub claim_id: u64,
    pub round: u8,
    pub stage: Stage,
    pub vote: Option<Vote>,
    pub salt: Option<Binary>,
    pub commitment: Option<String>,
    /// Why the vote is what it is.
    pub basis: Option<Basis>,
    pub commit_tx: Option<String>,
    pub reveal_tx: Option<String>,
    pub commit_end: u64,
    pub reveal_end: u64,
    pub seen_height: u64,
    /// The claim's final verdict, once it settled.
    pub final_verdict: Option<String>,
    /// Whether this operator's vote was on the side of the final verdict.
    pub agreed: Option<bool>,
    pub note: Option<String>,
}

impl Duty {
    pub fn new(claim_id: u64, round: u8, commit_end: u64, reveal_end: u64, seen: u64) -> Self {
        Duty {
            claim_id,
            round,
            stage: Stage::Missed,
            vote: None,
            salt: None,
            commitment: None,
            basis: None,
            commit_tx: None,
            reveal_tx: None,
            commit_end,
            reveal_end,
            seen_height: seen,
            final_verdict: None,
            agreed: None,
            note: None,
        }
    }

    /// Whether the claim this duty is for has settled and been accounted for.
    pub fn settled(&self) -> bool {
        self.final_verdict.is_some()
    }
}

/// The store's file in a data directory.
pub const FILE_NAME: &str = "operator.redb";

/// How long to wait for another process (the daemon, or `poi operator status`) to let go of the
/// database.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The store. The database file is opened for each transaction and closed after it: redb locks a
/// file for as long as it is open, and `poi operator status` must be able to read it while the
/// daemon runs.
pub struct Store {
    path: PathBuf,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, OperatorError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Self::error_at(path, e))?;
        }
        let store = Store {
            path: path.to_path_buf(),
        };
        store.write(|_| Ok(()))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db(&self) -> Result<Database, OperatorError> {
        let started = Instant::now();
        loop {
            match Database::create(&self.path) {
                Err(DatabaseError::DatabaseAlreadyOpen) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                opened => return opened.map_err(|e| self.error(e)),
            }
        }
    }

    fn error_at(path: &Path, e: impl ToString) -> OperatorError {
        OperatorError::Store {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }

    fn error(&self, e: impl ToString) -> OperatorError {
        Self::error_at(&self.path, e)
    }

    fn write(
        &self,
        change: impl FnOnce(&redb::WriteTransaction) -> Result<(), OperatorError>,
    ) -> Result<(), OperatorError> {
        let db = self.db()?;
        let mut tx = db.begin_write().map_err(|e| self.error(e))?;
        tx.set_durability(Durability::Immediate);
        // Both tables exist after the first write, so readers of a fresh store find them empty.
        tx.open_table(DUTIES).map_err(|e| self.error(e))?;
        tx.open_table(SEALS).map_err(|e| self.error(e))?;
        tx.open_table(OWNER).map_err(|e| self.error(e))?;
        change(&tx)?;
        tx.commit().map_err(|e| self.error(e))
    }

    /// Makes this the store of `address`, or checks that it is: a store written for another key
    /// is refused ([`OperatorError::StoreOfAnotherKey`]) and left as it is.
    pub fn bind(&self, address: &str) -> Result<(), OperatorError> {
        let mut owner = None;
        self.write(|tx| {
            let mut table = tx.open_table(OWNER).map_err(|e| self.error(e))?;
            let current = table
                .get(OWNER_KEY)
                .map_err(|e| self.error(e))?
                .map(|v| v.value().to_string());
            match current {
                Some(current) => owner = Some(current),
                None => {
                    table
                        .insert(OWNER_KEY, address)
                        .map_err(|e| self.error(e))?;
                }
            }
            Ok(())
        })?;
        match owner {
            Some(owner) if owner != address => Err(OperatorError::StoreOfAnotherKey {
                path: self.path.clone(),
                owner,
                address: address.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Saves `duty`; on return it is on disk.
    pub fn save(&self, duty: &Duty) -> Result<(), OperatorError> {
        let bytes = serde_json::to_vec(duty).map_err(|e| self.error(e))?;
        self.write(|tx| {
            let mut table = tx.open_table(DUTIES).map_err(|e| self.error(e))?;
            table
                .insert((duty.claim_id, duty.round), bytes.as_slice())
                .map(|_| ())
                .map_err(|e| self.error(e))
        })
    }

    /// Saves the salt of a claim about to be sealed with `seal`; on return it is on disk.
    pub fn save_seal(&self, seal: &str, saved: &Seal) -> Result<(), OperatorError> {
        let bytes = serde_json::to_vec(saved).map_err(|e| self.error(e))?;
        self.write(|tx| {
            let mut table = tx.open_table(SEALS).map_err(|e| self.error(e))?;
            table
                .insert(seal, bytes.as_slice())
                .map(|_| ())
                .map_err(|e| self.error(e))
        })
    }

    pub fn seal(&self, seal: &str) -> Result<Option<Seal>, OperatorError> {
        let db = self.db()?;
        let tx = db.begin_read().map_err(|e| self.error(e))?;
        let table = tx.open_table(SEALS).map_err(|e| self.error(e))?;
        let Some(value) = table.get(seal).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        serde_json::from_slice(value.value())
            .map(Some)
            .map_err(|e| self.error(format!("seal {seal}: {e}")))
    }

    pub fn get(&self, claim_id: u64, round: u8) -> Result<Option<Duty>, OperatorError> {
        let db = self.db()?;
        let tx = db.begin_read().map_err(|e| self.error(e))?;
        let table = tx.open_table(DUTIES).map_err(|e| self.error(e))?;
        let Some(value) = table.get((claim_id, round)).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        serde_json::from_slice(value.value())
            .map(Some)
            .map_err(|e| self.error(format!("record ({claim_id}, {round}): {e}")))
    }

    /// Every duty, in (claim, round) order.
    pub fn all(&self) -> Result<Vec<Duty>, OperatorError> {
        let db = self.db()?;
        let tx = db.begin_read().map_err(|e| self.error(e))?;
        let table = tx.open_table(DUTIES).map_err(|e| self.error(e))?;
        let mut duties = Vec::new();
        for entry in table.iter().map_err(|e| self.error(e))? {
            let (key, value) = entry.map_err(|e| self.error(e))?;
            let (claim, round) = key.value();
            duties.push(
                serde_json::from_slice(value.value())
                    .map_err(|e| self.error(format!("record ({claim}, {round}): {e}")))?,
            );
        }
        Ok(duties)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_handles_on_one_store_read_and_write_alike() {
        let dir = std::env::temp_dir().join(format!("poi-op-store2-{}", std::process::id()));
        let path = dir.join("operator.redb");
        let daemon = Store::open(&path).unwrap();
        let status = Store::open(&path).unwrap();
        daemon.save(&Duty::new(1, 1, 10, 20, 5)).unwrap();
        assert_eq!(status.all().unwrap().len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_saved_duty_survives_reopening_the_store() {
        let dir = std::env::temp_dir().join(format!("poi-op-store-{}", std::process::id()));
        let path = dir.join("operator.redb");
        let mut duty = Duty::new(7, 1, 20, 28, 12);
        duty.stage = Stage::CommitSent;
        duty.salt = Some(Binary::from(vec![9; 32]));
        duty.commit_tx = Some("ABCD".into());
        {
            let store = Store::open(&path).unwrap();
            store.save(&duty).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.get(7, 1).unwrap(), Some(duty.clone()));
        assert_eq!(store.get(7, 2).unwrap(), None);
        assert_eq!(store.all().unwrap(), vec![duty]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_store_serves_one_key_only() {
        let dir = std::env::temp_dir().join(format!("poi-op-owner-{}", std::process::id()));
        let store = Store::open(&dir.join("operator.redb")).unwrap();
        store.bind("wasm1alice").unwrap();
        store.bind("wasm1alice").unwrap();
        assert!(matches!(
            store.bind("wasm1bob"),
            Err(OperatorError::StoreOfAnotherKey { owner, .. }) if owner == "wasm1alice"
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_auditors_seal_is_kept_until_it_is_opened() {
        let dir = std::env::temp_dir().join(format!("poi-op-seal-{}", std::process::id()));
        let path = dir.join("operator.redb");
        let seal = Seal {
            canary: true,
            salt: Binary::from(vec![1; 32]),
        };
        Store::open(&path)
            .unwrap()
            .save_seal("ab12", &seal)
            .unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.seal("ab12").unwrap(), Some(seal));
        assert_eq!(store.seal("cd34").unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
