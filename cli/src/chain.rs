//! Talking to a CosmWasm chain: queries through ABCI, transactions built and signed here, gas
//! simulated before broadcasting, inclusion awaited.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use cosmrs::cosmwasm::MsgExecuteContract;
use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
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

use crate::keys::Signer;
use crate::network::Network;
use crate::rpc::{Rpc, RpcError, TxResult};

/// How long to wait for a broadcast transaction to land in a block.
const INCLUSION_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Chain {
    pub network: Network,
    pub rpc: Rpc,
}

/// What wasmd knows about a contract instance.
pub struct ContractInfo {
    pub code_id: u64,
}

impl Chain {
    /// Connects and checks that the node serves the chain the network file promises.
    pub fn connect(network: Network) -> Result<Self> {
        let rpc = Rpc::new(&network.rpc);
        let status = rpc
            .status()
            .with_context(|| format!("cannot reach {}", network.rpc))?;
        if status.chain_id != network.chain_id {
            bail!(
                "{} serves chain {:?}, but the network is configured for {:?}",
                network.rpc,
                status.chain_id,
                network.chain_id
            );
        }
        Ok(Self { network, rpc })
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
    ) -> Result<T> {
        let resp: QuerySmartContractStateResponse = self.query(
            "/cosmwasm.wasm.v1.Query/SmartContractState",
            QuerySmartContractStateRequest {
                address: contract.to_string(),
                query_data: serde_json::to_vec(msg)?,
            },
        )?;
        serde_json::from_slice(&resp.data)
            .with_context(|| format!("contract {contract} answered with unexpected JSON"))
    }

    /// The sha256 of code `code_id`, or `None` if the chain has no such code.
    pub fn code_checksum(&self, code_id: u64) -> Result<Option<String>> {
        match self.query::<_, QueryCodeResponse>(
            "/cosmwasm.wasm.v1.Query/Code",
            QueryCodeRequest { code_id },
        ) {
            Ok(resp) => Ok(resp.code_info.map(|info| hex::encode(info.data_hash))),
            Err(RpcError::QueryFailed { log, .. }) if log.contains("not found") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn contract_info(&self, address: &str) -> Result<Option<ContractInfo>> {
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

    fn account(&self, address: &AccountId) -> Result<BaseAccount> {
        let req = QueryAccountRequest {
            address: address.to_string(),
        };
        let resp: QueryAccountResponse = self
            .query("/cosmos.auth.v1beta1.Query/Account", req)
            .map_err(|e| match e {
                RpcError::QueryFailed { log, .. } if log.contains("not found") => {
                    anyhow!(
                        "account {address} does not exist on {}: fund it first",
                        self.network.chain_id
                    )
                }
                other => other.into(),
            })?;
        let any = resp
            .account
            .ok_or_else(|| anyhow!("no account data for {address}"))?;
        if !any.type_url.ends_with("BaseAccount") {
            bail!(
                "account {address} is a {}, which poi cannot sign for",
                any.type_url
            );
        }
        Ok(BaseAccount::decode(any.value.as_slice())?)
    }

    fn sign(
        &self,
        signer: &Signer,
        msgs: &[Any],
        memo: &str,
        account: &BaseAccount,
        gas: u64,
    ) -> Result<Vec<u8>> {
        let price = self.network.gas_price()?;
        // Fees round up: paying one unit too little gets the transaction refused.
        let fee_amount = Uint128::from(gas).mul_ceil(price);
        let denom: Denom = self
            .network
            .denom
            .parse()
            .map_err(|e| anyhow!("denom: {e}"))?;
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
        let doc = SignDoc::new(
            &body,
            &auth,
            &self
                .network
                .chain_id
                .parse()
                .map_err(|e| anyhow!("chain id: {e}"))?,
            account.account_number,
        )
        .map_err(|e| anyhow!("cannot build sign doc: {e}"))?;
        let raw = doc
            .sign(&signer.key)
            .map_err(|e| anyhow!("cannot sign: {e}"))?;
        raw.to_bytes().map_err(|e| anyhow!("cannot encode tx: {e}"))
    }

    /// Executes `msg` on `contract` with `funds` attached, as one transaction.
    pub fn execute_contract(
        &self,
        signer: &Signer,
        contract: &str,
        msg: &impl Serialize,
        funds: Vec<Coin>,
        memo: &str,
    ) -> Result<TxResult> {
        let exec = MsgExecuteContract {
            sender: signer.address.clone(),
            contract: contract
                .parse()
                .map_err(|e| anyhow!("contract address {contract}: {e}"))?,
            msg: serde_json::to_vec(msg)?,
            funds,
        };
        let any = exec
            .to_any()
            .map_err(|e| anyhow!("cannot encode the message: {e}"))?;
        self.execute_tx(signer, vec![any], memo)
    }

    /// Simulates, signs with the simulated gas, broadcasts and waits for the block.
    pub fn execute_tx(&self, signer: &Signer, msgs: Vec<Any>, memo: &str) -> Result<TxResult> {
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
                RpcError::QueryFailed { log, .. } => anyhow!("transaction would fail: {log}"),
                other => other.into(),
            })?;
        let used = sim.gas_info.map(|g| g.gas_used).unwrap_or_default();
        let gas = (used as f64 * self.network.gas_adjustment).ceil() as u64;

        let tx = self.sign(signer, &msgs, memo, &account, gas)?;
        let check = self.rpc.broadcast_tx_sync(&tx)?;
        if check.code != 0 {
            bail!(
                "transaction refused by the mempool ({} {}): {}",
                check.codespace,
                check.code,
                check.log
            );
        }
        let started = Instant::now();
        loop {
            if let Some(result) = self.rpc.tx(&check.hash)? {
                if result.code != 0 {
                    bail!(
                        "transaction {} failed in block {} ({} {}): {}",
                        check.hash,
                        result.height,
                        result.codespace,
                        result.code,
                        result.log
                    );
                }
                return Ok(result);
            }
            if started.elapsed() > INCLUSION_TIMEOUT {
                bail!(
                    "transaction {} not in a block after {:?}",
                    check.hash,
                    INCLUSION_TIMEOUT
                );
            }
            std::thread::sleep(Duration::from_millis(400));
        }
    }
}
