"""onnxruntime's output for a model on a seeded random input: the reference `poi verify` is held to.

Usage: python onnxruntime_reference.py MODEL SHAPE OUT   (SHAPE like 1x3x224x224)
Writes OUT.input.npy and OUT.output.npy (the first output) and prints the input and output names.
"""

import sys

import numpy as np
import onnx
import onnxruntime as ort

model, shape, out = sys.argv[1], tuple(int(x) for x in sys.argv[2].split("x")), sys.argv[3]
graph = onnx.load(model).graph
initializers = {i.name for i in graph.initializer}
name = [i.name for i in graph.input if i.name not in initializers][0]
x = np.random.default_rng(7).random(shape, dtype=np.float32)
np.save(f"{out}.input.npy", x)
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.log_severity_level = 3
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
first = session.get_outputs()[0].name
np.save(f"{out}.output.npy", session.run([first], {name: x})[0])
print(name, first)
