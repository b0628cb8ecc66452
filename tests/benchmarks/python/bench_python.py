#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python face against what it replaces, one comparison per process.

    bench_python.py COMPARISON [ROUNDS]

Each round times a batch of calls both ways, alternately; the line printed
is the median per-call time of each and the median of the per-round
ratios:  bench python/COMPARISON ours=… baseline=… ratio=…  and the bound
from issue 11 that the ratio should stay under. As for the C benchmarks,
a missed bound is reported, and fails the run only with SA_BENCH_STRICT=1
(docs/performance.md)."""

import asyncio
import os
import statistics
import sys
import tempfile
import time

import gi

gi.require_version('SmartAsync', '1')
from gi.repository import Gio, SmartAsync  # noqa: E402


def timed(run, n):
    start = time.perf_counter()
    run(n)
    return (time.perf_counter() - start) / n


def compare(name, ours, baseline, n, rounds, bound):
    ours(n // 10 or 1)      # warm up: first calls make threads and loops
    baseline(n // 10 or 1)
    ours_times, base_times, ratios = [], [], []
    for _ in range(rounds):
        a = timed(ours, n)
        b = timed(baseline, n)
        ours_times.append(a)
        base_times.append(b)
        ratios.append(a / b)
    ratio = statistics.median(ratios)
    print('bench python/%s ours=%.3fus baseline=%.3fus ratio=%.2f bound=%.2f %s' % (
        name, statistics.median(ours_times) * 1e6, statistics.median(base_times) * 1e6,
        ratio, bound, 'ok' if ratio <= bound else 'OVER'), flush=True)
    return ratio <= bound


def sync_def(rounds):
    def plain(x):
        return x + 1
    decorated = SmartAsync.smartasync(plain)

    def ours(n):
        for i in range(n):
            decorated(i)

    def base(n):
        for i in range(n):
            plain(i)
    return compare('sync-def', ours, base, 200_000, rounds, 10.0)


def asyncio_async_def(rounds):
    async def plain(x):
        return x + 1
    decorated = SmartAsync.smartasync(plain)
    loop = asyncio.new_event_loop()

    async def ours_batch(n):
        for i in range(n):
            await decorated(i)

    async def base_batch(n):
        for i in range(n):
            await plain(i)
    try:
        return compare('asyncio-async-def',
                       lambda n: loop.run_until_complete(ours_batch(n)),
                       lambda n: loop.run_until_complete(base_batch(n)),
                       100_000, rounds, 3.0)
    finally:
        loop.close()


def asyncio_def(rounds):
    def plain(x):
        return x + 1
    decorated = SmartAsync.smartasync(plain)
    loop = asyncio.new_event_loop()

    async def ours_batch(n):
        await asyncio.gather(*(decorated(i) for i in range(n)))

    async def base_batch(n):
        await asyncio.gather(*(asyncio.to_thread(plain, i) for i in range(n)))
    try:
        return compare('asyncio-def',
                       lambda n: loop.run_until_complete(ours_batch(n)),
                       lambda n: loop.run_until_complete(base_batch(n)),
                       2_000, rounds, 1.15)
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def sync_async_def(rounds):
    async def plain(x):
        await asyncio.sleep(0)
        return x + 1
    decorated = SmartAsync.smartasync(plain)

    def ours(n):
        for i in range(n):
            decorated(i)

    def base(n):
        for i in range(n):
            asyncio.run(plain(i))
    return compare('sync-async-def', ours, base, 1_000, rounds, 0.5)


def glib_await_pair(rounds):
    import gbulb
    gbulb.install()
    loop = asyncio.get_event_loop_policy().get_event_loop()
    with tempfile.NamedTemporaryFile() as f:
        f.write(b'x' * 64)
        f.flush()
        file = Gio.File.new_for_path(f.name)
        load = SmartAsync.async_pair(
            Gio.File.load_contents_async,
            lambda source, result: source.load_contents_finish(result)[1],
            returns=object, params=[Gio.File], name='load_contents')

        def by_hand():
            future = loop.create_future()

            def ready(source, result):
                future.set_result(source.load_contents_finish(result)[1])
            file.load_contents_async(None, ready)
            return future

        async def ours_batch(n):
            for _ in range(n):
                await load(file)

        async def base_batch(n):
            for _ in range(n):
                await by_hand()

        return compare('glib-await-pair',
                       lambda n: loop.run_until_complete(ours_batch(n)),
                       lambda n: loop.run_until_complete(base_batch(n)),
                       2_000, rounds, 1.2)


def c_blocking(rounds):
    gi.require_version('SaTestCaller', '1')
    from gi.repository import SaTestCaller
    add = SaTestCaller.new_add()

    def ours(n):
        for i in range(n):
            add(i, 2)

    def base(n):
        direct = SaTestCaller.add
        for i in range(n):
            direct(i, 2)
    return compare('c-blocking', ours, base, 50_000, rounds, 3.0)


COMPARISONS = {
    'c-blocking': c_blocking,
    'sync-def': sync_def,
    'asyncio-async-def': asyncio_async_def,
    'asyncio-def': asyncio_def,
    'sync-async-def': sync_async_def,
    'glib-await-pair': glib_await_pair,
}

if __name__ == '__main__':
    which = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    met = COMPARISONS[which](rounds)
    strict = os.environ.get('SA_BENCH_STRICT') == '1'
    sys.exit(0 if met or not strict else 1)
