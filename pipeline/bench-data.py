#!/usr/bin/env python3
"""bench-data.py DIR: the benchmark's file sets, the same bytes every time.

  w1/part0..3.dat  4 x 128 MiB of random bytes        (W1 re-read)
  w2/              left for fio, which writes its own verifiable file
  w3/dNN/dNN/*.c   ~288 MiB of source-like text files (W3 tree walk)
  w4/small.dat     64 MiB of random bytes             (W4 control)
  manifest         what a correct read must give: md5 sums, the file count
                   of w3 and the md5 of its sorted marker lines

Sizes are set for a 256 MiB guest: W1 and W2 about twice its memory, W3
larger than it, W4 well inside it.
"""
import hashlib
import os
import random
import sys

MIB = 1 << 20
MARKER = "tmem_bench_marker"


def write_random(path, size, seed):
    rnd = random.Random(seed)
    md5 = hashlib.md5()
    with open(path, "wb") as f:
        for _ in range(size // MIB):
            chunk = rnd.randbytes(MIB)
            md5.update(chunk)
            f.write(chunk)
    return md5.hexdigest()


def source_lines(rnd, n):
    words = ["static", "int", "struct", "page", "folio", "return", "if",
             "for", "unsigned", "long", "const", "void", "lock", "unlock",
             "pool", "object", "index", "cleancache", "tmem", "xen"]
    lines = []
    for _ in range(n):
        k = rnd.randint(2, 9)
        body = " ".join(rnd.choice(words) + str(rnd.randint(0, 999))
                        for _ in range(k))
        lines.append("\t" * rnd.randint(0, 3) + body + ";\n")
    return lines


def write_tree(root, total, seed):
    rnd = random.Random(seed)
    pool = source_lines(rnd, 20000)
    written = files = 0
    markers = []
    while written < total:
        d = os.path.join(root, "d%02d" % (files % 48), "s%02d" % (files % 7))
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "f%05d.c" % files)
        size = rnd.randint(8, 88) * 1024
        out, n, line = [], 0, 0
        while n < size:
            if rnd.random() < 0.01:
                s = "/* %s %d %d */\n" % (MARKER, files, line)
                markers.append("%s:%s" % (os.path.relpath(path, root), s))
            else:
                s = rnd.choice(pool)
            out.append(s)
            n += len(s)
            line += 1
        with open(path, "w") as f:
            f.write("".join(out))
        written += n
        files += 1
    md5 = hashlib.md5("".join(sorted(markers)).encode()).hexdigest()
    return files, len(markers), md5


def main():
    top = sys.argv[1]
    manifest = []
    os.makedirs(os.path.join(top, "w1"))
    os.makedirs(os.path.join(top, "w2"))
    os.makedirs(os.path.join(top, "w4"))
    for i in range(4):
        md5 = write_random(os.path.join(top, "w1", "part%d.dat" % i),
                           128 * MIB, 100 + i)
        manifest.append("w1_part%d_md5=%s" % (i, md5))
    files, nmark, md5 = write_tree(os.path.join(top, "w3"), 288 * MIB, 3)
    manifest += ["w3_files=%d" % files, "w3_markers=%d" % nmark,
                 "w3_markers_md5=%s" % md5]
    md5 = write_random(os.path.join(top, "w4", "small.dat"), 64 * MIB, 4)
    manifest.append("w4_md5=%s" % md5)
    with open(os.path.join(top, "manifest"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
