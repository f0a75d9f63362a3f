//! Talking to a CosmWasm chain: queries through ABCI, transactions built and signed here, gas
//! simulated before broadcasting, inclusion awaited.
//!
//! A transaction is built in steps a caller can take apart ([`Chain::prepare`],
//! [`Chain::broadcast`], [`Chain::wait_for`]): a program that must not send the same thing twice
//! records the hash of what it signed before broadcasting, and after a crash looks that hash up
//! ([`Chain::lookup_tx`]) instead of guessing.

use std::time::{Duration, Instant};

use cosmrs::cosmwasm::MsgExecuteContract;
use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use cosmrs::proto::cosmwasm::wasm::v1::{
    QueryCodeRequest, QueryCodeResponse, QueryContractInfoRequest, QueryContractInfoResponse,
    QuerySmartContractStateRequest, QuerySmartContractStateResponse,
};
use cosmrs::proto::prost::Message;
use cosmrs::tx::{Body, Fee, Msg, SignDoc, SignerInfo};
use cosmrs::{AccountId, Any, Coin, Denom};
use cosmwasm_std::Uint128;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::ChainError;
use crate::keys::Signer;
use crate::network::Network;
use crate::rpc::{Rpc, RpcError, TxResult};

/// How long [`Chain::execute_tx`] waits for a broadcast transaction to land in a block.
pub const INCLUSION_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Chain {
    pub network: Network,
    pub rpc: Rpc,
}

/// What wasmd knows about a contract instance.
pub struct ContractInfo {
    pub code_id: u64,
}

/// A signed transaction, ready to broadcast.
pub struct SignedTx {
    pub bytes: Vec<u8>,
    /// Upper-case hex sha256 of the bytes: the hash CometBFT indexes it under.
    pub hash: String,
    /// The account sequence it was signed with.
    pub sequence: u64,
}

fn build_error(what: &str) -> impl Fn(cosmrs::ErrorReport) -> ChainError + '_ {
    move |e| ChainError::Build(format!("{what}: {e}"))
}

impl Chain {
    /// Connects and checks that the node serves the chain the network file promises.
    pub fn connect(network: Network) -> Result<Self, ChainError> {
        let endpoints = vec![network.rpc.clone()];
        Self::connect_any(network, endpoints)
    }

    /// Like [`Self::connect`], with several endpoints of the chain, failed over between.
    pub fn connect_any(network: Network, endpoints: Vec<String>) -> Result<Self, ChainError> {
        let rpc = Rpc::with_endpoints(endpoints);
        let status = rpc.status()?;
        if status.chain_id != network.chain_id {
            return Err(ChainError::WrongChain {
                rpc: rpc.url().to_string(),
                expected: network.chain_id.clone(),
                actual: status.chain_id,
            });
        }
        Ok(Self { network, rpc })
    }

    /// The latest block height the node knows.
    pub fn height(&self) -> Result<u64, ChainError> {
        Ok(self.rpc.status()?.latest_height)
    }

    fn query<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        req: Req,
    ) -> Result<Resp, RpcError> {
        let reply = self.rpc.abci_query(path, &req.encode_to_vec())?;
        Resp::decode(reply.value.as_slice()).map_err(|e| RpcError::Malformed {
            method: path.into(),
            reason: e.to_string(),
        })
    }

    /// Runs a smart query and decodes its JSON answer.
    pub fn smart_query<T: DeserializeOwned>(
        &self,
        contract: &str,
        msg: &impl Serialize,
    ) -> Result<T, ChainError> {
        let query_data = serde_json::to_vec(msg).map_err(|e| ChainError::Build(e.to_string()))?;
        let resp: QuerySmartContractStateResponse = self.query(
            "/cosmwasm.wasm.v1.Query/SmartContractState",
            QuerySmartContractStateRequest {
                address: contract.to_string(),
                query_data,
            },
        )?;
        serde_json::from_slice(&resp.data).map_err(|e| ChainError::Decode {
            contract: contract.to_string(),
            reason: e.to_string(),
        })
    }

    /// The bank balance of `address` in the network's denom.
    pub fn balance(&self, address: &str) -> Result<u128, ChainError> {
        let resp: QueryBalanceResponse = self.query(
            "/cosmos.bank.v1beta1.Query/Balance",
            QueryBalanceRequest {
                address: address.to_string(),
                denom: self.network.denom.clone(),
            },
        )?;
        let amount = resp.balance.map(|c| c.amount).unwrap_or_default();
        amount.parse().map_err(|_| {
            ChainError::Rpc(RpcError::Malformed {
                method: "bank balance".into(),
                reason: format!("amount {amount:?} is not an integer"),
            })
        })
    }

    /// The sha256 of code `code_id`, or `None` if the chain has no such code.
    pub fn code_checksum(&self, code_id: u64) -> Result<Option<String>, ChainError> {
        match self.query::<_, QueryCodeResponse>(
            "/cosmwasm.wasm.v1.Query/Code",
            QueryCodeRequest { code_id },
        ) {
            Ok(resp) => Ok(resp.code_info.map(|info| hex::encode(info.data_hash))),
            Err(RpcError::QueryFailed { log, .. }) if log.contains("not found") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn contract_info(&self, address: &str) -> Result<Option<ContractInfo>, ChainError> {
        let req = QueryContractInfoRequest {
            address: address.to_string(),
        };
        match self
            .query::<_, QueryContractInfoResponse>("/cosmwasm.wasm.v1.Query/ContractInfo", req)
        {
            Ok(resp) => Ok(resp.contract_info.map(|info| ContractInfo {
                code_id: info.code_id,
            })),
            Err(RpcError::QueryFailed { log, .. }) if log.contains("not found") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn account(&self, address: &AccountId) -> Result<BaseAccount, ChainError> {
        let req = QueryAccountRequest {
            address: address.to_string(),
        };
        let resp: QueryAccountResponse = self
            .query("/cosmos.auth.v1beta1.Query/Account", req)
            .map_err(|e| match e {
                RpcError::QueryFailed { log, .. } if log.contains("not found") => {
                    ChainError::NoAccount {
                        address: address.to_string(),
                        chain_id: self.network.chain_id.clone(),
                    }
                }
                other => other.into(),
            })?;
        let malformed = |reason: String| {
            ChainError::Rpc(RpcError::Malformed {
                method: "auth account".into(),
                reason,
            })
        };
        let any = resp
            .account
            .ok_or_else(|| malformed(format!("no account data for {address}")))?;
        if !any.type_url.ends_with("BaseAccount") {
            return Err(ChainError::UnsupportedAccount {
                address: address.to_string(),
                kind: any.type_url,
            });
        }
        BaseAccount::decode(any.value.as_slice()).map_err(|e| malformed(e.to_string()))
    }

    fn sign(
        &self,
        signer: &Signer,
        msgs: &[Any],
        memo: &str,
        account: &BaseAccount,
        gas: u64,
    ) -> Result<Vec<u8>, ChainError> {
        let price = self.network.gas_price().map_err(ChainError::Build)?;
        // Fees round up: paying one unit too little gets the transaction refused.
        let fee_amount = Uint128::from(gas).mul_ceil(price);
        let denom: Denom = self.network.denom.parse().map_err(build_error("denom"))?;
        let fee = Fee::from_amount_and_gas(
            Coin {
                denom,
                amount: fee_amount.u128(),
            },
            gas,
        );
        let body = Body::new(msgs.to_vec(), memo, 0u32);
        let auth = SignerInfo::single_direct(Some(signer.key.public_key()), account.sequence)
            .auth_info(fee);
        let chain_id = self
            .network
            .chain_id
            .parse()
            .map_err(|e| ChainError::Build(format!("chain id: {e}")))?;
        let doc = SignDoc::new(&body, &auth, &chain_id, account.account_number)
            .map_err(build_error("sign doc"))?;
        let raw = doc.sign(&signer.key).map_err(build_error("signing"))?;
        raw.to_bytes().map_err(build_error("encoding"))
    }

    /// The message that executes `msg` on `contract` with `funds` attached.
    pub fn execute_msg(
        signer: &Signer,
        contract: &str,
        msg: &impl Serialize,
        funds: Vec<Coin>,
    ) -> Result<Any, ChainError> {
        let exec = MsgExecuteContract {
            sender: signer.address.clone(),
            contract: contract
                .parse()
                .map_err(|e| ChainError::Build(format!("contract address {contract}: {e}")))?,
            msg: serde_json::to_vec(msg).map_err(|e| ChainError::Build(e.to_string()))?,
            funds,
        };
        exec.to_any().map_err(build_error("the message"))
    }

    /// Executes `msg` on `contract` with `funds` attached, as one transaction.
    pub fn execute_contract(
        &self,
        signer: &Signer,
        contract: &str,
        msg: &impl Serialize,
        funds: Vec<Coin>,
        memo: &str,
    ) -> Result<TxResult, ChainError> {
        let any = Self::execute_msg(signer, contract, msg, funds)?;
        self.execute_tx(signer, vec![any], memo)
    }

    /// Simulates `msgs` (the chain's own error if they would fail), then signs them with the
    /// simulated gas and the account's current sequence.
    pub fn prepare(
        &self,
        signer: &Signer,
        msgs: Vec<Any>,
        memo: &str,
    ) -> Result<SignedTx, ChainError> {
        let account = self.account(&signer.address)?;
        let draft = self.sign(signer, &msgs, memo, &account, 0)?;
        #[allow(deprecated)]
        let sim: SimulateResponse = self
            .query(
                "/cosmos.tx.v1beta1.Service/Simulate",
                SimulateRequest {
                    tx: None,
                    tx_bytes: draft,
                },
            )
            .map_err(|e| match e {
                RpcError::QueryFailed { log, .. } => ChainError::WouldFail { log },
                other => other.into(),
            })?;
        let used = sim.gas_info.map(|g| g.gas_used).unwrap_or_default();
        let gas = (used as f64 * self.network.gas_adjustment).ceil() as u64;
        let bytes = self.sign(signer, &msgs, memo, &account, gas)?;
        Ok(SignedTx {
            hash: hex::encode_upper(Sha256::digest(&bytes)),
            bytes,
            sequence: account.sequence,
        })
    }

    /// Hands a signed transaction to the mempool.
    pub fn broadcast(&self, tx: &SignedTx) -> Result<(), ChainError> {
        let check = self.rpc.broadcast_tx_sync(&tx.bytes)?;
        if check.code != 0 {
            return Err(ChainError::Refused {
                codespace: check.codespace,
                code: check.code,
                log: check.log,
            });
        }
        Ok(())
    }

    /// The transaction with `hash`, if it is in a block; an error if it is there but failed.
    pub fn lookup_tx(&self, hash: &str) -> Result<Option<TxResult>, ChainError> {
        match self.rpc.tx(hash)? {
            Some(result) if result.code != 0 => Err(ChainError::Failed {
                hash: hash.to_string(),
                height: result.height,
                codespace: result.codespace,
                code: result.code,
                log: result.log,
            }),
            found => Ok(found),
        }
    }

    /// Waits up to `timeout` for the transaction with `hash` to be in a block.
    pub fn wait_for(&self, hash: &str, timeout: Duration) -> Result<TxResult, ChainError> {
        let started = Instant::now();
        loop {
            if let Some(result) = self.lookup_tx(hash)? {
                return Ok(result);
            }
            if started.elapsed() > timeout {
                return Err(ChainError::NotIncluded {
                    hash: hash.to_string(),
                    waited: timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Simulates, signs with the simulated gas, broadcasts and waits for the block.
    pub fn execute_tx(
        &self,
        signer: &Signer,
        msgs: Vec<Any>,
        memo: &str,
    ) -> Result<TxResult, ChainError> {
        let tx = self.prepare(signer, msgs, memo)?;
        self.broadcast(&tx)?;
        self.wait_for(&tx.hash, INCLUSION_TIMEOUT)
    }
}
