"""The demo's dataset and model, both real: scikit-learn's copy of the UCI handwritten digits
(1797 8x8 images, CC BY 4.0), read from the scikit-learn wheel `make setup` downloads, and a
softmax classifier trained on it here with numpy, exported to ONNX.

usage: demo-model.py WHEEL OUT_DIR
writes OUT_DIR/digits.csv (the dataset as registered), OUT_DIR/digit-classifier.onnx, and
OUT_DIR/digit-<label>.npy for a few held-out images; prints a JSON summary.
"""
import gzip
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

wheel, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    csv = gzip.decompress(z.read("sklearn/datasets/data/digits.csv.gz"))
(out / "digits.csv").write_bytes(csv)

data = np.loadtxt(out / "digits.csv", delimiter=",")
x, y = data[:, :64] / 16.0, data[:, 64].astype(int)
train, test = slice(0, 1500), slice(1500, None)

# Full-batch gradient descent on the cross-entropy, in float64, a fixed number of steps: the same
# weights on every machine up to the last bits of float rounding.
w, b = np.zeros((64, 10)), np.zeros(10)
onehot = np.eye(10)[y[train]]
for _ in range(500):
    logits = x[train] @ w + b
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    grad = (p - onehot) / len(onehot)
    w -= 2.0 * (x[train].T @ grad + 1e-4 * w)
    b -= 2.0 * grad.sum(axis=0)
accuracy = float(((x[test] @ w + b).argmax(axis=1) == y[test]).mean())

graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["image", "weights"], ["scores"]),
        helper.make_node("Add", ["scores", "bias"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ],
    "digit-classifier",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 64])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
    [
        numpy_helper.from_array(w.astype(np.float32), "weights"),
        numpy_helper.from_array(b.astype(np.float32), "bias"),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, out / "digit-classifier.onnx")

samples = {}
for i in range(1500, len(y)):
    label = int(y[i])
    if label not in samples:
        samples[label] = i
        np.save(out / f"digit-{label}.npy", x[i : i + 1].astype(np.float32))
print(json.dumps({"images": len(y), "test_accuracy": round(accuracy, 4), "samples": sorted(samples)}))
