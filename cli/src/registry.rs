//! `poi registry …`: register assets from files, read them back, move them.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use cosmwasm_std::{Coin, Decimal, Uint128, Uint256};
use poi_types::ContentHash;
use poi_types::cw721::OwnerOfResponse;
use poi_types::merkle::DatasetHasher;
use poi_types::registry::events;
use poi_types::registry::{
    Asset, AssetKind, AssetsResponse, DType, ExecuteMsg, LineageResponse, Metadata, ModelSpec,
    NewAsset, Parent, QueryMsg, RevenueSplitResponse, TensorSpec, VerificationPolicy,
};
use sha2::{Digest, Sha256};

use poi_client::Chain;
use poi_client::Signer;

#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Compute the content hash of a file, as `register` would (nothing is sent).
    Hash {
        #[arg(long)]
        kind: AssetKind,
        file: PathBuf,
    },
    /// Register an asset from a file: its content hash is computed here.
    Register(Box<RegisterArgs>),
    /// Show one asset, by id or by content hash.
    Show {
        id: Option<u64>,
        #[arg(long, conflicts_with = "id")]
        hash: Option<String>,
    },
    /// List assets, optionally of one kind and/or owner.
    List {
        #[arg(long)]
        kind: Option<AssetKind>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        start_after: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Who owns an asset, and who may move it.
    Owner { id: u64 },
    /// Give an asset to someone else.
    Transfer {
        id: u64,
        #[arg(long)]
        to: String,
    },
    /// An asset's ancestors and their share of its fees.
    Lineage { id: u64 },
    /// How a fee paid for an asset divides along its lineage.
    RevenueSplit { id: u64, amount: u128 },
    /// Admin only: approve a verifier build (`poi_verifier.wasm`) for claims, by its file.
    ApproveVerifier {
        file: PathBuf,
        #[arg(long)]
        version: String,
        /// Where others can fetch the same bytes.
        #[arg(long)]
        uri: String,
    },
}

#[derive(Args)]
pub struct RegisterArgs {
    #[arg(long)]
    kind: AssetKind,
    /// The asset's bytes (ONNX model, dataset file, agent bundle).
    #[arg(long)]
    file: PathBuf,
    /// Where others can fetch the bytes.
    #[arg(long)]
    uri: String,
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long, default_value = "")]
    license: String,
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// An asset this one derives from, as ID:BPS (repeatable).
    #[arg(long = "parent", value_parser = parse_parent)]
    parents: Vec<Parent>,
    #[arg(long)]
    previous_version: Option<u64>,
    /// Price per use, e.g. 100stake.
    #[arg(long, value_parser = parse_coin)]
    price: Option<Coin>,
    /// Model input as NAME:DTYPE:DIMS, e.g. x:f32:1x3x224x224 (`?` for a dynamic dimension).
    #[arg(long = "input", value_parser = parse_tensor)]
    inputs: Vec<TensorSpec>,
    /// Model output, same form as --input.
    #[arg(long = "output", value_parser = parse_tensor)]
    outputs: Vec<TensorSpec>,
    /// Verification policy of a model: exact, or tolerance with --atol/--rtol.
    #[arg(long, default_value = "exact")]
    policy: String,
    #[arg(long, default_value = "0", value_parser = parse_decimal)]
    atol: Decimal,
    #[arg(long, default_value = "0", value_parser = parse_decimal)]
    rtol: Decimal,
}

fn parse_parent(s: &str) -> Result<Parent, String> {
    let (id, bps) = s.split_once(':').ok_or("use ID:BPS, e.g. 1:2500")?;
    Ok(Parent {
        asset_id: id
            .parse()
            .map_err(|_| format!("{id:?} is not an asset id"))?,
        weight_bps: bps
            .parse()
            .map_err(|_| format!("{bps:?} is not a weight in bps"))?,
    })
}

fn parse_decimal(s: &str) -> Result<Decimal, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a non-negative decimal"))
}

fn parse_coin(s: &str) -> Result<Coin, String> {
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or("use AMOUNTDENOM, e.g. 100stake")?;
    let (amount, denom) = s.split_at(split);
    let amount: Uint256 = amount
        .parse()
        .map_err(|_| format!("{amount:?} is not an amount"))?;
    Ok(Coin {
        denom: denom.to_string(),
        amount,
    })
}

fn parse_dtype(s: &str) -> Result<DType, String> {
    Ok(match s {
        "f16" => DType::F16,
        "f32" => DType::F32,
        "f64" => DType::F64,
        "i8" => DType::I8,
        "i16" => DType::I16,
        "i32" => DType::I32,
        "i64" => DType::I64,
        "u8" => DType::U8,
        "u16" => DType::U16,
        "u32" => DType::U32,
        "u64" => DType::U64,
        "bool" => DType::Bool,
        other => return Err(format!("unknown dtype {other:?}")),
    })
}

fn parse_tensor(s: &str) -> Result<TensorSpec, String> {
    let mut parts = s.splitn(3, ':');
    let (Some(name), Some(dtype), Some(dims)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("use NAME:DTYPE:DIMS, e.g. x:f32:1x3x224x224".into());
    };
    let shape = if dims.is_empty() {
        vec![]
    } else {
        dims.split('x')
            .map(|d| match d {
                "?" => Ok(None),
                n => n
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("{n:?} is not a dimension")),
            })
            .collect::<Result<_, _>>()?
    };
    Ok(TensorSpec {
        name: name.to_string(),
        dtype: parse_dtype(dtype)?,
        shape,
    })
}

/// The content hash of a file: sha256 of the bytes, or the chunked Merkle root for datasets.
pub fn hash_file(kind: AssetKind, path: &Path) -> Result<ContentHash> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut dataset = DatasetHasher::new();
    let mut plain = Sha256::new();
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        match kind {
            AssetKind::Dataset => dataset.update(&buf[..n]),
            _ => plain.update(&buf[..n]),
        }
    }
    Ok(match kind {
        AssetKind::Dataset => dataset.finalize(),
        _ => ContentHash::from_bytes(plain.finalize().into()),
    })
}

fn new_asset(args: RegisterArgs) -> Result<NewAsset> {
    let content_hash = hash_file(args.kind, &args.file)?;
    let model = match args.kind {
        AssetKind::Model => {
            let policy = match args.policy.as_str() {
                "exact" => VerificationPolicy::Exact {},
                "tolerance" => VerificationPolicy::Tolerance {
                    atol: args.atol,
                    rtol: args.rtol,
                },
                other => bail!("unknown policy {other:?}: use exact or tolerance"),
            };
            if args.inputs.is_empty() || args.outputs.is_empty() {
                bail!("a model needs its signature: at least one --input and one --output");
            }
            Some(ModelSpec {
                inputs: args.inputs,
                outputs: args.outputs,
                policy,
            })
        }
        _ => {
            if !args.inputs.is_empty() || !args.outputs.is_empty() {
                bail!("--input and --output describe models only");
            }
            None
        }
    };
    Ok(NewAsset {
        kind: args.kind,
        content_hash: content_hash.to_string(),
        uri: args.uri,
        metadata: Metadata {
            name: args.name,
            description: args.description,
            license: args.license,
            tags: args.tags,
        },
        previous_version: args.previous_version,
        parents: args.parents,
        price_per_use: args.price,
        model,
    })
}

/// Everything a registry command may need; the signer is only loaded for transactions.
pub struct Session<'a> {
    pub chain: Option<&'a Chain>,
    pub registry: Option<String>,
    pub signer: &'a dyn Fn() -> Result<Signer>,
    pub json: bool,
}

impl Session<'_> {
    fn chain(&self) -> Result<(&Chain, &str)> {
        let chain = self
            .chain
            .ok_or_else(|| anyhow!("this command needs a chain"))?;
        let registry = self
            .registry
            .as_deref()
            .ok_or_else(|| anyhow!("no registry address"))?;
        Ok((chain, registry))
    }

    fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> Result<T> {
        let (chain, registry) = self.chain()?;
        Ok(chain.smart_query(registry, msg)?)
    }

    fn execute(&self, msg: &ExecuteMsg) -> Result<poi_client::TxResult> {
        let (chain, registry) = self.chain()?;
        let signer = (self.signer)()?;
        Ok(chain.execute_contract(&signer, registry, msg, vec![], "poi registry")?)
    }

    fn print<T: serde::Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> Result<()> {
        crate::output::print(self.json, value, human)
    }
}

pub fn needs_chain(cmd: &RegistryCommand) -> bool {
    !matches!(cmd, RegistryCommand::Hash { .. })
}

fn describe(asset: &Asset) -> String {
    let mut out = format!(
        "asset {} ({}, {:?})\n  name:         {}\n  owner:        {}\n  content hash: {}\n  uri:          {}",
        asset.id,
        asset.kind.as_str(),
        asset.status,
        asset.metadata.name,
        asset.owner,
        asset.content_hash,
        asset.uri
    );
    if !asset.parents.is_empty() {
        let parents: Vec<_> = asset
            .parents
            .iter()
            .map(|p| format!("{} ({} bps)", p.asset_id, p.weight_bps))
            .collect();
        out += &format!("\n  parents:      {}", parents.join(", "));
    }
    if let Some(price) = &asset.price_per_use {
        out += &format!("\n  price:        {price} per use");
    }
    if let Some(model) = &asset.model {
        out += &format!("\n  policy:       {:?}", model.policy);
    }
    out
}

pub fn run(cmd: RegistryCommand, ctx: &Session) -> Result<()> {
    match cmd {
        RegistryCommand::Hash { kind, file } => {
            let hash = hash_file(kind, &file)?;
            ctx.print(&serde_json::json!({ "content_hash": hash }), |_| {
                hash.to_string()
            })
        }
        RegistryCommand::Register(args) => {
            let new = new_asset(*args)?;
            let hash = new.content_hash.clone();
            let result = ctx.execute(&ExecuteMsg::RegisterAsset(new))?;
            let id: u64 = result
                .attribute("wasm", events::ASSET_ID)
                .ok_or_else(|| anyhow!("registered, but the transaction reported no asset id"))?
                .parse()?;
            let out = serde_json::json!({
                "asset_id": id,
                "content_hash": hash,
                "height": result.height,
                "gas_wanted": result.gas_wanted,
                "gas_used": result.gas_used,
            });
            ctx.print(&out, |_| {
                format!(
                    "registered asset {id} (content hash {hash}) at height {}",
                    result.height
                )
            })
        }
        RegistryCommand::Show { id, hash } => {
            let msg = match (id, hash) {
                (Some(id), None) => QueryMsg::Asset { id },
                (None, Some(content_hash)) => QueryMsg::AssetByHash { content_hash },
                _ => bail!("give an asset id or --hash"),
            };
            let asset: Asset = ctx.query(&msg)?;
            ctx.print(&asset, describe)
        }
        RegistryCommand::List {
            kind,
            owner,
            start_after,
            limit,
        } => {
            let resp: AssetsResponse = ctx.query(&QueryMsg::Assets {
                kind,
                owner,
                start_after,
                limit,
            })?;
            ctx.print(&resp, |r| {
                r.assets.iter().map(describe).collect::<Vec<_>>().join("\n")
            })
        }
        RegistryCommand::Owner { id } => {
            let resp: OwnerOfResponse = ctx.query(&QueryMsg::OwnerOf {
                token_id: id.to_string(),
                include_expired: None,
            })?;
            ctx.print(&resp, |r| r.owner.clone())
        }
        RegistryCommand::Transfer { id, to } => {
            let result = ctx.execute(&ExecuteMsg::TransferNft {
                recipient: to.clone(),
                token_id: id.to_string(),
            })?;
            let out = serde_json::json!({
                "asset_id": id,
                "recipient": to,
                "height": result.height,
                "gas_wanted": result.gas_wanted,
                "gas_used": result.gas_used,
            });
            ctx.print(&out, |_| {
                format!("transferred asset {id} to {to} at height {}", result.height)
            })
        }
        RegistryCommand::ApproveVerifier { file, version, uri } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let hash = ContentHash::digest(&bytes);
            let result = ctx.execute(&ExecuteMsg::ApproveVerifier {
                hash: hash.to_string(),
                version,
                uri,
            })?;
            let out = serde_json::json!({
                "verifier_hash": hash,
                "height": result.height,
                "gas_wanted": result.gas_wanted,
                "gas_used": result.gas_used,
            });
            ctx.print(&out, |_| {
                format!("approved verifier {hash} at height {}", result.height)
            })
        }
        RegistryCommand::Lineage { id } => {
            let resp: LineageResponse = ctx.query(&QueryMsg::Lineage {
                asset_id: id,
                depth: None,
            })?;
            ctx.print(&resp, |r| {
                r.nodes
                    .iter()
                    .map(|n| {
                        format!(
                            "{}asset {}: share {}, keeps {}",
                            "  ".repeat(n.depth as usize),
                            n.asset_id,
                            n.share,
                            n.retained
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        RegistryCommand::RevenueSplit { id, amount } => {
            let resp: RevenueSplitResponse = ctx.query(&QueryMsg::RevenueSplit {
                asset_id: id,
                amount: Uint128::new(amount),
            })?;
            ctx.print(&resp, |r| {
                r.payouts
                    .iter()
                    .map(|p| format!("asset {}: {} to {}", p.asset_id, p.amount, p.recipient))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tensor_specs_with_dynamic_dimensions() {
        let t = parse_tensor("x:f32:?x3x224x224").unwrap();
        assert_eq!(t.shape, vec![None, Some(3), Some(224), Some(224)]);
        assert_eq!(parse_tensor("s:i64:").unwrap().shape, vec![]);
        assert!(parse_tensor("x:f33:1").is_err());
        assert!(parse_tensor("x:f32").is_err());
    }

    #[test]
    fn parses_parents_and_prices() {
        assert_eq!(
            parse_parent("3:2500").unwrap(),
            Parent {
                asset_id: 3,
                weight_bps: 2500
            }
        );
        assert!(parse_parent("3").is_err());
        let c = parse_coin("100stake").unwrap();
        assert_eq!(
            (c.amount, c.denom.as_str()),
            (Uint256::from(100u32), "stake")
        );
        assert!(parse_coin("stake").is_err());
    }
}
