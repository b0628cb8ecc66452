// tap.js: a small TAP harness for the GJS tests
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// test(name, fn) runs fn at top level: a sync context, no loop running.
// testInLoop(name, fn) runs fn from an idle callback of a GLib.MainLoop on
// the default context (an async context) and keeps the loop running until
// the Promise fn returns settles.

import GLib from 'gi://GLib';
import System from 'system';

const tests = [];

export function test(name, fn) {
    tests.push({name, fn, inLoop: false});
}

export function testInLoop(name, fn, timeoutMs = 5000) {
    tests.push({name, fn, inLoop: true, timeoutMs});
}

export class AssertionError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AssertionError';
    }
}

function show(value) {
    try {
        return typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
    } catch (e) {
        return String(value);
    }
}

export function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new AssertionError(message);
}

export function assertEquals(actual, expected, message = '') {
    if (actual !== expected) {
        throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(expected)}, ` +
            `got ${show(actual)}`);
    }
}

export function assertGError(error, domain, code, message = '') {
    assert(error instanceof GLib.Error,
        `${message}expected a GLib.Error, got ${error && error.name}: ${error && error.message}`);
    assert(error.matches(domain, code),
        `${message}expected ${GLib.quark_to_string(domain)} ${code}, got ` +
        `${GLib.quark_to_string(error.domain)} ${error.code}: ${error.message}`);
    return error;
}

export function assertThrowsGError(fn, domain, code) {
    try {
        fn();
    } catch (e) {
        return assertGError(e, domain, code);
    }
    throw new AssertionError('expected a GLib.Error, nothing was thrown');
}

export async function assertRejectsGError(promise, domain, code) {
    try {
        await promise;
    } catch (e) {
        return assertGError(e, domain, code);
    }
    throw new AssertionError('expected a rejection with a GLib.Error');
}

/** Resolves after `ms` milliseconds of a running main loop. */
export function sleep(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

function runInLoop(t) {
    const loop = new GLib.MainLoop(null, false);
    let error = null;
    let timedOut = false;

    GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
        let promise;
        try {
            promise = Promise.resolve(t.fn());
        } catch (e) {
            promise = Promise.reject(e);
        }
        promise.catch(e => {
            error = e;
        }).finally(() => loop.quit());
        return GLib.SOURCE_REMOVE;
    });
    const guard = GLib.timeout_add(GLib.PRIORITY_DEFAULT, t.timeoutMs, () => {
        timedOut = true;
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });

    loop.run();

    if (timedOut)
        return new AssertionError(`timed out after ${t.timeoutMs} ms`);
    GLib.source_remove(guard);
    return error;
}

export function run() {
    let failures = 0;

    print(`1..${tests.length}`);
    tests.forEach((t, i) => {
        let error = null;
        if (t.inLoop) {
            error = runInLoop(t);
        } else {
            try {
                t.fn();
            } catch (e) {
                error = e;
            }
        }

        if (error === null) {
            print(`ok ${i + 1} - ${t.name}`);
        } else {
            failures++;
            print(`not ok ${i + 1} - ${t.name}`);
            const details = `${error.name || 'error'}: ${error.message}\n${error.stack || ''}`;
            for (const line of details.trim().split('\n'))
                print(`# ${line}`);
        }
    });

    System.exit(failures === 0 ? 0 : 1);
}
