"""Lays out the ONNX backend test models shipped in the `onnx` package as one directory per case:

    OUT/<suite>/<case>/model.onnx
    OUT/<suite>/<case>/test_data_set_0/input_<i>.pb, output_<i>.pb

for the suites pytorch-converted, pytorch-operator and light, and node: the operator tests every
ONNX runtime reports against, one operator per case. The light models ship without inputs; they get
the inputs onnx's own backend test runner feeds them (its `generate_dummy_data`, not random), so
their shipped outputs are the reference. The node tests left the wheel after onnx 1.22; they are
taken from that release's wheel (downloaded from PyPI, the data only: nothing of it is installed).

Usage: python onnx-test-data.py OUT
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

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

# The last onnx release whose wheel ships the node tests (1 765 cases).
NODE_TESTS_FROM = "onnx==1.22.0"
NODE_PREFIX = "onnx/backend/test/data/node/"
node = os.path.join(out, "node")
if not os.path.isdir(node):
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary=:all:", "--dest", tmp, NODE_TESTS_FROM],
            check=True,
        )
        (wheel,) = glob.glob(os.path.join(tmp, "onnx-*.whl"))
        staged = os.path.join(tmp, "node")
        with zipfile.ZipFile(wheel) as z:
            for member in z.namelist():
                if member.startswith(NODE_PREFIX) and not member.endswith("/"):
                    target = os.path.join(staged, member[len(NODE_PREFIX):])
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with z.open(member) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
        # Moved into place whole, so an interrupted download leaves no half suite behind.
        os.rename(staged, node)

print(out)
