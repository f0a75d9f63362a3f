#!/usr/bin/env python3
"""Replaces one benchmark's section of docs/benchmarks.md (from `<!-- NAME:` to `<!-- /NAME -->`),
or appends it if the document has none yet.

    write-section.py DOC NAME SECTION_FILE
"""

import re
import sys

doc_path, name, section_path = sys.argv[1:4]
doc, section = open(doc_path).read(), open(section_path).read()
pattern = re.compile(rf"<!-- {re.escape(name)}:.*?<!-- /{re.escape(name)} -->\n?", re.S)
if pattern.search(doc):
    doc = pattern.sub(lambda _: section, doc)
else:
    doc = doc.rstrip("\n") + "\n\n" + section
open(doc_path, "w").write(doc)
