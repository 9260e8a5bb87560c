#!/usr/bin/env python3
"""bench-report.py DIR: turn the raw-<profile>-<on|off>.txt files of
bench.sh into results.md (a table per workload), results.csv (the same
numbers), runs.csv (every run of W1-W4) and chart.png (gnuplot), and print
the tables. Medians over the repetitions, with the spread (min-max) beside.
DIR/bench.conf, if there, names the machine's memory and W4's passes.
W5 and W6 come from DIR/compile/runs.csv (bench-compile.sh) and
DIR/density/results.csv (bench-density.sh) when they are there; either,
or the raw files alone, make a report.

Beyond the tables: W3's second pass alone (the first is cold in both
modes), against its target of 90% fewer sectors, and W4's overhead, tmem
on / off - 1, against its bound of 3%, which a run counts as measured only
when W4's runs last 30 s and are repeated 5 times. W5 against its target
of 52% fewer sectors read and 8% less time with tmem, W6's aggregate run
time against its target of 30% less with tmem, than with self-ballooning
alone and than with a static split.
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
# W5 and W6, the guest domains' workloads (bench-compile.sh,
# bench-density.sh), on the disk profile only.
W5_TEXT = ("W5 compile: a self-ballooning guest building lua twice, "
           "make clean; make (bench-compile.sh)")
W6_TEXT = ("W6 density: three overcommitted guests at once (W1-, W2- and "
           "W5-like jobs), "
           "a static split, self-ballooning alone (off), and with tmem "
           "(bench-density.sh)")
W5_SECTORS = 52.0
W5_TIME = 8.0
W6_TIME = 30.0
W6_GUESTS = {"g1": "g1 re-read", "g2": "g2 random", "g3": "g3 compile",
             "all": "all (until the last is done)"}


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


def load_csv(path):
    """The rows of a CSV of bench-compile.sh's or bench-density.sh's, [] if
    it is not there."""
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def shorter(base, on):
    """How much shorter, in percent, on's time is than base's."""
    return 100.0 * (1 - on / base) if base else 0.0


def summarize_w5(lines):
    """W5, tmem off and on, medians over the runs of each: sectors are
    read from all of the guest's disks, its data disks and its swap disk,
    the swap disk's part given too."""
    runs = []
    for x in lines:
        run = {"mode": x.get("mode"), "profile": x.get("profile") or "disk",
               "verify": x.get("verify")}
        for f in ["secs", "sectors_data", "sectors_swap", "given_back_mib",
                  "puts", "hits"]:
            run[f] = num(x.get(f))
        run["sectors"] = run["sectors_data"] + run["sectors_swap"]
        runs.append(run)
    off = [r for r in runs if r["mode"] == "off"]
    on = [r for r in runs if r["mode"] == "on"]
    if not off or not on:
        return []
    row = {
        "workload": "W5", "profile": off[0]["profile"],
        "reps": min(len(off), len(on)),
        "sectors_off": med(off, "sectors"), "sectors_on": med(on, "sectors"),
        "sectors_off_spread": spread(off, "sectors", "%d"),
        "sectors_on_spread": spread(on, "sectors", "%d"),
        "sectors_swap_off": med(off, "sectors_swap"),
        "sectors_swap_on": med(on, "sectors_swap"),
        "secs_off": med(off, "secs"), "secs_on": med(on, "secs"),
        "secs_off_spread": spread(off, "secs", "%.1f"),
        "secs_on_spread": spread(on, "secs", "%.1f"),
        "given_back_off": med(off, "given_back_mib"),
        "given_back_on": med(on, "given_back_mib"),
        "hits": med(on, "hits"), "puts": med(on, "puts"),
        "verify": "ok" if all(r["verify"] == "ok" for r in off + on)
                  else "FAILED",
    }
    row["reduction"] = pct(row["sectors_off"], row["sectors_on"])
    row["ratio"] = row["secs_on"] / row["secs_off"] if row["secs_off"] else 0
    row["shorter_pct"] = shorter(row["secs_off"], row["secs_on"])
    met = (row["reduction"] >= W5_SECTORS and row["shorter_pct"] >= W5_TIME
           and row["verify"] == "ok")
    row["target"] = "met" if met else "not met"
    return [row]


def summarize_w6(lines):
    """W6, a row per guest and one for all three (the target's), each with
    tmem on against off (self-ballooning alone) and against the static
    split; a mode not run leaves its columns empty. One run per mode."""
    rows = []
    guests = [g for g in W6_GUESTS if any(x.get("guest") == g for x in lines)]
    for g in guests:
        by = {}
        for x in lines:
            if x.get("guest") == g and x.get("mode") in ("static", "off", "on"):
                by.setdefault(x["mode"], []).append(x)
        if "on" not in by or not ("off" in by or "static" in by):
            continue
        row = {"workload": "W6", "guest": g,
               "profile": by["on"][0].get("profile") or "disk",
               "reps": min(len(v) for v in by.values()),
               "verify": "ok" if all(x.get("verify") == "ok"
                                     for v in by.values() for x in v)
                         else "FAILED"}
        for mode, v in by.items():
            row["secs_" + mode] = statistics.median(num(x["secs"]) for x in v)
            row["sectors_" + mode] = statistics.median(num(x["sectors"])
                                                       for x in v)
            row["given_back_" + mode] = statistics.median(
                num(x["given_back_mib"]) for x in v)
        row["hits"] = num(by["on"][0]["hits"])
        row["puts"] = num(by["on"][0]["puts"])
        for base, suffix in (("off", ""), ("static", "_static")):
            if base not in by:
                continue
            row["reduction" + suffix] = pct(row["sectors_" + base],
                                            row["sectors_on"])
            row["ratio" + suffix] = (row["secs_on"] / row["secs_" + base]
                                     if row["secs_" + base] else 0)
            row["shorter_pct" + suffix] = shorter(row["secs_" + base],
                                                  row["secs_on"])
            if g == "all":
                met = (row["shorter_pct" + suffix] >= W6_TIME
                       and row["verify"] == "ok")
                row["target" + suffix] = "met" if met else "not met"
        rows.append(row)
    return rows


def md_table(heading, head, body):
    """A markdown table under a ### heading: head, the column names;
    body, a list of cells a row; a blank line after it."""
    out = ["### " + heading, "", "| " + " | ".join(head) + " |",
           "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cells) + " |" for cells in body]
    return out + [""]


def w5_table(rows):
    head = ["disk", "sectors off", "sectors on", "fewer",
            "of which swap, off", "swap, on", "time off (s)", "time on (s)",
            "on/off", "given back off (MiB)", "given back on (MiB)",
            "tmem hits", "puts", "verify"]
    body = []
    for r in rows:
        cells = [PROFILE_TEXT.get(r["profile"], r["profile"]),
                 "%d (%s)" % (r["sectors_off"], r["sectors_off_spread"]),
                 "%d (%s)" % (r["sectors_on"], r["sectors_on_spread"]),
                 "%.1f%%" % r["reduction"],
                 "%d" % r["sectors_swap_off"], "%d" % r["sectors_swap_on"],
                 "%.1f (%s)" % (r["secs_off"], r["secs_off_spread"]),
                 "%.1f (%s)" % (r["secs_on"], r["secs_on_spread"]),
                 "%.3f" % r["ratio"],
                 "%d" % r["given_back_off"], "%d" % r["given_back_on"],
                 "%d" % r["hits"], "%d" % r["puts"], r["verify"]]
        body.append(cells)
    out = md_table(W5_TEXT, head, body)
    out.append("Self-ballooning in both modes; off is the guest's tmem "
               "without cleancache and frontswap. Sectors are read from all "
               "of the guest's disks: its data disks (sources, compiler, "
               "output) and its swap disk; given back: the mean memory "
               "self-ballooning gave back; hits and puts: cleancache's and "
               "frontswap's. compile/compile.md has every count.")
    out.append("")
    for r in rows:
        out.append("W5 with tmem: %.1f%% fewer sectors read and %.1f%% "
                   "shorter; target at least %.0f%% fewer sectors and %.0f%% "
                   "shorter: %s." %
                   (r["reduction"], r["shorter_pct"], W5_SECTORS, W5_TIME,
                    r["target"] if r["verify"] == "ok"
                    else "not met (verify FAILED)"))
    out.append("")
    return out


def w6_table(rows):
    head = ["guest", "time static (s)", "time off (s)", "time on (s)",
            "on/off", "on/static", "sectors static", "sectors off",
            "sectors on", "fewer than off", "fewer than static",
            "given back off/on (MiB)", "tmem hits", "puts", "verify"]
    body = []

    def cell(r, key, fmt):
        return fmt % r[key] if key in r else "-"
    for r in rows:
        cells = [W6_GUESTS[r["guest"]],
                 cell(r, "secs_static", "%.0f"), cell(r, "secs_off", "%.0f"),
                 cell(r, "secs_on", "%.0f"), cell(r, "ratio", "%.3f"),
                 cell(r, "ratio_static", "%.3f"),
                 cell(r, "sectors_static", "%d"), cell(r, "sectors_off", "%d"),
                 cell(r, "sectors_on", "%d"), cell(r, "reduction", "%.1f%%"),
                 cell(r, "reduction_static", "%.1f%%"),
                 "%s/%s" % (cell(r, "given_back_off", "%d"),
                            cell(r, "given_back_on", "%d")),
                 "%d" % r["hits"], "%d" % r["puts"], r["verify"]]
        body.append(cells)
    out = md_table(W6_TEXT, head, body)
    out.append("On the disk-like profile, one run per mode; static: each "
               "guest a third of the host's free memory, no tmem, no "
               "self-ballooning; off: self-ballooning alone; on: "
               "self-ballooning and tmem. Times as dom0 sees them; sectors "
               "read from the guests' data disks. density/density.md has "
               "each mode's table.")
    out.append("")
    al = [r for r in rows if r["guest"] == "all"]
    for r in al:
        parts = []
        for base, suffix, name in (("off", "", "self-ballooning alone (off)"),
                                   ("static", "_static", "the static split")):
            if "target" + suffix not in r:
                parts.append("against %s: not run" % name)
                continue
            parts.append("against %s, %.0f s: %.1f%% shorter, %s" %
                         (name, r["secs_" + base], r["shorter_pct" + suffix],
                          r["target" + suffix]))
        out.append("W6 aggregate run time with tmem, %.0f s; target at least "
                   "%.0f%% shorter: %s%s." %
                   (r["secs_on"], W6_TIME, "; ".join(parts),
                    "" if r["verify"] == "ok" else " (verify FAILED)"))
    if not al:
        out.append("W6: no aggregate (\"all\") row, so no verdict.")
    out.append("")
    return out


def w56_notes(conf, w5, w6):
    """What bench.sh was asked for and did not bring: W5 and W6 run on the
    disk profile only."""
    named = conf.get("workloads", "").split()
    profiles = conf.get("profiles", "").split()
    out = []
    for w, rows, sub in (("W5", w5, "compile/runs.csv"),
                         ("W6", w6, "density/results.csv")):
        if w not in named or rows:
            continue
        if profiles and "disk" not in profiles:
            out.append("%s was not run: it runs on the disk-like profile "
                       "only, which BENCH_PROFILES (%s) did not name." %
                       (w, " ".join(profiles)))
        else:
            out.append("%s: no results (no tmem off and on runs in %s)." %
                       (w, sub))
    return out + [""] if out else []


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
    head = ["disk", "sectors off", "sectors on", "fewer",
            "time off (s)", "time on (s)", "on/off",
            "tmem hits", "puts", "Xen evictions", "verify"]
    later = {"W1": "fewer, passes 2-3", "W3": "fewer, pass 2"}
    if w in later:
        head.insert(4, later[w])
    body = []
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
        body.append(cells)
    out = md_table(title(rows, w), head, body)
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
    """Sectors spared and on / off per workload and profile; W5's and W6's
    bars are on the disk-like profile only (W6's: all three guests, tmem
    on against off)."""
    dat = os.path.join(top, "chart.dat")
    profiles = [p for p in PROFILES if any(r["profile"] == p for r in rows)]
    with open(dat, "w") as f:
        for w in list(WORKLOADS) + ["W5", "W6"]:
            if not any(r["workload"] == w for r in rows):
                continue
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
    what = []
    if any(r["workload"] in WORKLOADS for r in rows):
        what.append("%s MiB dom0 of %s MiB" % (conf.get("dom0_mem", "256"),
                                                conf["mem"])
                    if conf.get("mem") else "256 MiB dom0")
    if any(r["workload"] in ("W5", "W6") for r in rows):
        what.append("W5, W6: guests, disk-like")
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
""" % (os.path.join(top, "chart.png"), "; ".join(what), red, rat)
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("bench-report: no chart: %s" % e, file=sys.stderr)


def main():
    top = sys.argv[1]
    runs = load(top)
    w5_lines = load_csv(os.path.join(top, "compile", "runs.csv"))
    w6_lines = load_csv(os.path.join(top, "density", "results.csv"))
    w5 = summarize_w5(w5_lines)
    w6 = summarize_w6(w6_lines)
    if not runs and not w5 and not w6:
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
            "overhead_min_pct", "overhead_max_pct", "bound_3pct",
            # W5 and W6: W6's guest (a row each, and "all"), W6's static
            # split, W5's swap disk, memory given back, the targets.
            "guest", "shorter_pct", "target", "secs_static",
            "sectors_static", "reduction_static", "ratio_static",
            "shorter_pct_static", "target_static", "sectors_swap_off",
            "sectors_swap_on", "given_back_static", "given_back_off",
            "given_back_on"]
    with open(os.path.join(top, "results.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, cols, extrasaction="ignore")
        wr.writeheader()
        wr.writerows(rows + w5 + w6)
    md = header(conf, rows) if rows else []
    for w in WORKLOADS:
        if any(r["workload"] == w for r in rows):
            md += table(rows, w)
    if w5:
        md += w5_table(w5)
    if w6:
        md += w6_table(w6)
    md += w56_notes(conf, w5, w6)
    guest_runs = w5_lines + [x for x in w6_lines if x.get("guest") != "all"]
    bad = (sum(r["verify"] != "ok" for r in runs) +
           sum(x.get("verify") != "ok" for x in guest_runs))
    md.append("Runs: %d, verify errors: %d. Medians over the repetitions, "
              "min-max in brackets; times are QEMU TCG guest seconds." %
              (len(runs) + len(guest_runs), bad))
    where = [("%d of W1-W4 in dom0" % len(runs)) if runs else "",
             ("%d of W5 in a guest" % len(w5_lines)) if w5_lines else "",
             ("%d of W6, a guest's each" % (len(guest_runs) - len(w5_lines)))
             if w6_lines else ""]
    if w5_lines or w6_lines:
        md.append("Of those: %s." % ", ".join(x for x in where if x))
    with open(os.path.join(top, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    chart(top, rows + w5 + [r for r in w6 if r["guest"] == "all"
                            and "ratio" in r], conf)
    print("\nresults: %s/{results.md,results.csv,runs.csv,chart.png}" % top)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
