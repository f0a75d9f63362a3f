"""Lays out the ONNX backend test models shipped in the `onnx` package as one directory per case:

    OUT/<suite>/<case>/model.onnx
    OUT/<suite>/<case>/test_data_set_0/input_<i>.pb, output_<i>.pb

for the suites pytorch-converted, pytorch-operator and light. The light models ship without inputs;
they get the inputs onnx's own backend test runner feeds them (its `generate_dummy_data`, not
random), so their shipped outputs are the reference.

Usage: python onnx-test-data.py OUT
"""

import os
import shutil
import sys

import onnx
from onnx import numpy_helper
from onnx.backend.test.runner import Runner

out = sys.argv[1]
data = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")

for suite in ("pytorch-converted", "pytorch-operator"):
    for case in sorted(os.listdir(os.path.join(data, suite))):
        src = os.path.join(data, suite, case)
        dst = os.path.join(out, suite, case)
        if os.path.isdir(src) and not os.path.exists(dst):
            shutil.copytree(src, dst)

light = os.path.join(data, "light")
for file in sorted(os.listdir(light)):
    if not file.endswith(".onnx"):
        continue
    case = file[: -len(".onnx")]
    dst = os.path.join(out, "light", case)
    if os.path.exists(dst):
        continue
    model = onnx.load(os.path.join(light, file))
    sets = os.path.join(dst, "test_data_set_0")
    os.makedirs(sets)
    shutil.copy(os.path.join(light, file), os.path.join(dst, "model.onnx"))
    initializers = {i.name for i in model.graph.initializer}
    n = 0
    for x in model.graph.input:
        if x.name in initializers:
            continue
        value = Runner.generate_dummy_data(x, seed=0, name=case, random=False)
        tensor = numpy_helper.from_array(value, name=x.name)
        with open(os.path.join(sets, f"input_{n}.pb"), "wb") as f:
            f.write(tensor.SerializeToString())
        n += 1
    for i in range(len(model.graph.output)):
        shutil.copy(os.path.join(light, f"{case}_output_{i}.pb"), os.path.join(sets, f"output_{i}.pb"))

print(out)
