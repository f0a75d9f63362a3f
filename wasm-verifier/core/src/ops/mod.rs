//! The ONNX operators poi runs beyond tract-onnx's own: each family in one file, each registered
//! here into tract-onnx's op registry, so a model is read exactly as tract would read it except
//! for the operators named below.
//!
//! A family is translated into tract's core ops where that computes what the ONNX standard says
//! (an expansion), and is a small op of its own where it does not. Either way the op reports a bad
//! input (a class index out of range, say) as an error, never a panic, and never reads outside a
//! tensor.

use tract_onnx::model::OnnxOpRegister;

mod attention;
mod bitcast;
mod causal_conv;
mod cumulative;
mod linear_attention;
mod loss;
mod quantize;

/// tract-onnx's framework with poi's operators registered into it.
pub fn onnx() -> tract_onnx::Onnx {
    let mut onnx = tract_onnx::onnx();
    register(&mut onnx.op_register);
    onnx
}

fn register(registry: &mut OnnxOpRegister) {
    attention::register(registry);
    bitcast::register(registry);
    causal_conv::register(registry);
    cumulative::register(registry);
    linear_attention::register(registry);
    loss::register(registry);
    quantize::register(registry);
}
