"""Writes the verifier benchmark's cases: each model with its inputs as .npy, and a manifest.

Usage: python verifier-prepare.py DATA OUT CASE...   (CASE = suite/name under DATA)
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

data, out, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
manifest = []
for case in cases:
    src = os.path.join(data, case)
    model = onnx.load(os.path.join(src, "model.onnx"))
    inits = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    entry = {"case": case, "model": os.path.join(src, "model.onnx"), "inputs": []}
    for i, name in enumerate(names):
        tensor = onnx.TensorProto()
        with open(os.path.join(src, "test_data_set_0", f"input_{i}.pb"), "rb") as f:
            tensor.ParseFromString(f.read())
        array = numpy_helper.to_array(tensor)
        path = os.path.join(out, case.replace("/", "_") + f"_{i}.npy")
        np.save(path, np.ascontiguousarray(array))
        entry["inputs"].append({"name": name, "npy": path, "dtype": str(array.dtype), "shape": list(array.shape)})
    manifest.append(entry)
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
