//! One output path for every command: the value as JSON with `--json`, else its text rendering;
//! and one place that turns a command's outcome into the process's exit status.

use std::process::ExitCode;

use anyhow::Result;
use poi_client::TxResult;
use serde::Serialize;

/// How a command ended, short of an error.
pub enum Outcome {
    Done,
    /// A check that ran but did not hold (`poi verify`, `poi light recheck`): exit status 1.
    Mismatch,
}

impl From<bool> for Outcome {
    fn from(matched: bool) -> Self {
        if matched {
            Outcome::Done
        } else {
            Outcome::Mismatch
        }
    }
}

/// 0 done, 1 a check did not hold, 2 an error (printed to stderr with its causes).
pub fn exit_code(result: Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Mismatch) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

pub fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        println!("{}", text(value));
    }
    Ok(())
}

/// A transaction's outcome: its height and gas, with what the command adds (`extra`, an object).
pub fn transaction(json: bool, result: &TxResult, extra: serde_json::Value) -> Result<()> {
    let mut out = serde_json::json!({
        "height": result.height,
        "gas_wanted": result.gas_wanted,
        "gas_used": result.gas_used,
    });
    if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        out.extend(extra.clone());
    }
    print(json, &out, |_| {
        let mut text = format!(
            "included at height {} (gas used {} of {})",
            result.height, result.gas_used, result.gas_wanted
        );
        for (key, value) in extra.as_object().into_iter().flatten() {
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text.push_str(&format!("\n{key}: {value}"));
        }
        text
    })
}
