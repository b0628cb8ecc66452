// smartasync.js: SmartAsync for GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An ES module for GJS (1.74 or later) on top of the SmartAsync-1
// typelib:
//
//   import * as SA from '<datadir>/smartasync-glib-1/js/smartasync.js';
//
//   const add = SA.wrap((a, b) => a + b, {
//       returns: GObject.TYPE_INT, params: [GObject.TYPE_INT, GObject.TYPE_INT],
//   });
//   SA.call(add, [2, 3]);          // top-level code: 5
//   await SA.call(add, [2, 3]);    // in a running main loop: a Promise of 5
//
// GJS refuses to run JavaScript on any thread but the main one, so every
// function made here has SmartAsync.FunctionFlags.OWNER_THREAD: async
// callers, and callers on other threads, have it run by the main context
// of the thread that made it instead of on a worker thread.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import SmartAsync from 'gi://SmartAsync?version=1';

export {SmartAsync};

/** The flag every function implemented in JavaScript must have. */
export const OWNER_THREAD = SmartAsync.FunctionFlags.OWNER_THREAD;

function saError(code, message) {
    return new GLib.Error(SmartAsync.error_quark(), code, message);
}

/**
 * Any thrown value as a GLib.Error a C caller can see: a GLib.Error as it
 * is, anything else as SmartAsync.Error.FAILED naming the error's type and
 * message.
 *
 * @param {string} name the function's name
 * @param {*} error what was thrown
 * @returns {GLib.Error} the error to report
 */
export function toGError(name, error) {
    if (error instanceof GLib.Error)
        return error;
    const described = error instanceof Error
        ? `${error.name}: ${error.message}` : `${typeof error} ${String(error)}`;
    return saError(SmartAsync.Error.FAILED, `Function “${name}” threw ${described}`);
}

const INTEGER_RANGES = new Map([
    [GObject.TYPE_CHAR, [-128n, 127n]],
    [GObject.TYPE_UCHAR, [0n, 255n]],
    [GObject.TYPE_INT, [-(2n ** 31n), 2n ** 31n - 1n]],
    [GObject.TYPE_UINT, [0n, 2n ** 32n - 1n]],
    [GObject.TYPE_LONG, [-(2n ** 63n), 2n ** 63n - 1n]],
    [GObject.TYPE_ULONG, [0n, 2n ** 64n - 1n]],
    [GObject.TYPE_INT64, [-(2n ** 63n), 2n ** 63n - 1n]],
    [GObject.TYPE_UINT64, [0n, 2n ** 64n - 1n]],
    [GObject.TYPE_ENUM, [-(2n ** 31n), 2n ** 31n - 1n]],
    [GObject.TYPE_FLAGS, [0n, 2n ** 32n - 1n]],
]);

function describe(value) {
    if (value === null)
        return 'null';
    if (value instanceof GObject.Object)
        return `an instance of ${GObject.type_name(value.constructor.$gtype)}`;
    if (typeof value === 'string')
        return `string ${JSON.stringify(value)}`;
    return `${typeof value} ${String(value)}`;
}

// GJS converts a result into the out GValue by the GValue's type and
// does so silently wrong for some values (a string for a gint becomes 0,
// 3.5 becomes 3): check first, without loss, as the library does for
// arguments.
function checkResult(name, value, gtype) {
    const fundamental = GObject.type_fundamental(gtype);
    let ok;

    if (INTEGER_RANGES.has(fundamental)) {
        const [min, max] = INTEGER_RANGES.get(fundamental);
        const integer = typeof value === 'bigint' ||
            (typeof value === 'number' && Number.isInteger(value));
        ok = integer && BigInt(value) >= min && BigInt(value) <= max;
    } else {
        switch (fundamental) {
        case GObject.TYPE_BOOLEAN:
            ok = typeof value === 'boolean';
            break;
        case GObject.TYPE_FLOAT:
        case GObject.TYPE_DOUBLE:
            ok = typeof value === 'number';
            break;
        case GObject.TYPE_STRING:
            ok = value === null || typeof value === 'string';
            break;
        case GObject.TYPE_OBJECT:
        case GObject.TYPE_INTERFACE:
            ok = value === null || (value instanceof GObject.Object &&
                GObject.type_is_a(value.constructor.$gtype, gtype));
            break;
        case GObject.TYPE_VARIANT:
            ok = value === null || value instanceof GLib.Variant;
            break;
        case GObject.TYPE_POINTER:
            ok = value === null;
            break;
        default:
            ok = value !== undefined;
        }
    }

    if (!ok) {
        throw saError(SmartAsync.Error.RESULT_TYPE,
            `Function “${name}”: result: expected ${GObject.type_name(gtype)}, ` +
            `got ${value === undefined ? 'undefined' : describe(value)}`);
    }
    return typeof value === 'bigint' ? Number(value) : value;
}

function signature({name = 'anonymous', returns = GObject.TYPE_NONE, params = [], flags = 0} = {}) {
    return {name, returns, params, flags: flags | OWNER_THREAD};
}

/**
 * Makes a SmartAsync.Function of a blocking JavaScript function.
 *
 * `impl(...args, cancellable)` returns the value or throws; a GLib.Error
 * reaches the caller as it is, anything else as SmartAsync.Error.FAILED
 * naming it. Whoever calls the function (JavaScript, C, a worker thread)
 * it runs on this thread: directly for a sync caller here, from the main
 * loop for any other.
 *
 * @param {Function} impl the implementation
 * @param {object} sig name, returns (a GType), params (GTypes), flags
 * @returns {SmartAsync.Function} the function
 */
export function wrap(impl, sig = {}) {
    const {name, returns, params, flags} = signature({name: impl.name || undefined, ...sig});

    return SmartAsync.Function.new_sync_full(name, returns, params, flags,
        (args, cancellable) => {
            try {
                const value = impl(...args, cancellable);
                if (returns === GObject.TYPE_NONE)
                    return [true, null];
                return [true, checkResult(name, value, returns)];
            } catch (e) {
                throw toGError(name, e);
            }
        });
}

/**
 * Makes a SmartAsync.Function of a JavaScript async function.
 *
 * `impl(...args, cancellable)` returns a Promise (an `async function`
 * does). GJS runs promise jobs only from the default main context, so
 * such a function serves async callers (a running main loop); a sync
 * caller gets an error at once instead of waiting forever. For sync
 * callers too, use SmartAsync.Function.new_async_full() and complete its
 * GTask from GIO callbacks (see docs/bindings.md).
 *
 * @param {Function} impl the implementation
 * @param {object} sig name, returns (a GType), params (GTypes), flags
 * @returns {SmartAsync.Function} the function
 */
export function wrapAsync(impl, sig = {}) {
    const {name, returns, params, flags} = signature({name: impl.name || undefined, ...sig});

    return SmartAsync.Function.new_async_full(name, returns, params, flags,
        (args, cancellable, task) => {
            if (!SmartAsync.context_is_async()) {
                task.return_error(saError(SmartAsync.Error.FAILED,
                    `Function “${name}” is a JavaScript async function: it needs a ` +
                    'running main loop and cannot serve a sync caller'));
                return;
            }

            let promise;
            try {
                promise = Promise.resolve(impl(...args, cancellable));
            } catch (e) {
                promise = Promise.reject(e);
            }
            promise.then(value => {
                if (returns === GObject.TYPE_NONE)
                    value = null;
                else
                    value = checkResult(name, value, returns);
                task.return_value(value);
            }).catch(e => task.return_error(toGError(name, e)));
        });
}

// The results come back through call_finish_value() and call_syncv_value(),
// which return a GValue of their own: GJS 1.74 never releases what it finds
// in a caller-allocated out GValue (call_finish, call_sync), so every string,
// boxed result or object reference (a stream and its file descriptor) would
// leak.
function finish(fn, result) {
    return fn.call_finish_value(result);
}

/**
 * Calls `fn` and blocks until it is done, whatever the context.
 *
 * @param {SmartAsync.Function} fn the function
 * @param {Array} args the arguments
 * @param {object} options cancellable
 * @returns {*} the value; throws a GLib.Error
 */
export function callSync(fn, args = [], {cancellable = null} = {}) {
    return fn.call_syncv_value(args, cancellable);
}

/**
 * Calls `fn` without blocking: the Promise settles from the main loop of
 * this thread's thread-default context, which must be running.
 *
 * @param {SmartAsync.Function} fn the function
 * @param {Array} args the arguments
 * @param {object} options cancellable
 * @returns {Promise} the value, or a rejection with a GLib.Error
 */
export function callAsync(fn, args = [], {cancellable = null} = {}) {
    return new Promise((resolve, reject) => {
        fn.call_async(args, cancellable, (source, result) => {
            try {
                resolve(finish(fn, result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

/**
 * Whether a smart call of `fn` from here takes the async path: in a main
 * loop callback (SmartAsync.context_is_async()), unless `fn.mode` forces
 * one path.
 *
 * @param {SmartAsync.Function} fn the function
 * @returns {boolean} whether call() returns a Promise
 */
export function callerIsAsync(fn) {
    switch (fn.mode) {
    case SmartAsync.Mode.SYNC:
        return false;
    case SmartAsync.Mode.ASYNC:
        return true;
    default:
        return SmartAsync.context_is_async();
    }
}

/**
 * The smart call: at top level or in other sync code it returns the value;
 * in a running main loop (callbacks, and async functions resumed by it) it
 * returns a Promise, so `await SA.call(fn, args)` works there.
 *
 * @param {SmartAsync.Function} fn the function
 * @param {Array} args the arguments
 * @param {object} options cancellable
 * @returns {*} the value, or a Promise of it
 */
export function call(fn, args = [], options = {}) {
    if (callerIsAsync(fn))
        return callAsync(fn, args, options);
    return callSync(fn, args, options);
}
