"""Writes the NaN suite: small models that make NaNs and carry them through the operators where a
NaN's bits could leak into a result (ordering, casts, comparisons, reductions, matrix kernels,
pooling, box suppression, half precision), laid out like the onnx package's test data:

    OUT/nan/<case>/model.onnx
    OUT/nan/<case>/test_data_set_0/input_<i>.pb

Their inputs hold NaNs of both signs and with payloads, infinities of both signs, zeros and
negatives, so the models also make NaNs of their own (0/0, inf - inf, 0 * inf, sqrt and log of
negatives). The verifier runs without NaN canonicalisation, like every browser: the cross-engine
test (tests/browser/verifier.mjs) requires the same output hash from wasmer, Node and Chromium on
each. There are no reference outputs; the hash agreement is the check.

Usage: python nan-models.py OUT
"""

import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = os.path.join(sys.argv[1], "nan")
OPSET = 17
F32, F16, I64, I32, BOOL = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL


def nan_bits(bits):
    return np.array([bits], dtype=np.uint32).view(np.float32)[0]


# A quiet NaN, a negative one, and one with a payload (signalling: arithmetic quiets it).
SPECIALS = [nan_bits(0x7FC00000), nan_bits(0xFFC00000), nan_bits(0x7FA00001)]
LINE = np.array([-1.0, 0.0, np.inf, -np.inf, 2.0, -0.0, *SPECIALS], dtype=np.float32)  # 9 values


def grid(shape, seed):
    """Seeded positive values with every special value scattered through them, so that the NaNs
    stay few and each output shows where they went."""
    rng = np.random.default_rng(seed)
    values = np.abs(rng.standard_normal(shape)).astype(np.float32)
    flat = values.reshape(-1)
    positions = rng.choice(flat.size, size=len(LINE), replace=False)
    flat[positions] = LINE
    return values


def const(name, array):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(array), name))


def save(case, nodes, inputs, outputs, arrays):
    graph = helper.make_graph(nodes, case, inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="poi")
    onnx.checker.check_model(model)
    dst = os.path.join(out, case)
    os.makedirs(os.path.join(dst, "test_data_set_0"))
    onnx.save(model, os.path.join(dst, "model.onnx"))
    for i, (info, array) in enumerate(zip(inputs, arrays)):
        with open(os.path.join(dst, "test_data_set_0", f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(array, info.name).SerializeToString())


def vec(name, dtype=F32, shape=(len(LINE),)):
    return helper.make_tensor_value_info(name, dtype, list(shape))


def elementwise():
    """NaNs made by arithmetic, then through the element-wise operators."""
    n = helper.make_node
    nodes = [
        const("zero", np.zeros(len(LINE), np.float32)),
        const("lo", np.array(-1.0, np.float32)),
        const("hi", np.array(1.0, np.float32)),
        const("half", np.array(0.5, np.float32)),
        n("Sqrt", ["x"], ["sqrt"]),
        n("Log", ["x"], ["log"]),
        n("Div", ["x", "x"], ["div"]),
        n("Sub", ["x", "x"], ["sub"]),
        n("Mul", ["x", "zero"], ["mul"]),
        n("Relu", ["sqrt"], ["relu"]),
        n("Clip", ["div", "lo", "hi"], ["clip"]),
        n("Max", ["sub", "x"], ["max"]),
        n("Min", ["mul", "x"], ["min"]),
        n("Abs", ["log"], ["abs"]),
        n("Neg", ["div"], ["neg"]),
        n("Sign", ["sub"], ["sign"]),
        n("Exp", ["mul"], ["exp"]),
        n("Tanh", ["div"], ["tanh"]),
        n("Sigmoid", ["sub"], ["sigmoid"]),
        n("Floor", ["log"], ["floor"]),
        n("Round", ["sqrt"], ["round"]),
        n("Pow", ["x", "half"], ["pow"]),
        n("LeakyRelu", ["log"], ["leaky"], alpha=0.1),
        n("HardSigmoid", ["sub"], ["hard_sigmoid"]),
        n("Erf", ["div"], ["erf"]),
    ]
    outputs = ["sqrt", "log", "div", "sub", "mul", "relu", "clip", "max", "min", "abs", "neg", "sign",
               "exp", "tanh", "sigmoid", "floor", "round", "pow", "leaky", "hard_sigmoid", "erf"]
    save("nan_elementwise", nodes, [vec("x")], [vec(o) for o in outputs], [LINE])


def ordering():
    """Where a NaN could decide an order, a count or an integer: arg-extrema, top-k, reductions,
    comparisons and casts."""
    n = helper.make_node
    nodes = [
        const("k", np.array([3], np.int64)),
        const("zero", np.array(0.0, np.float32)),
        n("Sqrt", ["x"], ["s"]),
        n("Add", ["s", "x"], ["y"]),
        n("ArgMax", ["y"], ["argmax"], axis=0, keepdims=0),
        n("ArgMin", ["y"], ["argmin"], axis=0, keepdims=0),
        n("TopK", ["y", "k"], ["topk_values", "topk_indices"], axis=0),
        n("ReduceMax", ["y"], ["reduce_max"], keepdims=0),
        n("ReduceMin", ["y"], ["reduce_min"], keepdims=0),
        n("ReduceSum", ["y"], ["reduce_sum"], keepdims=0),
        n("ReduceMean", ["y"], ["reduce_mean"], keepdims=0),
        n("Softmax", ["y"], ["softmax"], axis=0),
        n("Equal", ["y", "y"], ["equal"]),
        n("Greater", ["y", "zero"], ["greater"]),
        n("IsNaN", ["y"], ["isnan"]),
        n("Where", ["isnan", "zero", "y"], ["where"]),
        n("Cast", ["y"], ["to_i32"], to=I32),
        n("Cast", ["y"], ["to_i64"], to=I64),
        n("Cast", ["y"], ["to_bool"], to=BOOL),
    ]
    outputs = [vec("argmax", I64, ()), vec("argmin", I64, ()), vec("topk_values", F32, (3,)),
               vec("topk_indices", I64, (3,)), vec("reduce_max", F32, ()), vec("reduce_min", F32, ()),
               vec("reduce_sum", F32, ()), vec("reduce_mean", F32, ()), vec("softmax"),
               vec("equal", BOOL), vec("greater", BOOL), vec("isnan", BOOL), vec("where"),
               vec("to_i32", I32), vec("to_i64", I64), vec("to_bool", BOOL)]
    save("nan_ordering", nodes, [vec("x")], outputs, [LINE])


def kernels():
    """NaNs through the matrix, convolution and pooling kernels: those made inside (sqrt of the
    negatives) and those given."""
    n = helper.make_node
    rng = np.random.default_rng(11)
    nodes = [
        const("w", rng.standard_normal((4, 1, 3, 3)).astype(np.float32)),
        const("b", rng.standard_normal(4).astype(np.float32)),
        const("m", rng.standard_normal((16, 16)).astype(np.float32)),
        const("shape", np.array([16, 16], np.int64)),
        n("Sqrt", ["x"], ["s"]),
        n("Conv", ["s", "w", "b"], ["conv"], pads=[1, 1, 1, 1]),
        n("Relu", ["conv"], ["relu"]),
        n("MaxPool", ["relu"], ["maxpool"], kernel_shape=[2, 2], strides=[2, 2]),
        n("AveragePool", ["conv"], ["avgpool"], kernel_shape=[2, 2], strides=[2, 2]),
        n("GlobalAveragePool", ["x"], ["gap"]),
        n("Reshape", ["x", "shape"], ["flat"]),
        n("MatMul", ["flat", "m"], ["matmul"]),
        n("Gemm", ["flat", "m"], ["gemm"], transB=1, alpha=0.5),
        n("Softmax", ["matmul"], ["softmax"], axis=1),
    ]
    outputs = [vec("conv", F32, (1, 4, 16, 16)), vec("maxpool", F32, (1, 4, 8, 8)),
               vec("avgpool", F32, (1, 4, 8, 8)), vec("gap", F32, (1, 1, 1, 1)),
               vec("matmul", F32, (16, 16)), vec("gemm", F32, (16, 16)), vec("softmax", F32, (16, 16))]
    save("nan_kernels", nodes, [vec("x", F32, (1, 1, 16, 16))], outputs, [grid((1, 1, 16, 16), 7)])


def boxes():
    """Box suppression where inf - inf makes NaN areas: which boxes survive must not depend on the
    NaN's sign (patches/tract-onnx-opl-0.23.9.patch)."""
    n = helper.make_node
    inf = np.inf
    # Centre format: x, y, width, height.
    given = np.array([[[0, 0, inf, inf], [inf, 0, inf, 1], [0.5, 0.5, 1, 1], [0.4, 0.5, 1, 1],
                       [np.nan, 0, 1, 1]]], dtype=np.float32)
    scores = np.array([[[0.9, 0.8, 0.7, 0.6, 0.5]]], dtype=np.float32)
    nodes = [
        const("max_out", np.array([5], np.int64)),
        const("iou", np.array([0.1], np.float32)),
        n("NonMaxSuppression", ["boxes", "scores", "max_out", "iou"], ["selected"], center_point_box=1),
    ]
    save("nan_boxes", nodes, [vec("boxes", F32, (1, 5, 4)), vec("scores", F32, (1, 1, 5))],
         [helper.make_tensor_value_info("selected", I64, ["n", 3])], [given, scores])


def half():
    """The same through half precision, where tract computes some functions by table lookup on a
    value's bits."""
    n = helper.make_node
    nodes = [
        n("Cast", ["x"], ["h"], to=F16),
        n("Sqrt", ["h"], ["sqrt"]),
        n("Exp", ["h"], ["exp"]),
        n("Sub", ["h", "h"], ["sub"]),
        n("Relu", ["sqrt"], ["relu"]),
        n("ArgMax", ["sub"], ["argmax"], axis=0, keepdims=0),
        n("Cast", ["exp"], ["back"], to=F32),
    ]
    outputs = [vec("sqrt", F16), vec("exp", F16), vec("sub", F16), vec("relu", F16),
               vec("argmax", I64, ()), vec("back")]
    save("nan_half", nodes, [vec("x")], outputs, [LINE])


shutil.rmtree(out, ignore_errors=True)
for make in (elementwise, ordering, kernels, boxes, half):
    make()
print(out)
