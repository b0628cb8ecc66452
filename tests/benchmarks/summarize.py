#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turn the `bench ...` lines of a benchmark run into Markdown tables.

    meson test -C build --benchmark
    tests/benchmarks/summarize.py build/meson-logs/testlog.txt

Reads the machine-readable lines the benchmark programs print (any file
or standard input that contains them) and prints the tables used in
docs/performance.md.
"""

import re
import sys

LINE = re.compile(r'^bench (.*)$')

PATH_TITLES = {
    'sync-sync': 'sync caller, blocking callable',
    'sync-async': 'sync caller, async pair (no-op pair)',
    'sync-async-gio': 'sync caller, real GIO pair (read_bytes, memory stream)',
    'async-async': 'async caller, async pair (no-op pair)',
    'async-async-gio': 'async caller, real GIO pair (read_bytes, memory stream)',
    'async-sync': 'async caller, blocking callable',
    'context-sync': 'context detection, sync context',
    'context-async': 'context detection, async context',
}


def parse(stream):
    records = []
    machine = None
    for raw in stream:
        raw = raw.rstrip('\n')
        if raw.startswith('# machine:') and machine is None:
            machine = raw[len('# machine:'):].strip()
        match = LINE.match(raw)
        if not match:
            continue
        fields = dict(item.split('=', 1) for item in match.group(1).split())
        records.append(fields)
    return machine, records


def main():
    stream = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    machine, records = parse(stream)

    if machine:
        print(f'Machine: {machine}\n')

    print('| path | measured | ns/op | against | ns/op | ratio (median) | target | status |')
    print('|------|----------|------:|---------|------:|------:|-------:|--------|')
    for path, title in PATH_TITLES.items():
        timings = {r['impl']: float(r['ns_per_op'])
                   for r in records if r.get('path') == path and 'ns_per_op' in r}
        ratios = [r for r in records if r.get('path') == path and 'ratio' in r]
        for r in ratios:
            target = r.get('target', '')
            status = r.get('status', 'info')
            if 'stretch' in r:
                target += f" (stretch {r['stretch']})"
                status += f" (stretch: {r['stretch_status']})"
            print(f"| {title} | {r['impl']} | {timings.get(r['impl'], 0):,.1f} "
                  f"| {r['vs']} | {timings.get(r['vs'], 0):,.1f} "
                  f"| {float(r['ratio']):.3f} | {'≤ ' + target if target else '-'} | {status} |")

    in_flight = [r for r in records if r.get('path', '').startswith('in-flight-')]
    if in_flight:
        print('\n| calls in flight | implementation | heap bytes per call | ratio | target | status |')
        print('|-----------------|----------------|--------------------:|------:|-------:|--------|')
        for r in in_flight:
            print(f"| {r['path'][len('in-flight-'):]} | {r['impl']} | {r['heap_bytes_per_call']} "
                  f"| {r.get('ratio', '1.000')} | {'≤ ' + r['target'] if 'target' in r else '-'} "
                  f"| {r.get('status', 'info')} |")

    sequential = [r for r in records if r.get('path', '').startswith('sequential-')]
    if sequential:
        print('\n| path | sequential calls | ns/op | VmRSS before → after (KiB) | VmHWM before → after (KiB) '
              '| growth (KiB) | heap growth (bytes) | target | status |')
        print('|------|-----------------:|------:|------------------|------------------|-------------:'
              '|--------------------:|-------:|--------|')
        for r in sequential:
            print(f"| {r['path'][len('sequential-'):]} | {int(r['calls']):,} | {float(r['ns_per_op']):,.1f} "
                  f"| {r['rss_before_kib']} → {r['rss_after_kib']} "
                  f"| {r['hwm_before_kib']} → {r['hwm_after_kib']} "
                  f"| {r['rss_growth_kib']} | {r['heap_growth_bytes']} "
                  f"| ≤ {r['target_kib']} | {r['status']} |")


if __name__ == '__main__':
    main()
