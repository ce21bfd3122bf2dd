#!/usr/bin/env python3
"""Renders an interleave --trace-out file (Chrome trace-event JSON) as an SVG swimlane picture.

One lane per actor (grouped by process), operations as bars on the step axis, yield points as ticks
labelled with their step's label. Standard library only.

usage: tools/trace_svg.py TRACE.json OUT.svg
"""
import json
import sys
from xml.sax.saxutils import escape

STEP = 22        # pixels per scheduling step
LANE = 78        # pixels per actor lane
LEFT = 170       # room for lane names
TOP = 40


def main(trace_path, out_path):
    with open(trace_path) as f:
        trace = json.load(f)
    events = trace["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    procs = {e["pid"]: e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "process_name"}
    lanes = sorted(names, key=lambda k: (k[0], k[1]))
    row = {key: i for i, key in enumerate(lanes)}
    steps = max((int(e["ts"] / 1000) for e in events if e["ph"] == "i"), default=0) + 1
    width = LEFT + steps * STEP + 110
    height = TOP + len(lanes) * LANE + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="8" y="20" font-size="13">{escape(trace["otherData"]["verdict"])}: '
           f'{escape(trace["otherData"]["schedule"])}</text>']
    for key in lanes:
        y = TOP + row[key] * LANE
        label = f'{procs.get(key[0], "")} / {names[key]}'
        out.append(f'<rect x="0" y="{y}" width="{width}" height="{LANE}" '
                   f'fill="{"#f4f6fb" if row[key] % 2 else "#ffffff"}"/>')
        out.append(f'<text x="8" y="{y + 20}">{escape(label)}</text>')
    for e in events:
        if e["ph"] != "X" or (e["pid"], e["tid"]) not in row:
            continue
        y = TOP + row[(e["pid"], e["tid"])] * LANE + 48
        x = LEFT + e["ts"] / 1000 * STEP
        w = max(e["dur"] / 1000 * STEP, 4)
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="14" rx="3" '
                   f'fill="#9ecae1" stroke="#3182bd"><title>{escape(e["name"])}</title></rect>')
        out.append(f'<text x="{x + 3:.1f}" y="{y + 11}" font-size="9">'
                   f'{escape(e["name"][:max(int(w / 6), 0)])}</text>')
    for e in events:
        if e["ph"] != "i" or (e["pid"], e["tid"]) not in row:
            continue
        y = TOP + row[(e["pid"], e["tid"])] * LANE
        x = LEFT + e["ts"] / 1000 * STEP
        obj = e["args"].get("object", "")
        color = "#d62728" if e["args"].get("access") == "write" else "#555555"
        out.append(f'<line x1="{x:.1f}" y1="{y + 64}" x2="{x:.1f}" y2="{y + 74}" stroke="{color}" '
                   f'stroke-width="2"><title>step {e["args"]["step"]}: {escape(e["name"])} '
                   f'{escape(obj)}</title></line>')
        out.append(f'<text x="{x + 2:.1f}" y="{y + 44}" font-size="8" '
                   f'transform="rotate(-30 {x + 2:.1f} {y + 44})">{escape(e["name"])}</text>')
    for s in range(0, steps, 5):
        x = LEFT + s * STEP
        out.append(f'<text x="{x}" y="{height - 10}" fill="#888">{s}</text>')
    out.append("</svg>")
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
