//! What tract assumes of an ONNX graph, checked before tract sees it.
//!
//! tract reports most malformed models as errors, but a few shapes of graph make it panic, loop
//! or allocate without bound. Each check here is one the fuzz targets found; refusing the graph
//! first turns the failure into a typed `ModelDecode` error in every engine, native or wasm.

use std::collections::HashSet;

use tract_onnx::pb;

use crate::VerifyError;

/// Checks a graph and, through node attributes, every subgraph in it.
pub fn check_graph(graph: &pb::GraphProto) -> Result<(), VerifyError> {
    check_outputs_are_defined(graph)?;
    for node in &graph.node {
        check_node(graph, node)?;
        for attribute in &node.attribute {
            attribute
                .g
                .iter()
                .chain(&attribute.graphs)
                .try_for_each(check_graph)?;
        }
    }
    Ok(())
}

fn refuse(graph: &pb::GraphProto, what: String) -> VerifyError {
    VerifyError::ModelDecode {
        reason: format!("graph `{}`: {what}", graph.name),
    }
}

/// Every output must be one of the graph's inputs, initializers or node outputs: tract looks
/// outputs up by name and panics on a dangling one.
fn check_outputs_are_defined(graph: &pb::GraphProto) -> Result<(), VerifyError> {
    let defined: HashSet<&str> = graph
        .input
        .iter()
        .map(|i| i.name.as_str())
        .chain(graph.initializer.iter().map(|t| t.name.as_str()))
        .chain(
            graph
                .node
                .iter()
                .flat_map(|n| n.output.iter().map(String::as_str)),
        )
        .collect();
    match graph
        .output
        .iter()
        .find(|o| !defined.contains(o.name.as_str()))
    {
        Some(dangling) => Err(refuse(
            graph,
            format!("outputs `{}`, which nothing in it defines", dangling.name),
        )),
        None => Ok(()),
    }
}

fn check_node(graph: &pb::GraphProto, node: &pb::NodeProto) -> Result<(), VerifyError> {
    // A `Transpose` whose `perm` repeats an axis sent tract's axis tracking round without end,
    // growing memory by gigabytes.
    if node.op_type == "Transpose"
        && let Some(perm) = node.attribute.iter().find(|a| a.name == "perm")
    {
        let mut seen = vec![false; perm.ints.len()];
        for &axis in &perm.ints {
            match usize::try_from(axis).ok().and_then(|a| seen.get_mut(a)) {
                Some(slot) if !*slot => *slot = true,
                _ => {
                    return Err(refuse(
                        graph,
                        format!(
                            "Transpose `{}` has perm {:?}, which is not a permutation",
                            node.name, perm.ints
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
