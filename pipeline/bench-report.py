#!/usr/bin/env python3
"""bench-report.py DIR: turn the raw-<profile>-<on|off>.txt files of
bench.sh into results.md (a table per workload), results.csv (the same
numbers), runs.csv (every run) and chart.png (gnuplot), and print the
tables. Medians over the repetitions, with the spread (min-max) beside.
"""
import csv
import glob
import os
import re
import statistics
import subprocess
import sys

PROFILES = ["unthrottled", "ssd", "disk"]
PROFILE_TEXT = {
    "unthrottled": "unthrottled",
    "ssd": "SSD-like (200 MB/s, 5000 IOPS)",
    "disk": "disk-like (100 MB/s, 150 IOPS)",
}
WORKLOADS = {
    "W1": "W1 re-read: 512 MiB read sequentially, 3 passes",
    "W2": "W2 random: fio, 16000 zipf(0.2) random 128 KiB reads over 512 MiB, verify on",
    "W3": "W3 tree walk: find + grep -r over 6159 files, 288 MiB, twice",
    "W4": "W4 control: 64 MiB (fits in memory) read 4 times",
}
FIELDS = ["secs", "sectors", "pass1", "pass2", "pass3", "puts", "hits",
          "evictions"]


def load(top):
    runs = []
    for path in sorted(glob.glob(os.path.join(top, "raw-*-*.txt"))):
        m = re.match(r"raw-(\w+)-(on|off)\.txt$", os.path.basename(path))
        if not m:
            continue
        for line in open(path):
            # A workload's own output may precede the line's start.
            m2 = re.search(r"bench: (workload=.*)", line)
            if not m2:
                continue
            kv = dict(f.split("=", 1) for f in m2.group(1).split())
            run = {"profile": m.group(1), "mode": m.group(2),
                   "workload": kv["workload"], "rep": int(kv["rep"]),
                   "verify": kv["verify"]}
            for f in FIELDS:
                run[f] = float(kv.get(f, 0))
            runs.append(run)
    return runs


def med(runs, f):
    return statistics.median(r[f] for r in runs)


def spread(runs, f, fmt):
    lo, hi = min(r[f] for r in runs), max(r[f] for r in runs)
    return fmt % lo if lo == hi else (fmt + "-" + fmt) % (lo, hi)


def pct(off, on):
    return 100.0 * (off - on) / off if off else 0.0


def summarize(runs):
    rows = []
    for w in WORKLOADS:
        for p in PROFILES:
            off = [r for r in runs if r["workload"] == w and r["profile"] == p
                   and r["mode"] == "off"]
            on = [r for r in runs if r["workload"] == w and r["profile"] == p
                  and r["mode"] == "on"]
            if not off or not on:
                continue
            row = {
                "workload": w, "profile": p, "reps": min(len(off), len(on)),
                "sectors_off": med(off, "sectors"),
                "sectors_on": med(on, "sectors"),
                "secs_off": med(off, "secs"), "secs_on": med(on, "secs"),
                "secs_off_spread": spread(off, "secs", "%.2f"),
                "secs_on_spread": spread(on, "secs", "%.2f"),
                "sectors_off_spread": spread(off, "sectors", "%d"),
                "sectors_on_spread": spread(on, "sectors", "%d"),
                "hits": med(on, "hits"), "puts": med(on, "puts"),
                "evictions": med(on, "evictions"),
                "verify": "ok" if all(r["verify"] == "ok" for r in off + on)
                          else "FAILED",
            }
            row["reduction"] = pct(row["sectors_off"], row["sectors_on"])
            row["ratio"] = (row["secs_on"] / row["secs_off"]
                            if row["secs_off"] else 0)
            if w == "W1":
                later_off = med(off, "pass2") + med(off, "pass3")
                later_on = med(on, "pass2") + med(on, "pass3")
                row["later_reduction"] = pct(later_off, later_on)
            rows.append(row)
    return rows


def table(rows, w):
    out = ["### " + WORKLOADS[w], ""]
    head = ["disk", "sectors off", "sectors on", "fewer",
            "time off (s)", "time on (s)", "on/off",
            "tmem hits", "puts", "Xen evictions", "verify"]
    if w == "W1":
        head.insert(4, "fewer, passes 2-3")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for r in rows:
        if r["workload"] != w:
            continue
        cells = [PROFILE_TEXT[r["profile"]],
                 "%d (%s)" % (r["sectors_off"], r["sectors_off_spread"]),
                 "%d (%s)" % (r["sectors_on"], r["sectors_on_spread"]),
                 "%.1f%%" % r["reduction"],
                 "%.2f (%s)" % (r["secs_off"], r["secs_off_spread"]),
                 "%.2f (%s)" % (r["secs_on"], r["secs_on_spread"]),
                 "%.3f" % r["ratio"],
                 "%d" % r["hits"], "%d" % r["puts"], "%d" % r["evictions"],
                 r["verify"]]
        if w == "W1":
            cells.insert(4, "%.1f%%" % r["later_reduction"])
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def chart(top, rows):
    dat = os.path.join(top, "chart.dat")
    profiles = [p for p in PROFILES if any(r["profile"] == p for r in rows)]
    with open(dat, "w") as f:
        for w in WORKLOADS:
            vals = []
            for p in profiles:
                r = [x for x in rows if x["workload"] == w and x["profile"] == p]
                vals += (["%.2f" % r[0]["reduction"], "%.3f" % r[0]["ratio"]]
                         if r else ["0", "0"])
            f.write(w + " " + " ".join(vals) + "\n")
    red = ", ".join("'%s' using %d:xtic(1) title '%s'" %
                    (dat if i == 0 else "", 2 + 2 * i, PROFILE_TEXT[p])
                    for i, p in enumerate(profiles))
    rat = ", ".join("'%s' using %d:xtic(1) title '%s'" %
                    (dat if i == 0 else "", 3 + 2 * i, PROFILE_TEXT[p])
                    for i, p in enumerate(profiles))
    script = """
set terminal pngcairo size 1100,480 font ',10'
set output '%s'
set multiplot layout 1,2 title 'tmem on vs off: 256 MiB dom0, medians'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set title 'Fewer sectors read with tmem (%%)'
set yrange [0:100]
plot %s
set title 'Run time, tmem on / off (lower is better)'
set yrange [0:*]
set key top right
plot %s, 1 with lines dt 2 lc rgb 'black' notitle
unset multiplot
""" % (os.path.join(top, "chart.png"), red, rat)
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("bench-report: no chart: %s" % e, file=sys.stderr)


def main():
    top = sys.argv[1]
    runs = load(top)
    if not runs:
        sys.exit("bench-report: no runs in " + top)
    with open(os.path.join(top, "runs.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, ["profile", "mode", "workload", "rep"] +
                            FIELDS + ["verify"])
        wr.writeheader()
        wr.writerows(runs)
    rows = summarize(runs)
    cols = ["workload", "profile", "reps", "sectors_off", "sectors_on",
            "reduction", "secs_off", "secs_on", "ratio", "secs_off_spread",
            "secs_on_spread", "hits", "puts", "evictions", "verify",
            "later_reduction"]
    with open(os.path.join(top, "results.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, cols, extrasaction="ignore")
        wr.writeheader()
        wr.writerows(rows)
    md = []
    for w in WORKLOADS:
        if any(r["workload"] == w for r in rows):
            md += table(rows, w)
    bad = sum(r["verify"] != "ok" for r in runs)
    md.append("Runs: %d, verify errors: %d. Medians over the repetitions, "
              "min-max in brackets; times are QEMU TCG guest seconds." %
              (len(runs), bad))
    with open(os.path.join(top, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    chart(top, rows)
    print("\nresults: %s/{results.md,results.csv,runs.csv,chart.png}" % top)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
