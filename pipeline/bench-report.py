#!/usr/bin/env python3
"""bench-report.py DIR: turn the raw-<profile>-<on|off>.txt files of
bench.sh into results.md (a table per workload), results.csv (the same
numbers), runs.csv (every run) and chart.png (gnuplot), and print the
tables. Medians over the repetitions, with the spread (min-max) beside.
DIR/bench.conf, if there, names the machine's memory and W4's passes.

Beyond the tables: W3's second pass alone (the first is cold in both
modes), against its target of 90% fewer sectors, and W4's overhead, tmem
on / off - 1, against its bound of 3%, which a run counts as measured only
when W4's runs last 30 s and are repeated 5 times.
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
    "W4": "W4 control: 64 MiB (fits in memory) read %s times",
}
FIELDS = ["secs", "sectors", "pass1", "pass2", "pass3", "passes", "puts",
          "hits", "evictions", "held"]
MIB_PAGES = 256
# W3's pass 2: the share of its sectors that tmem should spare at least.
W3_TARGET = 90.0
# W4: the most tmem may cost, and what it takes to tell that from TCG's
# noise: runs of at least W4_MIN_SECS, at least W4_MIN_REPS of them.
W4_BOUND = 0.03
W4_MIN_SECS = 30.0
W4_MIN_REPS = 5


def load_conf(top):
    """bench.sh's knobs of the run, as bench.conf has them (KEY=VALUE)."""
    conf = {}
    try:
        for line in open(os.path.join(top, "bench.conf")):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                conf[k] = v
    except OSError:
        pass
    return conf


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
            # The later passes, which a cache can serve: W1's 2-3, W3's 2.
            if w == "W1":
                later_off = med(off, "pass2") + med(off, "pass3")
                later_on = med(on, "pass2") + med(on, "pass3")
                row["later_reduction"] = pct(later_off, later_on)
            elif w == "W3":
                row["later_reduction"] = pct(med(off, "pass2"),
                                             med(on, "pass2"))
            row["held_mib"] = max(r["held"] for r in on) / MIB_PAGES
            row["passes"] = int(med(on + off, "passes"))
            if w == "W4":
                w4_overhead(row, off, on)
            rows.append(row)
    return rows


def w4_overhead(row, off, on):
    """W4's cost of tmem: on / off - 1 of the median run times, its spread
    from the slowest and fastest runs of each mode (any on run against any
    off run: the two modes are different boots, so no run pairs with
    another), and the verdict on the 3% bound: "met" when even the spread's
    top stays within it, "met by the medians" when only the medians do,
    "not met" when the medians exceed it, and "not measured" when the runs
    are too short or too few to tell 3% from noise."""
    if not row["secs_off"]:
        return
    lo = min(r["secs"] for r in on) / max(r["secs"] for r in off) - 1
    hi = max(r["secs"] for r in on) / min(r["secs"] for r in off) - 1
    row["overhead_pct"] = 100.0 * (row["ratio"] - 1)
    row["overhead_min_pct"] = 100.0 * lo
    row["overhead_max_pct"] = 100.0 * hi
    short = min(row["secs_off"], row["secs_on"]) < W4_MIN_SECS
    if short or row["reps"] < W4_MIN_REPS:
        bound = "not measured"
    elif hi <= W4_BOUND:
        bound = "met"
    elif row["ratio"] - 1 <= W4_BOUND:
        bound = "met by the medians"
    else:
        bound = "not met"
    row["bound_3pct"] = bound


def w3_lines(rows):
    """Pass 2 of W3 against its target."""
    w3 = [r for r in rows if r["workload"] == "W3"]
    if not w3:
        return []
    each = ", ".join("%s %.1f%%" % (r["profile"], r["later_reduction"])
                     for r in w3)
    met = all(r["later_reduction"] >= W3_TARGET for r in w3)
    return ["W3 pass 2 alone (pass 1 is cold in both modes): %s fewer "
            "sectors with tmem; target at least %.0f%%: %s." %
            (each, W3_TARGET, "met" if met else "NOT met"), ""]


def w4_lines(rows):
    """W4's overhead per disk profile and what it says of the 3% bound."""
    w4 = [r for r in rows if r["workload"] == "W4" and "bound_3pct" in r]
    if not w4:
        return []
    out = ["W4 overhead, tmem on / off - 1 (median; in brackets the slowest "
           "and fastest pairings of an on run with an off run); bound: at "
           "most %.0f%%, measured with runs of at least %.0f s, %d of "
           "them:" % (100 * W4_BOUND, W4_MIN_SECS, W4_MIN_REPS), ""]
    for r in w4:
        why = ""
        if r["bound_3pct"] == "not measured":
            why = " (runs of %.1f s, %d reps)" % (
                min(r["secs_off"], r["secs_on"]), r["reps"])
        out.append("- %s: %+.1f%% (%+.1f%% to %+.1f%%), %.2f s a pass; "
                   "the 3%% bound: %s%s" %
                   (PROFILE_TEXT[r["profile"]], r["overhead_pct"],
                    r["overhead_min_pct"], r["overhead_max_pct"],
                    r["secs_off"] / r["passes"] if r["passes"] else 0,
                    r["bound_3pct"], why))
    out.append("")
    return out


def title(rows, w):
    if w != "W4":
        return WORKLOADS[w]
    passes = sorted({r["passes"] for r in rows if r["workload"] == w})
    return WORKLOADS[w] % ("/".join("%d" % p for p in passes if p) or "4")


def table(rows, w):
    out = ["### " + title(rows, w), ""]
    head = ["disk", "sectors off", "sectors on", "fewer",
            "time off (s)", "time on (s)", "on/off",
            "tmem hits", "puts", "Xen evictions", "verify"]
    later = {"W1": "fewer, passes 2-3", "W3": "fewer, pass 2"}
    if w in later:
        head.insert(4, later[w])
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
        if w in later:
            cells.insert(4, "%.1f%%" % r["later_reduction"])
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if w == "W3":
        out += w3_lines(rows)
    if w == "W4":
        out += w4_lines(rows)
    return out


def header(conf, rows):
    """What the runs ran on: the machine's memory, dom0's, and the most
    tmem held (with evictions, about all it could)."""
    out = []
    if conf.get("mem"):
        out.append("Machine %s MiB, dom0 %s MiB; Xen's free memory is "
                   "tmem's." % (conf["mem"], conf.get("dom0_mem", "?")))
    held = max([r["held_mib"] for r in rows] or [0])
    evicted = any(r["evictions"] for r in rows)
    if held:
        out.append("tmem held at most %.0f MiB at a run's end%s." %
                   (held, "; Xen evicted, so that is about all it could"
                    if evicted else " and Xen evicted nothing"))
    return out + [""] if out else []


def chart(top, rows, conf):
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
set multiplot layout 1,2 title 'tmem on vs off: %s, medians'
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
""" % (os.path.join(top, "chart.png"),
       ("%s MiB dom0 of %s MiB" % (conf.get("dom0_mem", "256"), conf["mem"])
        if conf.get("mem") else "256 MiB dom0"), red, rat)
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
    conf = load_conf(top)
    rows = summarize(runs)
    cols = ["workload", "profile", "reps", "sectors_off", "sectors_on",
            "reduction", "secs_off", "secs_on", "ratio", "secs_off_spread",
            "secs_on_spread", "hits", "puts", "evictions", "verify",
            "later_reduction", "passes", "held_mib", "overhead_pct",
            "overhead_min_pct", "overhead_max_pct", "bound_3pct"]
    with open(os.path.join(top, "results.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, cols, extrasaction="ignore")
        wr.writeheader()
        wr.writerows(rows)
    md = header(conf, rows)
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
    chart(top, rows, conf)
    print("\nresults: %s/{results.md,results.csv,runs.csv,chart.png}" % top)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
