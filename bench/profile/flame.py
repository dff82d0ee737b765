#!/usr/bin/env python3
"""Collapsed stacks (async-profiler's "collapsed,threads" output) to an SVG flame graph and a table.

    python3 bench/profile/flame.py IN.collapsed OUT.svg "TITLE" > OUT.txt

The table says where the samples are: per thread, then the event loops' samples by what runs at the
top of the stack (the leaf): a system call and the kernel under it (by the syscall's name), or user
space by owner (pe4j's core, the sip engine, pe4j's forwarder, Caffeine, Netty, the JDK, the JVM's
own C++ code), and the heaviest leaf frames. Written for pe4j's bench; not a copy of any other tool.
"""
import html
import re
import sys
from collections import Counter, defaultdict

SYSCALL = re.compile(r"(?:__x64_sys_|__se_sys_|__do_sys_|__sys_)(\w+?)(?:_\[k\])?$")

OWNERS = [
    ("pe4j core", ("io/pe4j/core/", "io.pe4j.core.")),
    ("sip engine", ("io/pe4j/engines/", "io.pe4j.engines.")),
    ("pe4j forwarder", ("io/pe4j/forwarder/", "io.pe4j.forwarder.")),
    ("pe4j api", ("io/pe4j/api/", "io.pe4j.api.")),
    ("Caffeine", ("com/github/benmanes/", "com.github.benmanes.")),
    ("Netty", ("io/netty/", "io.netty.")),
    ("JDK", ("java/", "jdk/", "sun/", "java.", "jdk.", "sun.")),
]

COLOURS = {
    "kernel": (230, 140, 60),
    "pe4j core": (80, 160, 230),
    "sip engine": (60, 120, 210),
    "pe4j forwarder": (110, 190, 240),
    "pe4j api": (140, 200, 250),
    "Caffeine": (170, 120, 220),
    "Netty": (90, 190, 110),
    "JDK": (200, 200, 90),
    "JVM": (220, 90, 90),
    "thread": (180, 180, 180),
}


def owner(frame):
    if frame.endswith("_[k]"):
        return "kernel"
    if frame.startswith("["):
        return "thread"
    for name, prefixes in OWNERS:
        if frame.startswith(prefixes):
            return name
    return "JVM"  # the VM's own C++ frames, libc, stubs


def read(path):
    stacks = []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line:
            continue
        frames, _, count = line.rpartition(" ")
        stacks.append((frames.split(";"), int(count)))
    return stacks


def is_loop(thread):
    # pe4j's event loops and the Netty floor's: Netty names its threads after the group's class
    return "eventloop" in thread.lower()


def table(stacks, title):
    total = sum(c for _, c in stacks)
    threads = Counter()
    for frames, c in stacks:
        threads[re.sub(r" tid=\d+", "", frames[0]).strip("[]")] += c
    out = [f"# {title}", f"samples: {total} (1 ms of CPU each)", "", "by thread:"]
    for t, c in threads.most_common(12):
        out.append(f"  {100.0 * c / total:5.1f} %  {t}")
    loop = [(f, c) for f, c in stacks if is_loop(f[0])]
    ltotal = sum(c for _, c in loop) or 1
    where = Counter()
    leaves = Counter()
    for frames, c in loop:
        leaf = frames[-1]
        if owner(leaf) == "kernel":
            sys_name = next(
                (m.group(1) for f in frames if (m := SYSCALL.search(f))), "interrupt/softirq")
            where["kernel: " + sys_name] += c
        else:
            where[owner(leaf)] += c
        leaves[leaf] += c
    out += ["", f"event loop samples by where the CPU is (leaf), of {ltotal}:"]
    for w, c in where.most_common():
        out.append(f"  {100.0 * c / ltotal:5.1f} %  {w}")
    # inclusive: share of loop samples whose stack passes through each owner at all
    incl = Counter()
    for frames, c in loop:
        for o in {owner(f) for f in frames[1:]}:
            incl[o] += c
    out += ["", "event loop samples with a frame of (inclusive):"]
    for o, c in incl.most_common():
        out.append(f"  {100.0 * c / ltotal:5.1f} %  {o}")
    out += ["", "heaviest leaf frames on the event loop:"]
    for f, c in leaves.most_common(25):
        out.append(f"  {100.0 * c / ltotal:5.1f} %  {f}")
    return "\n".join(out)


def svg(stacks, title, path, width=1600, row=16):
    root = {"n": 0, "kids": {}}
    for frames, c in stacks:
        node = root
        node["n"] += c
        for f in frames:
            node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
            node["n"] += c
    depth = [0]

    def measure(node, d):
        depth[0] = max(depth[0], d)
        for k in node["kids"].values():
            measure(k, d + 1)

    measure(root, 0)
    total = root["n"] or 1
    height = (depth[0] + 3) * row + 40
    rects = []
    min_w = 0.3

    def draw(node, name, x, d):
        w = width * node["n"] / total
        if w < min_w:
            return
        y = height - (d + 1) * row - 10
        o = owner(name)
        r, g, b = COLOURS.get(o, (200, 200, 200))
        shade = (hash(name) % 30) - 15
        fill = f"rgb({min(255, max(0, r + shade))},{min(255, max(0, g + shade))},{min(255, max(0, b + shade))})"
        label = html.escape(name)
        pct = 100.0 * node["n"] / total
        text = ""
        if w > 40:
            chars = int(w / 6.5)
            shown = name if len(name) <= chars else name[: max(0, chars - 2)] + ".."
            text = (f'<text x="{x + 3:.1f}" y="{y + row - 4}" font-size="11">'
                    f"{html.escape(shown)}</text>")
        rects.append(
            f'<g><title>{label} ({node["n"]} samples, {pct:.2f} %; {o})</title>'
            f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{row - 1}" fill="{fill}"/>'
            f"{text}</g>")
        cx = x
        for k_name, k in sorted(node["kids"].items()):
            draw(k, k_name, cx, d + 1)
            cx += width * k["n"] / total

    cx = 0.0
    for k_name, k in sorted(root["kids"].items()):
        draw(k, k_name, cx, 0)
        cx += width * k["n"] / total
    legend = " ".join(
        f'<rect x="{10 + i * 150}" y="26" width="12" height="12" fill="rgb{c}"/>'
        f'<text x="{26 + i * 150}" y="37" font-size="12">{html.escape(n)}</text>'
        for i, (n, c) in enumerate(COLOURS.items()))
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="monospace">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n'
            f'<text x="10" y="18" font-size="14">{html.escape(title)} - {total} samples; '
            f"hover a frame for its share</text>\n{legend}\n" + "\n".join(rects) + "\n</svg>\n")


def main():
    src, dst, title = sys.argv[1], sys.argv[2], sys.argv[3]
    stacks = read(src)
    if not stacks:
        sys.exit(f"flame.py: no samples in {src}")
    svg(stacks, title, dst)
    print(table(stacks, title))


if __name__ == "__main__":
    main()
