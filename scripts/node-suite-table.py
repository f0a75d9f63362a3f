#!/usr/bin/env python3
"""Prints the per-operator table of the ONNX node suite for docs/verifier.md: for each operator
family, its cases, how many onnxruntime passes, how many the artefact passes, and how many of
onnxruntime's the artefact passes too, from the two committed records.

usage: scripts/node-suite-table.py DATA/node [--gaps]

A case's family is the operator of its model (the first node that is not a `Constant`); an
`_expanded` case (the standard's own expansion of the operator into others) counts in the family
of the operator it expands. With --gaps, only the families where the artefact passes fewer of
onnxruntime's cases than onnxruntime does."""

import collections
import os
import re
import sys

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDS = os.path.join(HERE, "..", "wasm-verifier", "host", "tests")


def outcomes(name):
    with open(os.path.join(RECORDS, name)) as f:
        return dict(
            (case.strip(), outcome.strip())
            for case, outcome in (line.split(":", 1) for line in f if not line.startswith("#") and ":" in line)
        )


def reason(outcome):
    """The gist of a refusal: the verifier's reason without its preamble and node names (the record
    cuts reasons at 160 characters, which can leave only a node's name)."""
    why = outcome.split(": ", 1)[-1]
    if "ONNX data type 8" in why:
        return "strings"
    if m := re.search(r"Unimplemented\((\w+)\)", why):
        return f"tract has no {m.group(1)}"
    for preamble in ("the model cannot be prepared for these inputs: ", "the model cannot be read: "):
        why = why.removeprefix(preamble)
    why = re.sub(r'(Failed analyse for |Translating )?node #\d+ "[^"]*("|$) ?', "", why)
    why = re.sub(r"Building node\s+\(\w+\): ", "", why)
    if why.startswith("If:"):
        why = "If: typing its branches fails"
    why = why.strip() or "typing the expansion fails"
    return why if len(why) <= 64 else why[:64].rsplit(" ", 1)[0] + " ..."


def family(data, case):
    base = case.removeprefix("node/")
    base = base[: -len("_expanded")] if base.endswith("_expanded") and os.path.isdir(os.path.join(data, base[: -len("_expanded")])) else base
    model = onnx.load(os.path.join(data, base, "model.onnx"), load_external_data=False)
    ops = [n.op_type for n in model.graph.node if n.op_type != "Constant"]
    return ops[0] if ops else "Constant"


def main():
    data = sys.argv[1]
    gaps = "--gaps" in sys.argv[2:]
    ours, theirs = outcomes("node-suite.expected"), outcomes("node-suite.onnxruntime")
    rows = collections.defaultdict(lambda: [0, 0, 0, 0, collections.Counter()])
    for case, outcome in ours.items():
        row = rows[family(data, case)]
        ort = theirs.get(case) == "pass"
        row[0] += 1
        row[1] += ort
        row[2] += outcome == "pass"
        row[3] += ort and outcome == "pass"
        if ort and outcome != "pass":
            row[4][reason(outcome)] += 1
    print("| operator | cases | onnxruntime passes | the artefact passes | of onnxruntime's | where it does not |")
    print("|---|---:|---:|---:|---:|---|")
    for op, (cases, ort, poi, both, why) in sorted(rows.items(), key=lambda kv: kv[0].lower()):
        if gaps and both == ort:
            continue
        reasons = "; ".join(f"{n}: {w}" for w, n in why.most_common()).replace("|", "\\|")
        print(f"| {op} | {cases} | {ort} | {poi} | {both} | {reasons} |")


if __name__ == "__main__":
    main()
