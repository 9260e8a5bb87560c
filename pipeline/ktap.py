#!/usr/bin/env python3
"""Read the KTAP/TAP results out of a VM console log.

The log mixes Xen's and Linux's messages with the results of KUnit (run at
boot) and of the kselftests (run by /init), so lines that are not KTAP are
skipped, and timestamps or console prefixes are stripped. Results nest by
four-space indentation; a result with subtests counts as its subtests (plus
one failure if it failed although none of them did), and results promised
by a plan but never printed count as failures: that is what a crash or a
hang in the middle of a suite looks like.

Usage: ktap.py [--label L] LOG   prints every failure, then
"L: N passed, N failed, N skipped"; exits 1 on failure or no results.
"""

import argparse
import re
import sys

PREFIX = re.compile(r"^(\(d\d+\) )?(\[\s*\d+\.\d+\] )?")
VERSION = re.compile(r"^(K?TAP) version \d+$")
PLAN = re.compile(r"^1\.\.(\d+)")
RESULT = re.compile(r"^(not ok|ok) (\d+)\s*-?\s*([^#]*?)\s*(#\s*(.*))?$")
SUBTEST = re.compile(r"^# Subtest: (.*)$")


class Node:
    def __init__(self, name="", ok=True, directive=""):
        self.name = name
        self.ok = ok
        self.skip = directive.upper().startswith("SKIP")
        self.children = []
        self.plan = None


class Counts:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def fail(self, path, why):
        self.failed += 1
        self.failures.append(f"{path}: {why}")


def clean(line):
    line = line.rstrip("\r\n").replace("\r", "")
    return PREFIX.sub("", line)


def close(stack):
    """Attach the subtests still open (no result line came: the run
    crashed or hung inside them) to their parents as failed results."""
    while len(stack) > 1:
        sub = stack.pop()
        node = Node(sub.name or "(unnamed)", ok=False)
        node.children = sub.children
        node.plan = sub.plan
        stack[-1].children.append(node)


def parse(lines):
    """Return the list of top-level documents, each a Node whose children
    are its top-level results."""
    docs = []
    # stack[i]: the node collecting results at indentation level i
    stack = []
    for raw in lines:
        line = clean(raw)
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if indent % 4:
            continue
        level = indent // 4
        if VERSION.match(stripped):
            if level == 0:
                close(stack)
                docs.append(Node("document"))
                stack = [docs[-1]]
            elif stack and level <= len(stack):
                # A "# Subtest:" line may come first and open the level.
                fresh = (level < len(stack) and not stack[level].children
                         and stack[level].plan is None)
                del stack[level + fresh:]
                if not fresh:
                    stack.append(Node())
            continue
        if not stack or level >= len(stack) + 1:
            continue
        m = PLAN.match(stripped)
        if m:
            if level == len(stack):
                stack.append(Node())
            if level < len(stack):
                stack[level].plan = int(m.group(1))
            continue
        m = SUBTEST.match(stripped)
        if m:
            if level == len(stack):
                stack.append(Node())
            if level < len(stack):
                stack[level].name = m.group(1).strip()
            continue
        m = RESULT.match(stripped)
        if m and level < len(stack):
            node = Node(m.group(3).strip(), m.group(1) == "ok", m.group(5) or "")
            if level + 1 < len(stack):
                sub = stack[level + 1]
                node.children = sub.children
                node.plan = sub.plan
                del stack[level + 1:]
            stack[level].children.append(node)
    close(stack)
    return docs


def count(node, path, counts):
    """Add the leaves under node's results to counts."""
    seen = len(node.children)
    for child in node.children:
        name = f"{path}.{child.name}" if path else child.name
        if child.children:
            before = counts.failed
            count(child, name, counts)
            if not child.ok and counts.failed == before:
                counts.fail(name, "failed")
        elif child.skip:
            counts.skipped += 1
        elif child.ok:
            counts.passed += 1
        else:
            counts.fail(name, "failed")
    if node.plan is not None and seen < node.plan:
        for _ in range(node.plan - seen):
            counts.fail(path or "(top level)",
                        f"{node.plan} results planned, {seen} printed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", default="ktap")
    ap.add_argument("log")
    args = ap.parse_args()
    with open(args.log, errors="replace") as f:
        docs = parse(f)
    counts = Counts()
    for doc in docs:
        count(doc, "", counts)
    for failure in counts.failures:
        print(f"FAIL {args.label}: {failure}")
    if not docs:
        print(f"FAIL {args.label}: no KTAP results in {args.log}")
        counts.failed += 1
    print(f"{args.label}: {counts.passed} passed, {counts.failed} failed,"
          f" {counts.skipped} skipped")
    return 1 if counts.failed else 0


if __name__ == "__main__":
    sys.exit(main())
