"""Runs the ONNX node tests ($POI_CACHE/onnx-data/node, laid out by onnx-test-data.py) in
onnxruntime and records which it passes, with the tolerance the artefact's node-suite test uses
(rtol 1e-3, atol 1e-4; NaN equals NaN). The record is the yardstick of that test: the share of
the cases onnxruntime passes that the artefact passes too.

Usage: python node-suite-onnxruntime.py DATA RECORD
"""

import glob
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

RTOL, ATOL = 1e-3, 1e-4


def numbered(directory, prefix):
    files = glob.glob(os.path.join(directory, f"{prefix}*.pb"))
    return sorted(files, key=lambda f: int(os.path.basename(f)[len(prefix) : -len(".pb")]))


def tensor(path):
    proto = onnx.TensorProto()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    return numpy_helper.to_array(proto)


def same(ours, expected):
    if ours.shape != expected.shape:
        return f"shape {ours.shape}, expected {expected.shape}"
    if ours.dtype != expected.dtype:
        return f"type {ours.dtype}, expected {expected.dtype}"
    if np.issubdtype(expected.dtype, np.floating) or np.issubdtype(expected.dtype, np.complexfloating):
        if not np.allclose(ours, expected, rtol=RTOL, atol=ATOL, equal_nan=True):
            return "values differ"
    elif not np.array_equal(ours, expected):
        return "values differ"
    return None


def run(case):
    sets = os.path.join(case, "test_data_set_0")
    try:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        session = ort.InferenceSession(os.path.join(case, "model.onnx"), options)
        feeds = {i.name: tensor(f) for i, f in zip(session.get_inputs(), numbered(sets, "input_"))}
        outputs = session.run(None, feeds)
        expected = [tensor(f) for f in numbered(sets, "output_")]
    except Exception as e:  # onnxruntime's refusals are of many types; all mean "not passed"
        return "fail: " + (str(e).splitlines() or [type(e).__name__])[0][:160]
    if len(outputs) != len(expected):
        return f"fail: {len(outputs)} outputs, expected {len(expected)}"
    for ours, theirs in zip(outputs, expected):
        why = same(np.asarray(ours), theirs)
        if why:
            return f"fail: {why}"
    return "pass"


data, record = sys.argv[1], sys.argv[2]
cases = sorted(d for d in os.listdir(data) if os.path.isfile(os.path.join(data, d, "model.onnx")))
outcomes = {case: run(os.path.join(data, case)) for case in cases}
passed = sum(o == "pass" for o in outcomes.values())
with open(record, "w") as f:
    f.write(f"# onnxruntime {ort.__version__} passes {passed} of {len(cases)} node tests (rtol {RTOL:g}, atol {ATOL:g})\n")
    for case in cases:
        f.write(f"node/{case}: {outcomes[case]}\n")
print(f"onnxruntime passes {passed} of {len(cases)}")
