"""Writes the verifier benchmark's cases: each model with its inputs as .npy, and a manifest.

Usage: python verifier-prepare.py CACHE OUT CASE...
  CASE = suite/name          a model of the onnx package's test data under CACHE/onnx-data, with
                             the inputs it ships;
  CASE = suite/name@N        the same with the inputs of its data set N (a language model's
                             generation step N, its cache grown by the steps before);
  CASE = real/name:SHAPE     a model with real weights under CACHE/real-models (see setup.sh), on
                             a seeded random float32 input of SHAPE (like 1x3x224x224);
  CASE = demo/name:INPUT     the demo's model CACHE/demo-data/name.onnx on the demo's input
                             CACHE/demo-data/INPUT (a .npy, such as digit-7.npy);
  CASE = gemm/N:D            D f32 MatMuls in a chain, an NxN input by an NxN constant each,
                             written to OUT: the matrix-kernel microbenchmark. The chain makes
                             the products most of a run; decoding, hashing and encoding the
                             NxN input and output are paid once.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

cache, out, cases = sys.argv[1], sys.argv[2], sys.argv[3:]


def graph_inputs(model):
    inits = {i.name for i in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in inits]


def save(case, i, array):
    path = os.path.join(out, case.replace("/", "_") + f"_{i}.npy")
    np.save(path, np.ascontiguousarray(array))
    return path


manifest = []
def gemm(n, depth):
    """A model that is `depth` NxN by NxN matrix products in a chain, the constants seeded and
    scaled by 1/sqrt(N) so the values stay near 1 however long the chain."""
    rng = np.random.default_rng(11)
    weights = [
        numpy_helper.from_array(rng.standard_normal((n, n), dtype=np.float32) / np.float32(np.sqrt(n)), f"w{i}")
        for i in range(depth)
    ]
    values = ["a"] + [f"c{i}" for i in range(depth)]
    graph = helper.make_graph(
        [helper.make_node("MatMul", [values[i], f"w{i}"], [values[i + 1]]) for i in range(depth)],
        f"gemm{n}x{depth}",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info(values[-1], TensorProto.FLOAT, [n, n])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = os.path.join(out, f"gemm{n}x{depth}.onnx")
    onnx.save(model, path)
    return path


for case in cases:
    if case.startswith("gemm/"):
        n, depth = (int(x) for x in case.removeprefix("gemm/").split(":"))
        path = gemm(n, depth)
        case = f"gemm/{depth}x{n}x{n}x{n}"
        arrays = [np.random.default_rng(7).standard_normal((n, n), dtype=np.float32)]
    elif case.startswith("demo/"):
        name, input_file = case.removeprefix("demo/").split(":")
        path = os.path.join(cache, "demo-data", name + ".onnx")
        case = "demo/" + name
        arrays = [np.load(os.path.join(cache, "demo-data", input_file))]
    elif case.startswith("real/"):
        name, shape = case.removeprefix("real/").split(":")
        path = os.path.join(cache, "real-models", name + ".onnx")
        case = "real/" + name
        array = np.random.default_rng(7).random(tuple(int(d) for d in shape.split("x")), dtype=np.float32)
        arrays = [array]
    else:
        case, _, data_set = case.partition("@")
        src = os.path.join(cache, "onnx-data", case)
        path = os.path.join(src, "model.onnx")
        if data_set:
            case += f" step {data_set}"
        arrays = []
        for i in range(len(graph_inputs(onnx.load(path)))):
            tensor = onnx.TensorProto()
            with open(os.path.join(src, f"test_data_set_{data_set or 0}", f"input_{i}.pb"), "rb") as f:
                tensor.ParseFromString(f.read())
            arrays.append(numpy_helper.to_array(tensor))
    names = graph_inputs(onnx.load(path))
    entry = {"case": case, "model": path, "inputs": []}
    for i, (name, array) in enumerate(zip(names, arrays)):
        entry["inputs"].append(
            {"name": name, "npy": save(case, i, array), "dtype": str(array.dtype), "shape": list(array.shape)}
        )
    manifest.append(entry)
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
