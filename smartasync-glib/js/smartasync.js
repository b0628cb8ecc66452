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
//   const load = SA.wrap(Gio.File.prototype.load_contents);   // a C function
//   SA.call(load, [file]);         // top level: [true, Uint8Array, etag]
//   await SA.call(load, [file]);   // in a loop: on a worker thread, a Promise
//
// GJS refuses to run JavaScript on any thread but the main one, so every
// function implemented in JavaScript here has
// SmartAsync.FunctionFlags.OWNER_THREAD: async callers, and callers on other
// threads, have it run by the main context of the thread that made it
// instead of on a worker thread. A C function that GJS calls through
// gobject-introspection (Gio.File.prototype.load_contents, GLib.usleep) is
// wrapped from its typelib instead (SmartAsync.Function.new_introspected):
// no JavaScript runs during its calls, so a blocking one runs on a worker
// thread for async callers and the loop keeps running.

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
 * Makes a SmartAsync.Function of a blocking JavaScript function, or of a C
 * function that GJS calls through gobject-introspection.
 *
 * Given a GJS function for a C function (`Gio.File.prototype.load_contents`,
 * `GLib.usleep`, `Gio.File.prototype.read_async`) and no `returns` or
 * `params`, it is `introspect(impl, sig)`: the function's typelib gives the
 * signature, and it runs on a worker thread for async callers. With
 * `returns` or `params`, even such a function is taken as JavaScript (it
 * then always runs on this thread, as a GTK call must).
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
    if (sig.returns === undefined && sig.params === undefined && nativeSymbol(impl) !== null)
        return introspect(impl, sig);

    const {name, returns, params, flags} = signature({name: impl.name || undefined, ...sig});
    // A GJS function for a C function that takes no cancellable gets none
    // (GJS warns of every extra argument).
    const takesCancellable = nativeSymbol(impl) === null || impl.length > params.length;

    return SmartAsync.Function.new_sync_full(name, returns, params, flags,
        (args, cancellable) => {
            try {
                const value = takesCancellable ? impl(...args, cancellable) : impl(...args);
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

// C functions described by a typelib

// What GJS 1.74 (and later) says of a function it calls through
// gobject-introspection:
//
//   method Gio.File.load_contents(cancellable) {
//       /* wrapper for native symbol g_file_load_contents() */
//   }
const NATIVE_WRAPPER = /^(?:function|method) ([A-Za-z_][\w]*)[.\w]*\([^)]*\) \{\s*\/\* wrapper for native symbol ([A-Za-z_]\w*)\(\) \*\/\s*\}$/;

/**
 * The namespace and C symbol of a function that GJS calls through
 * gobject-introspection, or null for anything else (a JavaScript function,
 * or one that an override replaced, such as a promisified `_async`).
 *
 * @param {*} fn what to look at
 * @returns {?{namespace: string, symbol: string}} the function's origin
 */
export function nativeSymbol(fn) {
    if (typeof fn !== 'function')
        return null;
    let text;
    try {
        // GJS gives its functions a toString() of their own.
        text = String(fn);
    } catch (e) {
        return null;
    }
    const match = NATIVE_WRAPPER.exec(text);
    return match ? {namespace: match[1], symbol: match[2]} : null;
}

/**
 * Makes a SmartAsync.Function of a C function or GIO async pair that a
 * typelib describes, with SmartAsync.Function.new_introspected().
 *
 * `target` is a GJS function for a C function (`Gio.File.prototype
 * .load_contents`, `Gio.content_type_guess`, `Gio.File.prototype
 * .load_contents_async`, whose `_finish` is found by its name), or a
 * string: a C symbol (`'g_file_load_contents'`, looked up in the typelibs
 * loaded so far unless `namespace` is given) or, with `namespace`, a name
 * such as `'File.load_contents'`.
 *
 * The function takes the method's instance first, then the in arguments
 * as GJS's own call does, without the cancellable (pass it in the call's
 * options) nor the callback. `call()` returns what GJS's own call returns:
 * the value, or an array `[ret, out1, …]` when there are several (a
 * GByteArray or C array of bytes as a Uint8Array, a string array as an
 * Array). String arrays and byte arrays (a Uint8Array, an Array of bytes,
 * a GLib.Bytes or a string, as GJS accepts them) are converted on the way
 * in.
 *
 * A blocking function called from a running main loop runs on a worker
 * thread, and the loop keeps running: only C runs there.
 *
 * @param {Function|string} target the function
 * @param {object} options namespace, version (of the typelib)
 * @returns {SmartAsync.Function} the function; throws a GLib.Error in
 *   SmartAsync's domain (NOT_FOUND, UNSUPPORTED) when it cannot be wrapped
 */
export function introspect(target, {namespace = null, version = null} = {}) {
    if (typeof target === 'string')
        return SmartAsync.Function.new_introspected(namespace, version, target);

    const native = nativeSymbol(target);
    if (native === null) {
        throw saError(SmartAsync.Error.NOT_FOUND,
            `Cannot wrap ${describe(target)}: not a function that GJS calls through ` +
            'gobject-introspection (give its C symbol, or wrap JavaScript with ' +
            '{returns, params})');
    }
    try {
        return SmartAsync.Function.new_introspected(namespace ?? native.namespace,
            version, native.symbol);
    } catch (e) {
        // A symbol in another namespace than the one GJS names.
        if (namespace === null && e instanceof GLib.Error &&
            e.matches(SmartAsync.error_quark(), SmartAsync.Error.NOT_FOUND))
            return SmartAsync.Function.new_introspected(null, null, native.symbol);
        throw e;
    }
}

// GJS cannot put a JS array into a GValue of its own (it cannot guess the
// type) and cannot set a GStrv GValue from JS (set_boxed() takes a
// pointer, and an Array becomes NULL). It does convert a property's value
// into the GValue that g_object_get_property() fills, and that initialises
// an empty GValue to the property's type: a JS object with a GStrv
// property, read into a new GObject.Value, gives the GValue the C function
// needs. Byte arrays go as a GLib.Bytes, which the library converts to a
// GByteArray: GJS fills a GByteArray GValue with a reference too many
// (one copy of the data leaked per argument), and
// GObject.Value.init(GByteArray) even crashes GJS 1.74.
let TYPE_STRV = null;
let TYPE_BYTE_ARRAY = null;
let holder = null;

function valueHolder() {
    if (holder !== null)
        return holder;
    TYPE_STRV = GObject.type_from_name('GStrv');
    TYPE_BYTE_ARRAY = GLib.ByteArray.$gtype;
    let typeName = 'SmartAsyncJsArgument';
    for (let i = 2; GObject.type_from_name(typeName) !== null; i++)
        typeName = `SmartAsyncJsArgument${i}`;
    const Holder = GObject.registerClass({
        GTypeName: typeName,
        Properties: {
            'strv': GObject.ParamSpec.boxed('strv', '', '',
                GObject.ParamFlags.READABLE, TYPE_STRV),
        },
    }, class extends GObject.Object {
        get strv() {
            return this._strv;
        }
    });
    holder = new Holder();
    return holder;
}

function argumentError(fn, index, message) {
    return saError(SmartAsync.Error.ARGUMENT_TYPE,
        `Function “${fn.get_name()}”: argument ${index + 1}: ${message}`);
}

function toStrvValue(fn, index, value) {
    if (!Array.isArray(value) || !value.every(s => typeof s === 'string')) {
        throw argumentError(fn, index, 'expected GStrv (an Array of strings), got ' +
            `${Array.isArray(value) ? 'an Array with an element that is not a string' : describe(value)}`);
    }
    const h = valueHolder();
    const gvalue = new GObject.Value();
    h._strv = value;
    try {
        h.get_property('strv', gvalue);
    } finally {
        h._strv = null;
    }
    return gvalue;
}

function toUint8Array(fn, index, value) {
    if (value instanceof Uint8Array)
        return value;
    if (typeof value === 'string')
        return new TextEncoder().encode(value);
    if (value instanceof ArrayBuffer)
        return new Uint8Array(value);
    if (Array.isArray(value) &&
        value.every(b => Number.isInteger(b) && b >= 0 && b <= 255))
        return Uint8Array.from(value);
    throw argumentError(fn, index, 'expected GByteArray (a Uint8Array, an Array of ' +
        `bytes, a GLib.Bytes or a string), got ${Array.isArray(value)
            ? 'an Array with an element that is not a byte' : describe(value)}`);
}

function toByteArrayValue(fn, index, value) {
    if (value instanceof GLib.Bytes)
        return value;
    return new GLib.Bytes(toUint8Array(fn, index, value));
}

// What each function needs converted, read once per function.
const shapes = new WeakMap();

function shapeOf(fn) {
    let shape = shapes.get(fn);
    if (shape === undefined) {
        valueHolder();
        const converters = fn.get_param_types().map(type => {
            if (type === TYPE_STRV)
                return toStrvValue;
            if (type === TYPE_BYTE_ARRAY)
                return toByteArrayValue;
            return null;
        });
        shape = {
            converters: converters.some(c => c !== null) ? converters : null,
            nResults: fn.get_result_types().length,
        };
        shapes.set(fn, shape);
    }
    return shape;
}

// The arguments as call_syncv_value() and call_async() take them: string
// arrays and byte arrays as GValues of their type (a GObject.Value, or
// null, passes as it is). A wrong count is reported as the library does,
// before GJS fails to put an Array into a GValue.
function argsToGValues(fn, args) {
    const {converters} = shapeOf(fn);
    if (converters === null)
        return args;
    if (args.length !== converters.length) {
        const n = converters.length;
        throw saError(SmartAsync.Error.ARGUMENT_COUNT,
            `Function “${fn.get_name()}” takes ${n} argument${n === 1 ? '' : 's'}, ` +
            `${args.length} given`);
    }
    return args.map((value, i) => {
        if (converters[i] === null || value === null || value instanceof GObject.Value)
            return value;
        return converters[i](fn, i, value);
    });
}

// Several results (a typelib's return value and out arguments) come as a
// GObject.ValueArray: as an Array, as GJS's own call returns them.
function resultToJS(fn, value) {
    if (shapeOf(fn).nResults < 2 || !(value instanceof GObject.ValueArray))
        return value;
    const results = [];
    for (let i = 0; i < value.n_values; i++)
        results.push(value.get_nth(i));
    return results;
}

// The results come back through call_finish_value() and call_syncv_value(),
// which return a GValue of their own: GJS 1.74 never releases what it finds
// in a caller-allocated out GValue (call_finish, call_sync), so every string,
// boxed result or object reference (a stream and its file descriptor) would
// leak.
function finish(fn, result) {
    return resultToJS(fn, fn.call_finish_value(result));
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
    return resultToJS(fn, fn.call_syncv_value(argsToGValues(fn, args), cancellable));
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
        fn.call_async(argsToGValues(fn, args), cancellable, (source, result) => {
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
