// test-gather.js: several calls at once from GJS: Promise.all over the
// smart call, and SmartAsync.Gather from sync and async code
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Gio from 'gi://Gio';
import SaTestCaller from 'gi://SaTestCaller';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, testInLoop, run, assert, assertEquals, assertGError} from './tap.js';
import {SmartAsync, CONTENTS, IO_ERROR, tempFile, loadContents, text} from './common.js';

Gio._promisify(SmartAsync.Gather.prototype, 'run_async', 'run_finish');

const load = loadContents();
const slowDouble = SaTestCaller.new_slow_double();
const fileA = tempFile('gather-a.txt');
const fileB = tempFile('gather-b.txt', 'the other one\n');
const MS = 150;

function outcome(gather, index) {
    return gather.get_outcome_value(index);
}

testInLoop('Promise.all over smart calls: outcomes in order, calls at once', async () => {
    SaTestCaller.slow_double_most_in_flight(true);
    const [a, doubled, b, again] = await Promise.all([
        SA.call(load, [fileA]),
        SA.call(slowDouble, [21, MS]),
        SA.call(load, [fileB]),
        SA.call(slowDouble, [4, MS]),
    ]);
    assertEquals(text(a), CONTENTS);
    assertEquals(doubled, 42);
    assertEquals(text(b), 'the other one\n');
    assertEquals(again, 8);
    // The two blocking calls ran on pool threads at once, not one after
    // the other: they were in progress together (a wall-clock bound failed
    // at 678 ms against 300 under a load average of 17).
    const together = SaTestCaller.slow_double_most_in_flight(false);
    assertEquals(together, 2, `${together} of the blocking calls were in progress at once`);
});

testInLoop('Promise.all rejects with the first failure', async () => {
    const cancellable = new Gio.Cancellable();
    const pending = Promise.all([
        SA.call(slowDouble, [1, MS], {cancellable}),
        SA.call(load, [Gio.File.new_for_path('/nonexistent/gather')]),
    ]);
    try {
        await pending;
        assert(false, 'Promise.all resolved');
    } catch (e) {
        assertGError(e, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
    }
    cancellable.cancel();
});

test('Gather from sync code at top level: outcomes in the order added', () => {
    assert(!SmartAsync.context_is_async());
    const gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE);
    assertEquals(gather.add(slowDouble, [21, MS]), 0);
    assertEquals(gather.add(load, [fileA]), 1);
    assertEquals(gather.add(slowDouble, [5, MS]), 2);
    SaTestCaller.slow_double_most_in_flight(true);
    assert(gather.run_sync(null));
    assertEquals(outcome(gather, 0), 42);
    assertEquals(text(outcome(gather, 1)), CONTENTS);
    assertEquals(outcome(gather, 2), 10);
    assertEquals(gather.get_n_calls(), 3);
    // At once, not one after the other.
    assertEquals(SaTestCaller.slow_double_most_in_flight(false), 2);
});

test('Gather from sync code: the first failure throws, every outcome stays', () => {
    const gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE);
    gather.add(slowDouble, [1, 1]);
    gather.add(load, [Gio.File.new_for_path('/nonexistent/gather')]);
    let thrown = null;
    try {
        gather.run_sync(null);
    } catch (e) {
        thrown = e;
    }
    assertGError(thrown, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
    assertEquals(outcome(gather, 0), 2);
    let own = null;
    try {
        outcome(gather, 1);
    } catch (e) {
        own = e;
    }
    assertGError(own, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
});

test('Gather FIRST_COMPLETED: the first outcome, the rest cancelled', () => {
    const gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.FIRST_COMPLETED);
    gather.add(slowDouble, [1, 20000]);
    gather.add(slowDouble, [3, 1]);
    assert(gather.run_sync(null));
    assertEquals(gather.get_first(), 1);
    assertEquals(outcome(gather, 1), 6);
    let cancelled = null;
    try {
        outcome(gather, 0);
    } catch (e) {
        cancelled = e;
    }
    assertGError(cancelled, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
});

testInLoop('Gather from async code: await run_async', async () => {
    const gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE);
    gather.add(load, [fileB]);
    gather.add(slowDouble, [50, MS]);
    assert(await gather.run_async(null));
    assertEquals(text(outcome(gather, 0)), 'the other one\n');
    assertEquals(outcome(gather, 1), 100);
});

testInLoop('Gather from async code: cancelling the whole', async () => {
    const gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE);
    const cancellable = new Gio.Cancellable();
    gather.add(slowDouble, [1, 20000]);
    gather.add(slowDouble, [2, 20000]);
    const pending = gather.run_async(cancellable);
    cancellable.cancel();
    try {
        await pending;
        assert(false, 'resolved');
    } catch (e) {
        assertGError(e, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    }
});

run();
