// test-introspected.js: C functions and GIO pairs wrapped from their typelibs
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SA.wrap(<a GJS function for a C function>) makes a SmartAsync.Function
// with SmartAsync.Function.new_introspected(). Each real GLib and GIO
// function below is called through it at top level (the value) and from a
// running main loop (a Promise), and the result is compared with GJS's own
// call of the same API. Then: a blocking C function called from the loop
// runs on a worker thread while the loop ticks, objects survive garbage
// collection across the threads, and what cannot be wrapped or called is
// refused with a SmartAsync error.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import System from 'system';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, testInLoop, run, assert, assertEquals, assertThrowsGError,
    assertRejectsGError, AssertionError} from './tap.js';
import {SmartAsync, SA_ERROR, SLOW_MACHINE, TICK_ATTEMPTS, tempFile,
    nowMs, maxGap} from './common.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Comparable forms of results

function plain(value) {
    if (value instanceof Uint8Array)
        return {bytes: Array.from(value)};
    if (value instanceof GLib.Bytes)
        return {gbytes: Array.from(value.toArray())};
    if (Array.isArray(value))
        return value.map(plain);
    if (value instanceof GLib.Variant)
        return {variant: value.print(true)};
    if (value instanceof GLib.Uri)
        return {uri: value.to_string()};
    if (value instanceof Gio.File)
        return {file: value.get_uri()};
    if (value instanceof GObject.Object)
        return {object: GObject.type_name(value.constructor.$gtype)};
    if (typeof value === 'bigint')
        return {bigint: String(value)};
    return value;
}

function show(value) {
    return JSON.stringify(plain(value));
}

function assertSame(actual, expected, message) {
    const a = show(actual), e = show(expected);
    if (a !== e)
        throw new AssertionError(`${message}: expected ${e}, got ${a}`);
}

// What a call gives: the value, or the error's domain, code and message.
function outcome(fn) {
    try {
        return {value: fn()};
    } catch (e) {
        if (!(e instanceof GLib.Error))
            throw e;
        return {error: [GLib.quark_to_string(e.domain), e.code, e.message]};
    }
}

async function outcomeAsync(fn) {
    try {
        return {value: await fn()};
    } catch (e) {
        if (!(e instanceof GLib.Error))
            throw e;
        return {error: [GLib.quark_to_string(e.domain), e.code, e.message]};
    }
}

function assertSameOutcome(actual, expected, view, what) {
    if (expected.error || actual.error) {
        assertEquals(JSON.stringify(actual.error), JSON.stringify(expected.error),
            `${what}: the error`);
        return;
    }
    assertSame(view(actual.value), view(expected.value), what);
}

// GJS's own call of a GIO pair: _async then _finish.
function gioAsync(object, method, ...args) {
    return new Promise((resolve, reject) => {
        object[`${method}_async`](...args, (source, result) => {
            try {
                resolve(source[`${method}_finish`](result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

// Settles a Promise at top level by running the default main loop until
// then; for GJS's own async calls there.
function settle(promise) {
    const loop = new GLib.MainLoop(null, false);
    let done = null;
    promise.then(value => {
        done = {value};
    }, error => {
        done = {error};
    }).finally(() => loop.quit());
    if (done === null)
        loop.run();
    if (done.error)
        throw done.error;
    return done.value;
}

// Fixtures

const dir = GLib.dir_make_tmp('sa-gjs-introspected-XXXXXX');
const CONTENTS = 'smart and async\nline two\n';
const file = tempFile('introspected.txt', CONTENTS);
const missing = Gio.File.new_for_path(GLib.build_filenamev([dir, 'missing']));
const KEYS = '[one]\nlist=a;b;c;\n[two]\nx=1\n';
const BINARY = Uint8Array.from([0, 1, 2, 127, 128, 254, 255]);

function keyFile() {
    const keys = new GLib.KeyFile();
    keys.load_from_data(KEYS, KEYS.length, GLib.KeyFileFlags.NONE);
    return keys;
}

function memoryStream(text = 'first line\nsecond\n') {
    return Gio.MemoryInputStream.new_from_bytes(new GLib.Bytes(encoder.encode(text)));
}

function dataStream(text) {
    return new Gio.DataInputStream({base_stream: memoryStream(text)});
}

let counter = 0;
function freshPath(prefix) {
    return GLib.build_filenamev([dir, `${prefix}-${counter++}`]);
}

function outputView([ok, written, stream]) {
    stream.close(null);
    return [ok, written, stream.steal_as_bytes()];
}

// The cases: a GJS function, fresh arguments for each call (the wrapped
// call's, and GJS's own call with them), how to compare results.
const cases = [
    {
        fn: Gio.File.prototype.load_contents,
        what: 'instance method, throws, out arguments (byte array, string): [ok, contents, etag]',
        args: () => [file],
        direct: f => f.load_contents(null),
    },
    {
        fn: Gio.File.prototype.load_contents,
        label: 'missing file',
        what: 'the GIO error passes through',
        args: () => [missing],
        direct: f => f.load_contents(null),
        fails: true,
    },
    {
        fn: GLib.file_get_contents,
        what: 'static function, throws, [ok, contents]',
        args: () => [file.get_path()],
        direct: path => GLib.file_get_contents(path),
    },
    {
        fn: Gio.content_type_guess,
        what: 'nullable byte array given null; out boolean: [type, uncertain]',
        args: () => ['notes.txt', null],
        direct: (name, data) => Gio.content_type_guess(name, data),
    },
    {
        fn: Gio.content_type_guess,
        label: 'with data',
        what: 'a byte array argument, no file name',
        args: () => [null, encoder.encode('<?xml version="1.0"?><a/>')],
        direct: (name, data) => Gio.content_type_guess(name, data),
    },
    {
        fn: GLib.filename_from_uri,
        what: 'throws; out string that is null: [filename, hostname]',
        args: () => ['file:///tmp/a%20b'],
        direct: uri => GLib.filename_from_uri(uri),
    },
    {
        fn: GLib.filename_from_uri,
        label: 'not a file URI',
        what: 'GLib.ConvertError passes through',
        args: () => ['http://example.com/'],
        direct: uri => GLib.filename_from_uri(uri),
        fails: true,
    },
    {
        fn: GLib.base64_encode,
        what: 'byte array argument, does not throw, transfer full string',
        args: () => [BINARY],
        direct: data => GLib.base64_encode(data),
    },
    {
        fn: GLib.compute_checksum_for_data,
        what: 'an enum and a byte array',
        args: () => [GLib.ChecksumType.SHA256, encoder.encode(CONTENTS)],
        direct: (type, data) => GLib.compute_checksum_for_data(type, data),
    },
    {
        fn: GLib.utf8_strup,
        what: 'a gssize argument',
        args: () => ['smart ÄSYNC ß', -1],
        direct: (s, n) => GLib.utf8_strup(s, n),
    },
    {
        fn: GLib.path_get_basename,
        what: 'static, transfer full string',
        args: () => ['/usr/share/doc/'],
        direct: p => GLib.path_get_basename(p),
    },
    {
        fn: GLib.get_user_name,
        what: 'no arguments, transfer none string',
        args: () => [],
        direct: () => GLib.get_user_name(),
    },
    {
        fn: GLib.find_program_in_path,
        what: 'nullable return',
        args: () => ['sa-no-such-program-anywhere'],
        direct: p => GLib.find_program_in_path(p),
    },
    {
        fn: GLib.environ_getenv,
        what: 'string array argument, transfer none result',
        args: () => [['A=1', 'PATH=/x:/y', 'Ü=ß'], 'Ü'],
        direct: (env, name) => GLib.environ_getenv(env, name),
    },
    {
        fn: GLib.environ_setenv,
        what: 'string array in (transfer full) and out',
        args: () => [['A=1', 'B=2'], 'B', 'three', true],
        direct: (env, name, value, overwrite) => GLib.environ_setenv(env, name, value, overwrite),
    },
    {
        fn: GLib.shell_parse_argv,
        what: 'throws, out string array: [ok, argv]',
        args: () => ['sleep "0 1" \'x y\''],
        direct: line => GLib.shell_parse_argv(line),
    },
    {
        fn: GLib.Variant.prototype.get_strv,
        what: 'transfer container string array',
        // Not new GLib.Variant('as', …) nor Variant.new_strv(): GJS 1.74
        // leaks the GVariant they make (memcheck, .ci/valgrind).
        args: () => [GLib.Variant.parse(null, "['a', 'b', 'çd']", null, null)],
        direct: v => v.get_strv(),
    },
    {
        fn: GLib.get_system_data_dirs,
        what: 'transfer none string array',
        args: () => [],
        direct: () => GLib.get_system_data_dirs(),
    },
    {
        fn: GLib.KeyFile.prototype.get_groups,
        what: 'a boxed instance; [groups, length]',
        args: () => [keyFile()],
        direct: k => k.get_groups(),
    },
    {
        fn: GLib.KeyFile.prototype.get_string_list,
        what: 'throws, string array result',
        args: () => [keyFile(), 'one', 'list'],
        direct: (k, group, key) => k.get_string_list(group, key),
    },
    {
        fn: GLib.Variant.parse,
        what: 'nullable arguments, a GVariant result',
        args: () => [null, "{'a': <[1, 2]>}", null, null],
        direct: (type, text, limit, end) => GLib.Variant.parse(type, text, limit, end),
    },
    {
        fn: GLib.Uri.parse,
        what: 'a boxed result of a static method',
        args: () => ['https://user@example.com:8080/p?q=1#f', GLib.UriFlags.NONE],
        direct: (uri, flags) => GLib.Uri.parse(uri, flags),
    },
    {
        fn: GLib.spawn_command_line_sync,
        what: '[ok, stdout, stderr, status]: two byte arrays out',
        // sh's own printf: .ci/valgrind traces /usr/bin/printf, whose
        // stderr would then carry memcheck's report.
        args: () => ['sh -c \'printf "out\\000x"; printf err >&2; exit 3\''],
        direct: line => GLib.spawn_command_line_sync(line),
    },
    {
        fn: Gio.File.new_for_path,
        what: 'static constructor of an interface, a GObject result',
        args: () => ['/tmp/x y'],
        direct: p => Gio.File.new_for_path(p),
    },
    {
        fn: Gio.File.prototype.get_parent,
        what: 'nullable GObject result (transfer full)',
        args: () => [file],
        direct: f => f.get_parent(),
    },
    {
        fn: Gio.File.prototype.get_uri,
        what: 'does not throw, transfer full string',
        args: () => [file],
        direct: f => f.get_uri(),
    },
    {
        fn: Gio.File.prototype.query_info,
        what: 'a string and flags; a new GFileInfo',
        args: () => [file, 'standard::name,standard::size', Gio.FileQueryInfoFlags.NONE],
        direct: (f, attrs, flags) => f.query_info(attrs, flags, null),
        view: info => [info.get_name(), info.get_size()],
    },
    {
        fn: Gio.FileInfo.prototype.list_attributes,
        what: 'nullable string argument given null, string array result',
        args: () => [file.query_info('standard::name,standard::size', 0, null), null],
        direct: (info, ns) => info.list_attributes(ns),
        view: list => [...list].sort(),
    },
    {
        fn: Gio.InputStream.prototype.read_bytes,
        what: 'a guint64 count, a GBytes result',
        args: () => [memoryStream(), 5],
        direct: (stream, count) => stream.read_bytes(count, null),
    },
    {
        fn: Gio.OutputStream.prototype.write_all,
        what: 'byte array in, [ok, bytes_written] out',
        args: () => [Gio.MemoryOutputStream.new_resizable(), BINARY],
        direct: (stream, data) => [...stream.write_all(data, null), stream],
        wrappedView: (value, [stream]) => outputView([...value, stream]),
        view: outputView,
    },
    {
        fn: Gio.Subprocess.new,
        what: 'string array argument (argv), flags, a new GSubprocess',
        args: () => [['printf', '%s|%s', 'a b', 'ç'], Gio.SubprocessFlags.STDOUT_PIPE],
        direct: (argv, flags) => Gio.Subprocess.new(argv, flags),
        view: p => p.communicate_utf8(null, null),
    },
    {
        fn: Gio.SubprocessLauncher.prototype.spawnv,
        what: 'instance method with a string array',
        args: () => [new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.STDOUT_PIPE}),
            ['printf', '%s', 'launched']],
        direct: (launcher, argv) => launcher.spawnv(argv),
        view: p => p.communicate_utf8(null, null),
    },
    {
        fn: Gio.File.prototype.replace_contents,
        what: 'byte array, nullable etag, boolean, flags; [ok, new etag]',
        args: () => [Gio.File.new_for_path(freshPath('replace')), encoder.encode('new contents'),
            null, false, Gio.FileCreateFlags.NONE],
        direct: (f, data, etag, backup, flags) => [...f.replace_contents(data, etag, backup,
            flags, null), f],
        wrappedView: (value, [f]) => [value[0], typeof value[1], f.load_contents(null)[1]],
        view: ([ok, etag, f]) => [ok, typeof etag, f.load_contents(null)[1]],
    },
    {
        fn: GLib.file_set_contents,
        what: 'a filename and a byte array, a gboolean result',
        args: () => [freshPath('set'), BINARY],
        direct: (path, data) => [GLib.file_set_contents(path, data), path],
        wrappedView: (ok, [path]) => [ok, GLib.file_get_contents(path)[1]],
        view: ([ok, path]) => [ok, GLib.file_get_contents(path)[1]],
    },
    {
        fn: Gio.File.prototype.delete,
        what: 'throws, a gboolean result',
        args: () => [Gio.File.new_for_path(freshPath('delete'))],
        prepare: f => f.replace_contents(BINARY, null, false, 0, null),
        direct: f => [f.delete(null), f],
        wrappedView: (ok, [f]) => [ok, f.query_exists(null)],
        view: ([ok, f]) => [ok, f.query_exists(null)],
    },

    // GIO async pairs: the wrapped function is the _async half.
    {
        fn: Gio.File.prototype.load_contents_async,
        pair: true,
        what: '_finish with out arguments: [ok, contents, etag]',
        args: () => [file],
        direct: f => gioAsync(f, 'load_contents', null),
    },
    {
        fn: Gio.File.prototype.load_contents_async,
        label: 'missing file',
        pair: true,
        what: 'the GIO error from _finish passes through',
        args: () => [missing],
        direct: f => gioAsync(f, 'load_contents', null),
        fails: true,
    },
    {
        fn: Gio.Subprocess.prototype.communicate_utf8_async,
        pair: true,
        what: 'nullable string in, [ok, stdout, stderr] out',
        args: () => [Gio.Subprocess.new(['cat'],
            Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE), 'piped\n'],
        direct: (p, input) => gioAsync(p, 'communicate_utf8', input, null),
    },
    {
        fn: Gio.OutputStream.prototype.write_all_async,
        pair: true,
        what: 'byte array and priority in, [ok, bytes_written] out',
        args: () => [Gio.MemoryOutputStream.new_resizable(), BINARY, GLib.PRIORITY_DEFAULT],
        direct: async (stream, data, priority) =>
            [...await gioAsync(stream, 'write_all', data, priority, null), stream],
        wrappedView: (value, [stream]) => outputView([...value, stream]),
        view: outputView,
    },
    {
        fn: Gio.DataInputStream.prototype.read_line_async,
        pair: true,
        what: '[line as bytes, length]',
        args: () => [dataStream('héllo\nworld\n'), GLib.PRIORITY_DEFAULT],
        direct: (stream, priority) => gioAsync(stream, 'read_line', priority, null),
    },
    {
        fn: Gio.DataInputStream.prototype.read_line_async,
        pair: true,
        what: '[null, 0] at the end of the stream (a NULL byte array)',
        args: () => [dataStream(''), GLib.PRIORITY_DEFAULT],
        direct: (stream, priority) => gioAsync(stream, 'read_line', priority, null),
    },
    {
        fn: Gio.File.prototype.query_info_async,
        pair: true,
        what: 'a GFileInfo from _finish',
        args: () => [file, 'standard::size', Gio.FileQueryInfoFlags.NONE, GLib.PRIORITY_DEFAULT],
        direct: (f, attrs, flags, priority) => gioAsync(f, 'query_info', attrs, flags, priority, null),
        view: info => info.get_size(),
    },
    {
        fn: Gio.File.prototype.read_async,
        pair: true,
        what: 'a GFileInputStream from _finish',
        args: () => [file, GLib.PRIORITY_DEFAULT],
        direct: (f, priority) => gioAsync(f, 'read', priority, null),
        view: stream => stream.read_bytes(100, null),
    },
    {
        fn: Gio.InputStream.prototype.read_bytes_async,
        pair: true,
        what: 'a GBytes from _finish',
        args: () => [memoryStream(), 7, GLib.PRIORITY_DEFAULT],
        direct: (stream, count, priority) => gioAsync(stream, 'read_bytes', count, priority, null),
    },
    {
        // GJS overrides this one in JavaScript (it calls
        // replace_contents_bytes_async): wrapped by its name.
        fn: Gio.File.prototype.replace_contents_async,
        make: () => SA.introspect('File.replace_contents_async', {namespace: 'Gio'}),
        pair: true,
        what: 'wrapped by name; a byte array the pair needs until _finish: [ok, etag]',
        args: () => [Gio.File.new_for_path(freshPath('replace-async')),
            encoder.encode(CONTENTS.repeat(1000)), null, false, Gio.FileCreateFlags.NONE],
        direct: (f, data, etag, backup, flags) => new Promise((resolve, reject) => {
            f.replace_contents_bytes_async(new GLib.Bytes(data), etag, backup, flags, null,
                (source, result) => {
                    try {
                        resolve([...source.replace_contents_finish(result), f]);
                    } catch (e) {
                        reject(e);
                    }
                });
        }),
        wrappedView: (value, [f]) => [value[0], typeof value[1], f.load_contents(null)[1]],
        view: ([ok, etag, f]) => [ok, typeof etag, f.load_contents(null)[1]],
    },
    {
        fn: Gio.File.prototype.replace_contents_bytes_async,
        pair: true,
        what: 'a GBytes argument; its _finish is replace_contents_finish: [ok, etag]',
        args: () => [Gio.File.new_for_path(freshPath('replace-bytes')),
            new GLib.Bytes(encoder.encode('bytes\n')), null, false, Gio.FileCreateFlags.NONE],
        direct: (f, data, etag, backup, flags) => new Promise((resolve, reject) => {
            f.replace_contents_bytes_async(data, etag, backup, flags, null, (source, result) => {
                try {
                    resolve([...source.replace_contents_finish(result), f]);
                } catch (e) {
                    reject(e);
                }
            });
        }),
        wrappedView: (value, [f]) => [value[0], typeof value[1], f.load_contents(null)[1]],
        view: ([ok, etag, f]) => [ok, typeof etag, f.load_contents(null)[1]],
    },
    {
        fn: Gio.File.prototype.delete_async,
        pair: true,
        what: 'a gboolean from _finish',
        args: () => [Gio.File.new_for_path(freshPath('delete-async')), GLib.PRIORITY_DEFAULT],
        prepare: f => f.replace_contents(BINARY, null, false, 0, null),
        direct: async (f, priority) => [await gioAsync(f, 'delete', priority, null), f],
        wrappedView: (ok, [f]) => [ok, f.query_exists(null)],
        view: ([ok, f]) => [ok, f.query_exists(null)],
    },
];

function label(c, fn) {
    return `${fn.get_name()}${c.label ? ` (${c.label})` : ''}`;
}

function freshArgs(c) {
    const args = c.args();
    if (c.prepare)
        c.prepare(...args);
    return args;
}

function compare(c, wrapped, wrappedArgs, direct, where) {
    const view = c.view ?? (v => v);
    const wrappedView = c.wrappedView ?? ((v, args) => view(v, args));
    if (c.fails)
        assert(direct.error, `${where}: GJS's own call was meant to fail`);
    else
        assert(!direct.error, `${where}: GJS's own call failed: ${direct.error}`);
    const actual = wrapped.error ? wrapped : {value: wrappedView(wrapped.value, wrappedArgs)};
    assertSameOutcome(actual, direct.error ? direct : {value: view(direct.value)},
        v => v, `${where}, against GJS's own call`);
}

const functionsCovered = new Set();
for (const c of cases) {
    const fn = c.make ? c.make() : SA.wrap(c.fn);
    const name = label(c, fn);
    functionsCovered.add(fn.get_name());

    test(`${name}, top level: ${c.what}`, () => {
        assertEquals(fn.kind, c.pair ? SmartAsync.FunctionKind.ASYNC
            : SmartAsync.FunctionKind.SYNC, 'kind');
        const args = freshArgs(c);
        const wrapped = outcome(() => SA.call(fn, args));
        assert(!(wrapped.value instanceof Promise), 'top level gets the value');
        const directArgs = freshArgs(c);
        const direct = outcome(() => c.pair ? settle(c.direct(...directArgs))
            : c.direct(...directArgs));
        compare(c, wrapped, args, direct, 'top level');
    });

    testInLoop(`${name}, in a running loop (a Promise): ${c.what}`, async () => {
        const args = freshArgs(c);
        const pending = SA.call(fn, args);
        assert(pending instanceof Promise, 'a running loop gets a Promise');
        const wrapped = await outcomeAsync(() => pending);
        const directArgs = freshArgs(c);
        const direct = await outcomeAsync(() => c.direct(...directArgs));
        compare(c, wrapped, args, direct, 'in a loop');
    });
}

test(`at least 25 GLib and GIO functions and pairs (${functionsCovered.size})`, () => {
    assert(functionsCovered.size >= 25, [...functionsCovered].join(', '));
    print(`# ${[...functionsCovered].join(', ')}`);
});

// The API

test('wrap() of a GJS function for a C function: its typelib, its name', () => {
    assertEquals(SA.nativeSymbol(Gio.File.prototype.load_contents).symbol, 'g_file_load_contents');
    assertEquals(SA.nativeSymbol(Gio.File.prototype.load_contents).namespace, 'Gio');
    assertEquals(SA.nativeSymbol(Gio.Subprocess.new).symbol, 'g_subprocess_newv');
    assertEquals(SA.nativeSymbol((a, b) => a + b), null);
    const load = SA.wrap(Gio.File.prototype.load_contents);
    assertEquals(load.get_name(), 'Gio.File.load_contents');
    assert(!(load.flags & SmartAsync.FunctionFlags.OWNER_THREAD), 'runs on any thread');
    assertEquals(load.get_param_types().map(t => GObject.type_name(t)).join(), 'GFile');
    assertEquals(load.get_result_types().map(t => GObject.type_name(t)).join(),
        'gboolean,GByteArray,gchararray');
    const [ok, contents] = SA.callSync(load, [file]);
    assertEquals(ok, true);
    assert(contents instanceof Uint8Array, 'a byte array comes as a Uint8Array');
    assertEquals(decoder.decode(contents), CONTENTS);
});

test('introspect() takes a C symbol, or a namespace and name', () => {
    const guess = SA.introspect('g_content_type_guess');
    assertEquals(guess.get_name(), 'Gio.content_type_guess');
    assertSame(SA.call(guess, ['a.txt', null]), Gio.content_type_guess('a.txt', null), 'guess');
    const load = SA.introspect('File.load_contents', {namespace: 'Gio', version: '2.0'});
    assertEquals(decoder.decode(SA.call(load, [file])[1]), CONTENTS);
});

test('wrap() with returns or params keeps a GJS function as JavaScript', () => {
    const basename = SA.wrap(GLib.path_get_basename,
        {returns: GObject.TYPE_STRING, params: [GObject.TYPE_STRING]});
    assert(basename.flags & SmartAsync.FunctionFlags.OWNER_THREAD, 'a JS callable');
    assertEquals(SA.call(basename, ['/a/b']), 'b');
});

test('byte arrays are taken as GJS takes them: Uint8Array, Array, GLib.Bytes, string', () => {
    const encode = SA.wrap(GLib.base64_encode);
    const expected = GLib.base64_encode(encoder.encode('hi!'));
    for (const data of [encoder.encode('hi!'), [104, 105, 33], new GLib.Bytes(encoder.encode('hi!')),
        'hi!', encoder.encode('hi!').buffer])
        assertEquals(SA.call(encode, [data]), expected, `from ${data.constructor.name}`);
    assertEquals(SA.call(encode, [new Uint8Array(0)]), '');
    const big = new Uint8Array(1 << 20).fill(0xa5);
    assertEquals(SA.call(encode, [big]), GLib.base64_encode(big));
});

testInLoop('string and byte arrays from several calls at once in a loop', async () => {
    const getenv = SA.wrap(GLib.environ_getenv);
    const checksum = SA.wrap(GLib.compute_checksum_for_data);
    const calls = [];
    for (let i = 0; i < 20; i++) {
        calls.push(SA.call(getenv, [[`K${i}=v${i}`, 'X=y'], `K${i}`]));
        calls.push(SA.call(checksum, [GLib.ChecksumType.MD5, encoder.encode(`data ${i}`)]));
    }
    const results = await Promise.all(calls);
    for (let i = 0; i < 20; i++) {
        assertEquals(results[2 * i], `v${i}`);
        assertEquals(results[2 * i + 1],
            GLib.compute_checksum_for_data(GLib.ChecksumType.MD5, encoder.encode(`data ${i}`)));
    }
});

// The killer feature: blocking C on a worker thread, the loop ticking

const BLOCK_MS = SLOW_MACHINE ? 1000 : 300;
const MAX_GAP_MS = SLOW_MACHINE ? 500 : 100;
// Issue 12's own bound for a 300 ms blocking C call and a 10 ms timer,
// held to with GLib.usleep, whose worker does nothing else.
const USLEEP_MAX_GAP_MS = SLOW_MACHINE ? 500 : 50;
const TICK_TIMEOUT_MS = 5000 + 8 * BLOCK_MS;

// Runs call(prepare()) (sync or async) while a 10 ms timer ticks: the
// longest interval between the start, the ticks and the end, and the
// duration. prepare() runs before the measurement starts.
async function tickGap(call, prepare = () => undefined) {
    const times = [];
    const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
        times.push(nowMs());
        return GLib.SOURCE_CONTINUE;
    });
    // Let the timer start ticking first.
    await new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, 30, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
    const prepared = prepare();
    times.length = 0;
    const start = nowMs();
    times.push(start);
    try {
        const value = await call(prepared);
        times.push(nowMs());
        return {gap: maxGap(times), ticks: times.length - 2, duration: nowMs() - start, value};
    } finally {
        GLib.source_remove(timer);
    }
}

// Up to 3 measurements, the first below the bound counting: a loaded
// machine (CI, or a load average of 15 on 2 CPUs while this was written)
// now and then stalls the process for 100 ms or more while no call runs; a
// stall the library causes comes back every time. Every attempt is printed.
const ATTEMPTS = Math.max(TICK_ATTEMPTS, 3);

async function measured(call, prepare, bound = MAX_GAP_MS) {
    let m;
    const gaps = [];
    for (let i = 0; i < ATTEMPTS; i++) {
        m = await tickGap(call, prepare);
        gaps.push(m.gap.toFixed(1));
        if (m.gap < bound)
            break;
    }
    m.attempts = gaps.length > 1 ? ` (attempts: ${gaps.join(', ')} ms)` : '';
    return m;
}

testInLoop('GLib.usleep wrapped: a blocking C call runs on a worker thread, the loop ticks', async () => {
    const usleep = SA.wrap(GLib.usleep);
    const wrapped = await measured(() => SA.call(usleep, [BLOCK_MS * 1000]), undefined,
        USLEEP_MAX_GAP_MS);
    const direct = await tickGap(() => GLib.usleep(BLOCK_MS * 1000));
    print(`# GLib.usleep(${BLOCK_MS} ms): longest gap between ticks ${wrapped.gap.toFixed(1)} ms ` +
        `wrapped (${wrapped.ticks} ticks), ${direct.gap.toFixed(1)} ms called directly ` +
        `(${direct.ticks} ticks)${wrapped.attempts}`);
    assert(wrapped.duration >= BLOCK_MS - 5, `the call lasted ${wrapped.duration} ms`);
    assert(wrapped.gap < USLEEP_MAX_GAP_MS, `the loop went ${wrapped.gap} ms without a tick`);
    assert(wrapped.ticks >= BLOCK_MS / 10 / 3, `only ${wrapped.ticks} ticks`);
    assert(direct.gap >= BLOCK_MS - 20, `GJS's own call blocks the loop: ${direct.gap} ms`);
}, TICK_TIMEOUT_MS);

testInLoop('Subprocess.wait wrapped: `sleep` waited for on a worker thread, the loop ticks', async () => {
    const wait = SA.wrap(Gio.Subprocess.prototype.wait);
    assertEquals(wait.kind, SmartAsync.FunctionKind.SYNC);
    const seconds = String(BLOCK_MS / 1000);
    // Spawning happens on this thread, before the measurement.
    const sleep = () => Gio.Subprocess.new(['sleep', seconds], Gio.SubprocessFlags.NONE);
    const wrapped = await measured(p => SA.call(wait, [p]), sleep);
    const direct = await tickGap(p => p.wait(null), sleep);
    print(`# Subprocess.wait (sleep ${seconds}): longest gap between ticks ` +
        `${wrapped.gap.toFixed(1)} ms wrapped, ${direct.gap.toFixed(1)} ms called directly` +
        `${wrapped.attempts}`);
    assertEquals(wrapped.value, true);
    // `sleep` starts counting when spawned, before the measurement: on a
    // loaded machine the wait is shorter than BLOCK_MS by tens of ms.
    assert(wrapped.duration >= BLOCK_MS / 2, `the call lasted ${wrapped.duration} ms`);
    assert(wrapped.gap < MAX_GAP_MS, `the loop went ${wrapped.gap} ms without a tick`);
    assert(direct.gap >= BLOCK_MS / 2, `GJS's own call blocks the loop: ${direct.gap} ms`);
}, TICK_TIMEOUT_MS);

testInLoop('load_contents of a slow FIFO on a worker thread while the loop ticks', async () => {
    const load = SA.wrap(Gio.File.prototype.load_contents);
    let writer;
    // A new FIFO, and a writer that opens it, waits, writes and closes.
    const slowFifo = () => {
        const fifo = freshPath('fifo');
        const [ok] = GLib.spawn_sync(null, ['mkfifo', fifo], null,
            GLib.SpawnFlags.SEARCH_PATH, null);
        assert(ok, 'mkfifo');
        writer = Gio.Subprocess.new(['sh', '-c', `sleep ${BLOCK_MS / 1000}; printf slow > "$0"`,
            fifo], Gio.SubprocessFlags.NONE);
        return Gio.File.new_for_path(fifo);
    };
    const m = await measured(fifo => SA.call(load, [fifo]), slowFifo);
    writer.wait(null);
    print(`# load_contents of a FIFO written after ${BLOCK_MS} ms: longest gap ` +
        `${m.gap.toFixed(1)} ms${m.attempts}`);
    assertEquals(decoder.decode(m.value[1]), 'slow');
    assert(m.duration >= BLOCK_MS / 2, `the call lasted ${m.duration} ms`);
    assert(m.gap < MAX_GAP_MS, `the loop went ${m.gap} ms without a tick`);
}, TICK_TIMEOUT_MS);

// Objects across threads and the garbage collector

testInLoop('GObjects in and out of worker threads survive garbage collection', async () => {
    const getParent = SA.wrap(Gio.File.prototype.get_parent);
    const queryInfo = SA.wrap(Gio.File.prototype.query_info);
    const fromBytes = SA.wrap(Gio.MemoryInputStream.new_from_bytes);
    const readBytes = SA.wrap(Gio.InputStream.prototype.read_bytes);
    const readLine = SA.wrap(Gio.DataInputStream.prototype.read_line_async);
    for (let i = 0; i < 30; i++) {
        // Only the call holds the argument.
        const parentPending = SA.call(getParent, [Gio.File.new_for_path(`${dir}/a${i}/b`)]);
        System.gc();
        const parent = await parentPending;
        System.gc();
        assertEquals(parent.get_path(), `${dir}/a${i}`);
        assertEquals(parent.get_basename(), `a${i}`);

        const info = await SA.call(queryInfo, [Gio.File.new_for_path(file.get_path()),
            'standard::size', Gio.FileQueryInfoFlags.NONE]);
        System.gc();
        assertEquals(info.get_size(), CONTENTS.length);

        const stream = await SA.call(fromBytes, [new GLib.Bytes(encoder.encode(`chunk ${i}\n`))]);
        System.gc();
        assert(stream instanceof Gio.MemoryInputStream, 'a MemoryInputStream');
        const chunk = await SA.call(readBytes, [stream, 3]);
        System.gc();
        assertEquals(decoder.decode(chunk.toArray()), 'chu');
        const data = new Gio.DataInputStream({base_stream: stream});
        const [line] = await SA.call(readLine, [data, GLib.PRIORITY_DEFAULT]);
        System.gc();
        assertEquals(decoder.decode(line), `nk ${i}`);
    }
}, 20000);

test('GObjects through sync calls survive garbage collection', () => {
    const getParent = SA.wrap(Gio.File.prototype.get_parent);
    const readAsync = SA.wrap(Gio.File.prototype.read_async);
    for (let i = 0; i < 30; i++) {
        const parent = SA.call(getParent, [Gio.File.new_for_path(`${dir}/c${i}/d`)]);
        System.gc();
        assertEquals(parent.get_basename(), `c${i}`);
        const stream = SA.call(readAsync, [Gio.File.new_for_path(file.get_path()),
            GLib.PRIORITY_DEFAULT]);
        System.gc();
        assertEquals(decoder.decode(stream.read_bytes(5, null).toArray()), 'smart');
        stream.close(null);
    }
});

// The GIO pair whose _finish gives a source object: a listener's accept.

function listener() {
    const socketListener = new Gio.SocketListener();
    const port = socketListener.add_any_inet_port(null);
    const address = Gio.InetSocketAddress.new_from_string('127.0.0.1', port);
    return {socketListener, address};
}

test('SocketListener.accept_async, top level: [connection, source object]', () => {
    const accept = SA.wrap(Gio.SocketListener.prototype.accept_async);
    assertEquals(accept.kind, SmartAsync.FunctionKind.ASYNC);
    const {socketListener, address} = listener();
    // The kernel completes the connection before accept() runs.
    const client = new Gio.SocketClient().connect(address, null);
    const [connection, source] = SA.call(accept, [socketListener]);
    assert(connection instanceof Gio.SocketConnection, 'a connection');
    assertEquals(source, null);
    assertEquals(connection.get_remote_address().get_port(),
        client.get_local_address().get_port());

    const direct = listener();
    const directClient = new Gio.SocketClient().connect(direct.address, null);
    const [directConnection, directSource] = settle(gioAsync(direct.socketListener, 'accept', null));
    assertEquals(directSource, null);
    assertEquals(directConnection.constructor.$gtype, connection.constructor.$gtype);
    for (const c of [client, connection, directClient, directConnection])
        c.close(null);
    socketListener.close();
    direct.socketListener.close();
});

testInLoop('SocketListener.accept_async in a loop: the Promise settles when a client connects', async () => {
    const accept = SA.wrap(Gio.SocketListener.prototype.accept_async);
    const {socketListener, address} = listener();
    const pending = SA.call(accept, [socketListener]);
    assert(pending instanceof Promise);
    const client = await gioAsync(new Gio.SocketClient(), 'connect', address, null);
    const [connection, source] = await pending;
    assertEquals(source, null);
    assertEquals(connection.get_remote_address().get_port(),
        client.get_local_address().get_port());
    // Bytes written at one end arrive at the other.
    client.get_output_stream().write_all(encoder.encode('ping'), null);
    const bytes = await gioAsync(connection.get_input_stream(), 'read_bytes', 4,
        GLib.PRIORITY_DEFAULT, null);
    assertEquals(decoder.decode(bytes.toArray()), 'ping');

    const direct = listener();
    const directPending = gioAsync(direct.socketListener, 'accept', null);
    const directClient = await gioAsync(new Gio.SocketClient(), 'connect', direct.address, null);
    const [directConnection, directSource] = await directPending;
    assertEquals(directSource, null);
    assertEquals(directConnection.constructor.$gtype, connection.constructor.$gtype);
    for (const c of [client, connection, directClient, directConnection])
        c.close(null);
    socketListener.close();
    direct.socketListener.close();
});

// The call's cancellable goes where the C function takes its own

testInLoop('cancelled during the call: Subprocess.wait on a worker, accept_async of a pair', async () => {
    const IO_ERROR = Gio.io_error_quark();
    const wait = SA.wrap(Gio.Subprocess.prototype.wait);
    const accept = SA.wrap(Gio.SocketListener.prototype.accept_async);
    const sleeper = Gio.Subprocess.new(['sleep', '30'], Gio.SubprocessFlags.NONE);
    const {socketListener} = listener();
    const waitCancellable = new Gio.Cancellable();
    const acceptCancellable = new Gio.Cancellable();
    const waiting = SA.call(wait, [sleeper], {cancellable: waitCancellable});
    const accepting = SA.call(accept, [socketListener], {cancellable: acceptCancellable});
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 50, () => {
        waitCancellable.cancel();
        acceptCancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    const start = nowMs();
    await assertRejectsGError(waiting, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    await assertRejectsGError(accepting, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    assert(nowMs() - start < 5000, 'cancelled, not waited for');
    sleeper.force_exit();
    sleeper.wait(null);
    socketListener.close();
});

test('cancelled before the call, top level: the function never runs', () => {
    const IO_ERROR = Gio.io_error_quark();
    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    const path = freshPath('never');
    const setContents = SA.wrap(GLib.file_set_contents);
    assertThrowsGError(() => SA.call(setContents, [path, BINARY], {cancellable}),
        IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    assert(!GLib.file_test(path, GLib.FileTest.EXISTS), 'the file was not written');
    const loadAsync = SA.wrap(Gio.File.prototype.load_contents_async);
    assertThrowsGError(() => SA.call(loadAsync, [file], {cancellable}),
        IO_ERROR, Gio.IOErrorEnum.CANCELLED);
});

// Refusals

function assertSAError(fn, code, pattern) {
    const e = assertThrowsGError(fn, SA_ERROR, code);
    assert(pattern.test(e.message), `message: ${e.message}`);
    return e;
}

test('refused: a name no typelib has', () => {
    assertSAError(() => SA.introspect('g_sa_no_such_function'), SmartAsync.Error.NOT_FOUND,
        /No loaded typelib has a function with the C symbol g_sa_no_such_function/);
    assertSAError(() => SA.introspect('File.no_such_method', {namespace: 'Gio'}),
        SmartAsync.Error.NOT_FOUND, /Gio has no function File\.no_such_method/);
    assertSAError(() => SA.introspect('anything', {namespace: 'SaNoSuchNamespace'}),
        SmartAsync.Error.NOT_FOUND, /No typelib for SaNoSuchNamespace/);
    assertSAError(() => SA.introspect(() => 1), SmartAsync.Error.NOT_FOUND,
        /not a function that GJS calls through gobject-introspection/);
    // An override in JavaScript hides the C symbol: wrap it by name.
    assertSAError(() => SA.introspect(Gio.File.prototype.replace_contents_async),
        SmartAsync.Error.NOT_FOUND, /not a function that GJS calls through gobject-introspection/);
});

test('refused: a function with a callback parameter (GLib.timeout_add)', () => {
    assertSAError(() => SA.wrap(GLib.timeout_add), SmartAsync.Error.UNSUPPORTED,
        /GLib\.timeout_add cannot be wrapped: argument function is a callback/);
    assertSAError(() => SA.wrap(Gio.File.prototype.copy), SmartAsync.Error.UNSUPPORTED,
        /Gio\.File\.copy cannot be wrapped: argument progress_callback is a callback/);
});

test('refused: a list result, a C array handed over', () => {
    assertSAError(() => SA.wrap(Gio.content_types_get_registered), SmartAsync.Error.UNSUPPORTED,
        /GList, which is not supported/i);
    assertSAError(() => SA.wrap(Gio.MemoryInputStream.new_from_data), SmartAsync.Error.UNSUPPORTED,
        /hands over a C array of bytes/);
});

test('refused at top level: wrong argument count and types, null for non-nullable', () => {
    const load = SA.wrap(Gio.File.prototype.load_contents);
    assertSAError(() => SA.call(load, []), SmartAsync.Error.ARGUMENT_COUNT,
        /Function “Gio\.File\.load_contents” takes 1 argument, 0 given/);
    assertSAError(() => SA.call(load, [file, file]), SmartAsync.Error.ARGUMENT_COUNT,
        /takes 1 argument, 2 given/);
    assertSAError(() => SA.call(load, ['/etc/os-release']), SmartAsync.Error.ARGUMENT_TYPE,
        /Function “Gio\.File\.load_contents”: argument 1: expected GFile, got gchararray/);
    assertSAError(() => SA.call(load, [null]), SmartAsync.Error.ARGUMENT_TYPE,
        /Function “Gio\.File\.load_contents”: argument self must not be NULL/);
    const spawn = SA.wrap(Gio.Subprocess.new);
    assertSAError(() => SA.call(spawn, [['echo', 3], 0]), SmartAsync.Error.ARGUMENT_TYPE,
        /Function “Gio\.Subprocess\.new”: argument 1: expected GStrv \(an Array of strings\)/);
    assertSAError(() => SA.call(spawn, ['echo', 0]), SmartAsync.Error.ARGUMENT_TYPE,
        /argument 1: expected GStrv/);
    assertSAError(() => SA.call(spawn, [['echo', 'hi']]), SmartAsync.Error.ARGUMENT_COUNT,
        /Function “Gio\.Subprocess\.new” takes 2 arguments, 1 given/);
    const encode = SA.wrap(GLib.base64_encode);
    assertSAError(() => SA.call(encode, [[1, 300]]), SmartAsync.Error.ARGUMENT_TYPE,
        /Function “GLib\.base64_encode”: argument 1: expected GByteArray.*not a byte/);
    assertSAError(() => SA.call(encode, [42]), SmartAsync.Error.ARGUMENT_TYPE,
        /argument 1: expected GByteArray/);
    const strup = SA.wrap(GLib.utf8_strup);
    assertSAError(() => SA.call(strup, ['abc', 1.5]), SmartAsync.Error.ARGUMENT_TYPE,
        /GLib\.utf8_strup.*argument 2: expected gint64/);
});

testInLoop('refused in a loop: a rejected Promise with the same errors', async () => {
    const load = SA.wrap(Gio.File.prototype.load_contents);
    const loadAsync = SA.wrap(Gio.File.prototype.load_contents_async);
    for (const fn of [load, loadAsync]) {
        const e = await assertRejectsGError(SA.call(fn, []), SA_ERROR,
            SmartAsync.Error.ARGUMENT_COUNT);
        assert(/takes 1 argument, 0 given/.test(e.message), e.message);
        await assertRejectsGError(SA.call(fn, [42]), SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE);
    }
    const spawn = SA.wrap(Gio.Subprocess.new);
    const e = await assertRejectsGError(SA.call(spawn, [[1], 0]), SA_ERROR,
        SmartAsync.Error.ARGUMENT_TYPE);
    assert(/expected GStrv/.test(e.message), e.message);
    await assertRejectsGError(SA.call(spawn, [['echo']]), SA_ERROR,
        SmartAsync.Error.ARGUMENT_COUNT);
});

run();
