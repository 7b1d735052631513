#!/usr/bin/env python3
"""Fails unless every gabbit file listed in passing.txt ran and passed fully.

usage: check.py RESULTS.json PASSING.txt   (RESULTS from the harness's --json)
"""
import json
import sys


def main(results_path, passing_path):
    with open(results_path) as f:
        results = json.load(f)
    by_file = {r["file"]: r for r in results["files"]}
    wanted = [line.strip() for line in open(passing_path)
              if line.strip() and not line.lstrip().startswith("#")]
    bad = []
    for name in wanted:
        fname = name if name.endswith(".yaml") else name + ".yaml"
        r = by_file.get(fname)
        if r is None:
            bad.append(f"{fname}: not run")
        elif r["failed"] or r.get("error") or r["passed"] == 0:
            bad.append(f"{fname}: {r['passed']} passed, {r['failed']} failed"
                       + (f", error: {r['error']}" if r.get("error") else ""))
    t = results["totals"]
    print(f"conformance (listed files): {t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped")
    if bad:
        print("regressed gabbit files listed in passing.txt:")
        for b in bad:
            print("  " + b)
        return 1
    print(f"all {len(wanted)} listed gabbit files pass")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
