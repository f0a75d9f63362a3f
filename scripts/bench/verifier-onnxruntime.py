"""onnxruntime (CPU, one thread): median milliseconds to create a session and run it once."""

import json
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

manifest, runs = json.load(open(sys.argv[1])), int(sys.argv[2])
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
for entry in manifest:
    feeds = {i["name"]: np.load(i["npy"]) for i in entry["inputs"]}
    model = open(entry["model"], "rb").read()
    times = []
    for run in range(runs + 1):  # run 0 is untimed (see scripts/bench-verifier.sh)
        start = time.perf_counter()
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        session.run(None, feeds)
        if run > 0:
            times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"engine": "onnxruntime", "case": entry["case"], "ms": statistics.median(times)}))
