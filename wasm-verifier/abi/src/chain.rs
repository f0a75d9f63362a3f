//! Runs chained on one another: the outputs of a run, fed as the inputs of the next. This is how a
//! language model's generation is checked step by step: each step is one run, with its own
//! receipt, and the token it chose and the key/value cache it grew are the next step's inputs.
//! Hosts, the CLI and the page (through the light client's bindings) chain runs with this one
//! function, so every engine feeds the next step the same bytes.

use crate::format::{InputFormat, NamedInput};
use crate::output::{self, OutputError};

/// Which output of a run becomes which input of the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub output: String,
    pub input: String,
}

/// Why a run's outputs cannot be the next run's inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("output encoding: {0}")]
    Encoding(#[from] OutputError),
    #[error("the run has no output {0:?} to feed the next one")]
    MissingOutput(String),
}

/// The next run's inputs, one per link, in the links' order: each the named output of the run
/// whose canonical output `encoding` is given, as a `.npy` file, its values unchanged.
pub fn next_inputs(encoding: &[u8], links: &[Link]) -> Result<Vec<NamedInput>, ChainError> {
    let outputs = output::read(encoding)?;
    links
        .iter()
        .map(|link| {
            let output = outputs
                .iter()
                .find(|o| o.summary.name == link.output)
                .ok_or_else(|| ChainError::MissingOutput(link.output.clone()))?;
            Ok(NamedInput {
                name: link.input.clone(),
                format: InputFormat::Npy,
                bytes: output.npy(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An encoding of `(name, dtype, shape, value bytes)` outputs.
    fn encoding(outputs: &[(&str, &str, &[u64], &[u8])]) -> Vec<u8> {
        let mut e = (outputs.len() as u32).to_le_bytes().to_vec();
        for (name, dtype, shape, values) in outputs {
            for s in [name, dtype] {
                e.extend_from_slice(&(s.len() as u32).to_le_bytes());
                e.extend_from_slice(s.as_bytes());
            }
            e.extend_from_slice(&(shape.len() as u32).to_le_bytes());
            shape
                .iter()
                .for_each(|d| e.extend_from_slice(&d.to_le_bytes()));
            e.extend_from_slice(values);
        }
        e
    }

    fn link(output: &str, input: &str) -> Link {
        Link {
            output: output.into(),
            input: input.into(),
        }
    }

    #[test]
    fn a_generation_step_feeds_its_token_and_cache_to_the_next() {
        let cache: Vec<u8> = [0.5f32, -1.25, f32::from_bits(0x7fc0_0000), 3.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let step = encoding(&[
            ("logits", "f32", &[1, 1, 2], &[0; 8]),
            ("next_token", "i64", &[1, 1], &42i64.to_le_bytes()),
            ("present_key.0", "f32", &[1, 1, 2, 2], &cache),
        ]);
        let next = next_inputs(
            &step,
            &[
                link("next_token", "input_ids"),
                link("present_key.0", "past_key.0"),
            ],
        )
        .unwrap();
        assert_eq!(
            next.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["input_ids", "past_key.0"]
        );
        assert!(next.iter().all(|i| i.format == InputFormat::Npy));
        // The header says what the output was, and the values follow it unchanged, at a multiple
        // of 64 bytes as NumPy writes them.
        let npy = &next[1].bytes;
        let header_len = u16::from_le_bytes([npy[8], npy[9]]) as usize;
        let header = std::str::from_utf8(&npy[10..10 + header_len]).unwrap();
        assert_eq!(
            header.trim_end(),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2), }"
        );
        assert_eq!((10 + header_len) % 64, 0);
        assert_eq!(&npy[10 + header_len..], &cache[..]);
        assert!(next[0].bytes.ends_with(&42i64.to_le_bytes()));
        let one_axis = encoding(&[("y", "bool", &[1], &[1])]);
        let npy = &next_inputs(&one_axis, &[link("y", "x")]).unwrap()[0].bytes;
        assert!(
            String::from_utf8_lossy(npy)
                .contains("'descr': '|b1', 'fortran_order': False, 'shape': (1,), }")
        );
    }

    #[test]
    fn a_missing_output_or_a_damaged_encoding_feeds_nothing() {
        let step = encoding(&[("logits", "f32", &[1], &[0; 4])]);
        assert_eq!(
            next_inputs(&step, &[link("present_key.0", "past_key.0")]),
            Err(ChainError::MissingOutput("present_key.0".into()))
        );
        assert_eq!(
            next_inputs(&step[..step.len() - 1], &[link("logits", "x")]),
            Err(ChainError::Encoding(OutputError::Truncated))
        );
    }
}
