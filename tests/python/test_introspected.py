# SPDX-License-Identifier: LGPL-2.1-or-later
"""SmartAsync.wrap(): real GLib and GIO functions and async pairs, wrapped
from their typelibs, called from plain code, from a plain asyncio loop and
from gbulb's GLib-driven asyncio loop, each compared with PyGObject's own
call of the same API. (A process of its own: gbulb.install() sets the
event loop policy for the whole process.)"""

import asyncio
import inspect
import socket
import time

import gbulb
import gi
import pytest

from gi.repository import GLib, GObject, Gio, SmartAsync

from conftest import SLOW_MACHINE, assert_error

gbulb.install()

CALLERS = ['sync', 'asyncio', 'gbulb']
TRUE = '/usr/bin/true'
FALSE = '/usr/bin/false'
CAT = '/usr/bin/cat'
SH = '/usr/bin/sh'

# Every function these tests call through SmartAsync.wrap(), by case id:
# the coverage test at the end checks what kinds they span.
WRAPPED = {}


def call(caller, function, *args, **kwargs):
    """Calls a wrapped function the way `caller` does: plain code, an
    asyncio coroutine on asyncio's own loop, or one on gbulb's loop (which
    runs on GLib's default main context)."""
    if caller == 'sync':
        return function(*args, **kwargs)

    async def main():
        if caller == 'gbulb':
            assert GLib.main_depth() > 0
        awaitable = function(*args, **kwargs)
        assert inspect.isawaitable(awaitable)
        return await awaitable

    if caller == 'asyncio':
        loop = asyncio.SelectorEventLoop()
        try:
            return loop.run_until_complete(main())
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
    loop = asyncio.get_event_loop_policy().get_event_loop()
    assert type(loop).__module__.startswith('gbulb.')
    try:
        return loop.run_until_complete(main())
    finally:
        # Started in GLib's context (the library's workers for a blocking
        # function), never on asyncio's executor.
        assert loop._default_executor is None


def run_pair(start, finish, *args):
    """PyGObject's own async call: start(*args, cancellable, callback) in a
    GLib main loop, then finish(result)."""
    loop = GLib.MainLoop()
    results = []

    def ready(source, result, *_):
        results.append(result)
        loop.quit()

    start(*args, None, ready)
    loop.run()
    return finish(results[0])


def names(value):
    """The names PyGObject's result tuple gives its items (None for
    anything else)."""
    if not isinstance(value, gi._gi.ResultTuple):
        return None
    return type(value).__dict__['__repr_format']


class Case:
    def __init__(self, id, target, make_args, direct, project=lambda v: v):
        self.id = id
        self.target = target
        self.make_args = make_args
        self.direct = direct
        self.project = project
        WRAPPED[id] = target


@pytest.fixture
def data(tmp_path):
    path = tmp_path / 'data.txt'
    path.write_bytes(b'first line\nsecond line\n')
    return path


def memory_input(data=b'first line\nsecond line\n'):
    return Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(data))


def key_file():
    keys = GLib.KeyFile()
    text = '[group]\nname=smart\nmode=async\n'
    keys.load_from_data(text, len(text), GLib.KeyFileFlags.NONE)
    return keys


def wait_status(process):
    process.wait(None)
    return process.get_if_exited(), process.get_exit_status()


def piped_cat():
    return Gio.Subprocess.new([CAT], Gio.SubprocessFlags.STDIN_PIPE |
                              Gio.SubprocessFlags.STDOUT_PIPE |
                              Gio.SubprocessFlags.STDERR_PIPE)


class Written:
    """A memory output stream, and what was written to it, for the write
    functions' results."""

    def __init__(self):
        self.stream = Gio.MemoryOutputStream.new_resizable()

    def contents(self):
        self.stream.close(None)
        return self.stream.steal_as_bytes().get_data()


def blocking_cases(path):
    """The blocking functions, as (case, args) factories for a data file
    at `path` (b'first line\\nsecond line\\n')."""
    spath = str(path)
    uri = GLib.filename_to_uri(spath, None)
    file = lambda: Gio.File.new_for_path(spath)  # noqa: E731
    return [
        # A method that throws, with out arguments: (True, bytes, etag).
        Case('File.load_contents', Gio.File.load_contents,
             lambda: [file()], lambda f: f.load_contents(None)),
        # A static function that throws: (True, bytes) from a filename.
        Case('file_get_contents', GLib.file_get_contents,
             lambda: [spath], GLib.file_get_contents),
        # A nullable data argument (None), a filename, an out boolean.
        Case('content_type_guess(filename)', Gio.content_type_guess,
             lambda: ['notes.txt', None], Gio.content_type_guess),
        # A nullable filename (None), a C array of bytes.
        Case('content_type_guess(data)', Gio.content_type_guess,
             lambda: [None, b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'], Gio.content_type_guess),
        # Throws; its out argument hostname is NULL: (filename, None).
        Case('filename_from_uri', GLib.filename_from_uri,
             lambda: [uri], GLib.filename_from_uri),
        # A nullable hostname given as None.
        Case('filename_to_uri', GLib.filename_to_uri,
             lambda: ['/tmp/smart async', None], GLib.filename_to_uri),
        # A static constructor of an interface: a new object.
        Case('File.new_for_path', Gio.File.new_for_path,
             lambda: [spath], Gio.File.new_for_path, lambda f: (type(f), f.get_path())),
        # A static function, transfer full string.
        Case('content_type_get_description', Gio.content_type_get_description,
             lambda: ['text/plain'], Gio.content_type_get_description),
        # An enum and a C array of bytes with a NUL inside.
        Case('compute_checksum_for_data', GLib.compute_checksum_for_data,
             lambda: [GLib.ChecksumType.SHA256, b'smart\0async'],
             GLib.compute_checksum_for_data),
        Case('base64_encode', GLib.base64_encode,
             lambda: [b'\0\xffsmart\n'], GLib.base64_encode),
        # A C array of bytes as the result.
        Case('base64_decode', GLib.base64_decode,
             lambda: ['AP9zbWFydAo='], GLib.base64_decode),
        # A GStrv in (transfer full) and out (transfer full).
        Case('environ_setenv', GLib.environ_setenv,
             lambda: [['A=1', 'B=2'], 'C', '3', True], GLib.environ_setenv),
        # A GStrv in (transfer none), a string out (transfer none).
        Case('environ_getenv', GLib.environ_getenv,
             lambda: [['A=1', 'B=2'], 'B'], GLib.environ_getenv),
        # A GStrv out argument, throws.
        Case('shell_parse_argv', GLib.shell_parse_argv,
             lambda: ['smart "and async" \'calls\''], GLib.shell_parse_argv),
        Case('build_filenamev', GLib.build_filenamev,
             lambda: [['/usr', 'share', 'smartasync']], GLib.build_filenamev),
        # A GStrv and flags, a new object: the process ran.
        Case('Subprocess.new', Gio.Subprocess.new,
             lambda: [[SH, '-c', 'exit 3'], Gio.SubprocessFlags.NONE],
             Gio.Subprocess.new, wait_status),
        # An instance method taking a GStrv.
        Case('SubprocessLauncher.spawnv', Gio.SubprocessLauncher.spawnv,
             lambda: [Gio.SubprocessLauncher.new(Gio.SubprocessFlags.NONE), [SH, '-c', 'exit 4']],
             lambda launcher, argv: launcher.spawnv(argv), wait_status),
        # A C array of bytes in, an out size: (True, 9), and what was written.
        Case('OutputStream.write_all', Gio.OutputStream.write_all,
             lambda: [Written().stream, b'smart\0\xffasync'],
             lambda stream, data: stream.write_all(data, None)),
        # A zero-terminated C array of bytes and its out length.
        Case('DataInputStream.read_line', Gio.DataInputStream.read_line,
             lambda: [Gio.DataInputStream.new(memory_input())],
             lambda stream: stream.read_line(None)),
        # A GBytes, transfer full.
        Case('InputStream.read_bytes', Gio.InputStream.read_bytes,
             lambda: [memory_input(), 5],
             lambda stream, count: stream.read_bytes(count, None),
             lambda b: (type(b), b.get_data())),
        # A method of a boxed type: a GStrv (transfer full) and its length.
        Case('KeyFile.get_keys', GLib.KeyFile.get_keys,
             lambda: [key_file(), 'group'], GLib.KeyFile.get_keys),
        Case('KeyFile.get_string', GLib.KeyFile.get_string,
             lambda: [key_file(), 'group', 'mode'], GLib.KeyFile.get_string),
        # A new boxed (transfer full), flags.
        Case('Uri.parse', GLib.Uri.parse,
             lambda: ['https://example.org:8443/a/b?c=d#e', GLib.UriFlags.NONE],
             GLib.Uri.parse, lambda u: (type(u), u.to_string(), u.get_port())),
        Case('DateTime.format', GLib.DateTime.format,
             lambda: [GLib.DateTime.new_from_unix_utc(1234567890), '%F %T %Z'],
             GLib.DateTime.format),
        # Does not throw; flags argument.
        Case('file_test', GLib.file_test,
             lambda: [spath, GLib.FileTest.IS_REGULAR], GLib.file_test),
        # A nullable string given as None, a boolean.
        Case('uri_escape_string', GLib.uri_escape_string,
             lambda: ['smart async/calls?', None, False], GLib.uri_escape_string),
        Case('utf8_strup', GLib.utf8_strup,
             lambda: ['smärt äsync', -1], GLib.utf8_strup),
        # No arguments; a filename, transfer none.
        Case('get_user_name', GLib.get_user_name, lambda: [], GLib.get_user_name),
        # A method whose instance is (transfer full): the caller's GBytes
        # stays intact.
        Case('Bytes.unref_to_array', GLib.Bytes.unref_to_array,
             lambda: [GLib.Bytes.new(b'smart\0async')], GLib.Bytes.unref_to_array),
        # A method of GVariant, a GStrv of transfer container.
        Case('Variant.get_strv', GLib.Variant.get_strv,
             lambda: [GLib.Variant('as', ['smart', 'and', 'async'])], GLib.Variant.get_strv),
        Case('File.query_info', Gio.File.query_info,
             lambda: [file(), 'standard::size,standard::type', Gio.FileQueryInfoFlags.NONE],
             lambda f, attributes, flags: f.query_info(attributes, flags, None),
             lambda info: (type(info), info.get_size(), info.get_file_type())),
    ]


def accept_args():
    listener = Gio.SocketListener()
    port = listener.add_any_inet_port(None)
    # The kernel completes the connection before anything accepts it.
    # Python's socket, not GSocketClient: GIO's proxy resolver loads and
    # unloads its modules there, and glibc's dlclose () leaks a few blocks
    # (memcheck: definitely lost under _dl_close_worker, g_module_close).
    client = socket.create_connection(('127.0.0.1', port))
    accept_args.clients.append(client)
    return [listener]


accept_args.clients = []


def accepted(result):
    connection, source_object = result
    return type(connection), connection.get_remote_address().get_family(), source_object


def pair_cases(path):
    spath = str(path)
    file = lambda: Gio.File.new_for_path(spath)  # noqa: E731
    return [
        # The finish has out arguments: (True, bytes, etag).
        Case('File.load_contents_async', Gio.File.load_contents_async,
             lambda: [file()],
             lambda f: run_pair(f.load_contents_async, f.load_contents_finish)),
        # A nullable string in; the finish has two out strings.
        Case('Subprocess.communicate_utf8_async', Gio.Subprocess.communicate_utf8_async,
             lambda: [piped_cat(), 'smart\nasync\n'],
             lambda p, text: run_pair(p.communicate_utf8_async, p.communicate_utf8_finish, text)),
        # A C array of bytes in an async function; an out size in its finish.
        Case('OutputStream.write_all_async', Gio.OutputStream.write_all_async,
             lambda: [Written().stream, b'smart\0\xffasync', GLib.PRIORITY_DEFAULT],
             lambda stream, data, priority: run_pair(
                 stream.write_all_async, stream.write_all_finish, data, priority)),
        Case('DataInputStream.read_line_async', Gio.DataInputStream.read_line_async,
             lambda: [Gio.DataInputStream.new(memory_input()), GLib.PRIORITY_DEFAULT],
             lambda stream, priority: run_pair(stream.read_line_async,
                                               stream.read_line_finish, priority)),
        # The finish's out object is NULL: (connection, None).
        Case('SocketListener.accept_async', Gio.SocketListener.accept_async,
             accept_args,
             lambda listener: run_pair(listener.accept_async, listener.accept_finish),
             accepted),
        Case('File.query_info_async', Gio.File.query_info_async,
             lambda: [file(), 'standard::size', Gio.FileQueryInfoFlags.NONE,
                      GLib.PRIORITY_DEFAULT],
             lambda f, attributes, flags, priority: run_pair(
                 f.query_info_async, f.query_info_finish, attributes, flags, priority),
             lambda info: (type(info), info.get_size())),
        Case('InputStream.read_bytes_async', Gio.InputStream.read_bytes_async,
             lambda: [memory_input(), 5, GLib.PRIORITY_DEFAULT],
             lambda stream, count, priority: run_pair(
                 stream.read_bytes_async, stream.read_bytes_finish, count, priority),
             lambda b: (type(b), b.get_data())),
        # A GBytes and an etag out of the finish.
        Case('File.load_bytes_async', Gio.File.load_bytes_async,
             lambda: [file()],
             lambda f: run_pair(f.load_bytes_async, f.load_bytes_finish),
             lambda r: (type(r[0]), r[0].get_data(), r[1])),
        Case('Subprocess.wait_check_async', Gio.Subprocess.wait_check_async,
             lambda: [Gio.Subprocess.new([TRUE], Gio.SubprocessFlags.NONE)],
             lambda p: run_pair(p.wait_check_async, p.wait_check_finish)),
        # Its _finish is replace_contents_finish (no naming rule finds it).
        Case('File.replace_contents_bytes_async', Gio.File.replace_contents_bytes_async,
             lambda: [file(), GLib.Bytes.new(b'replaced\n'), None, False,
                      Gio.FileCreateFlags.NONE],
             lambda f, data, etag, backup, flags: run_pair(
                 f.replace_contents_bytes_async, f.replace_contents_finish,
                 data, etag, backup, flags),
             lambda r: (r[0], type(r[1]), names(r), open(spath, 'rb').read())),
        Case('File.read_async', Gio.File.read_async,
             lambda: [file(), GLib.PRIORITY_DEFAULT],
             lambda f, priority: run_pair(f.read_async, f.read_finish, priority),
             lambda stream: (type(stream), stream.read_bytes(5, None).get_data())),
    ]


def all_cases():
    # Built from a placeholder path for the ids; the tests rebuild them.
    return blocking_cases('/nonexistent') + pair_cases('/nonexistent')


CASE_IDS = [case.id for case in all_cases()]


def find_case(case_id, path):
    for case in blocking_cases(path) + pair_cases(path):
        if case.id == case_id:
            return case
    raise KeyError(case_id)


@pytest.mark.parametrize('caller', CALLERS)
@pytest.mark.parametrize('case_id', CASE_IDS)
def test_same_result_as_pygobject(case_id, caller, data):
    case = find_case(case_id, data)
    expected = case.project(case.direct(*case.make_args()))
    function = SmartAsync.wrap(case.target)
    assert isinstance(function, SmartAsync.Function)
    got = case.project(call(caller, function, *case.make_args()))
    assert got == expected
    # The same kind of value: a PyGObject result tuple with the same names.
    assert names(got) == names(expected)
    if names(got) is None:
        assert type(got) is type(expected)


# The write functions: what the wrapped call wrote, read back from its own
# stream (the direct call wrote to another one).

@pytest.mark.parametrize('caller', CALLERS)
@pytest.mark.parametrize('target,extra', [
    (Gio.OutputStream.write_all, []),
    (Gio.OutputStream.write_all_async, [GLib.PRIORITY_DEFAULT]),
])
def test_written_bytes(target, extra, caller):
    out = Written()
    result = call(caller, SmartAsync.wrap(target), out.stream, b'smart\0\xffasync', *extra)
    assert result == (True, 12) and result.bytes_written == 12
    assert out.contents() == b'smart\0\xffasync'


@pytest.mark.parametrize('caller', CALLERS)
def test_a_stateful_stream_read_line_by_line(caller):
    stream = Gio.DataInputStream.new(memory_input(b'one\ntwo\n'))
    read_line = SmartAsync.wrap(Gio.DataInputStream.read_line_async)
    assert call(caller, read_line, stream, GLib.PRIORITY_DEFAULT) == (b'one', 3)
    assert call(caller, read_line, stream, GLib.PRIORITY_DEFAULT) == (b'two', 3)
    # At the end, PyGObject gives b'' for the NULL line, and so does wrap().
    direct = Gio.DataInputStream.new(memory_input(b''))
    assert call(caller, read_line, stream, GLib.PRIORITY_DEFAULT) == direct.read_line(None) == (b'', 0)


@pytest.mark.parametrize('caller', CALLERS)
def test_communicate_with_a_process(caller):
    communicate = SmartAsync.wrap(Gio.Subprocess.communicate_utf8_async)
    ok, stdout, stderr = call(caller, communicate, piped_cat(), 'smart\nasync\n')
    assert (ok, stdout, stderr) == (True, 'smart\nasync\n', '')
    # A nullable argument: no input at all.
    assert call(caller, communicate, piped_cat(), None) == (True, '', '')


@pytest.mark.parametrize('caller', CALLERS)
def test_replace_contents_async_keeps_its_bytes(caller, data):
    # The contents (a C array of bytes) must outlive the _async call.
    replace = SmartAsync.wrap(Gio.File.replace_contents_async)
    file = Gio.File.new_for_path(str(data))
    ok, etag = call(caller, replace, file, b'new\0contents', None, False,
                    Gio.FileCreateFlags.NONE)
    assert ok is True and etag == file.query_info('etag::value', 0, None).get_etag()
    assert data.read_bytes() == b'new\0contents'


# GLib.Errors of the wrapped functions themselves.

@pytest.mark.parametrize('caller', CALLERS)
def test_the_functions_own_errors(caller, tmp_path):
    missing = Gio.File.new_for_path(str(tmp_path / 'missing'))
    for target in (Gio.File.load_contents, Gio.File.load_contents_async):
        with pytest.raises(GLib.Error) as direct:
            missing.load_contents(None)
        with pytest.raises(GLib.Error) as info:
            call(caller, SmartAsync.wrap(target), missing)
        assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
        assert (info.value.domain, info.value.code, info.value.message) == \
            (direct.value.domain, direct.value.code, direct.value.message)

    with pytest.raises(GLib.Error) as info:
        call(caller, SmartAsync.wrap(GLib.KeyFile.get_string), key_file(), 'group', 'nope')
    assert info.value.matches(GLib.key_file_error_quark(), GLib.KeyFileError.KEY_NOT_FOUND)

    with pytest.raises(GLib.Error) as info:
        call(caller, SmartAsync.wrap(GLib.shell_parse_argv), 'unterminated "quote')
    assert info.value.matches(GLib.shell_error_quark(), GLib.ShellError.BAD_QUOTING)

    # An async pair's finish that throws: the exit status as a GLib.Error.
    with pytest.raises(GLib.Error) as info:
        call(caller, SmartAsync.wrap(Gio.Subprocess.wait_check_async),
             Gio.Subprocess.new([FALSE], Gio.SubprocessFlags.NONE))
    assert info.value.domain == 'g-spawn-exit-error-quark' and info.value.code == 1


@pytest.mark.parametrize('caller', CALLERS)
def test_cancellable(caller):
    listener = Gio.SocketListener()
    listener.add_any_inet_port(None)
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    with pytest.raises(GLib.Error) as info:
        call(caller, SmartAsync.wrap(Gio.SocketListener.accept_async), listener,
             cancellable=cancellable)
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_glib_loop_callback_gets_the_python_results(data):
    # In a GLib main-loop callback: callback= and call_finish(), as for any
    # Function, with PyGObject's result shape.
    load = SmartAsync.wrap(Gio.File.load_contents_async)
    loop = GLib.MainLoop()
    results = []

    def done(function, result):
        results.append(function.call_finish(result))
        loop.quit()

    def start():
        assert load(Gio.File.new_for_path(str(data)), callback=done) is None
        return GLib.SOURCE_REMOVE

    GLib.idle_add(start)
    loop.run()
    assert results[0][:2] == (True, b'first line\nsecond line\n')


def test_names_and_c_symbols(data):
    file = Gio.File.new_for_path(str(data))
    expected = file.load_contents(None)
    for function in (SmartAsync.wrap('Gio.File.load_contents'),
                     SmartAsync.wrap('g_file_load_contents'),
                     SmartAsync.Function.new_introspected(None, None, 'g_file_load_contents'),
                     SmartAsync.Function.new_introspected('Gio', '2.0', 'File.load_contents')):
        assert function.get_name() == 'Gio.File.load_contents'
        result = function(file)
        assert result == expected and names(result) == names(expected)
        assert result.contents == expected.contents
    assert SmartAsync.wrap('Gio.content_type_get_description', version='2.0')('text/plain') == \
        Gio.content_type_get_description('text/plain')


def test_signature_as_the_library_reads_it():
    load = SmartAsync.wrap(Gio.File.load_contents_async)
    assert list(load.get_param_types()) == [Gio.File.__gtype__]
    assert list(load.get_result_types()) == [GObject.TYPE_BOOLEAN, GLib.ByteArray.__gtype__,
                                             GObject.TYPE_STRING]
    setenv = SmartAsync.wrap(GLib.environ_setenv)
    assert list(setenv.get_param_types())[0] == GObject.TYPE_STRV


def test_a_blocking_call_awaited_keeps_the_loop_ticking(capsys):
    # GLib.usleep() blocks for 300 ms (1.5 s under valgrind); awaited, it
    # runs on a worker thread while a 10 ms asyncio timer keeps ticking.
    usleep = SmartAsync.wrap(GLib.usleep)
    block = 1.5 if SLOW_MACHINE else 0.3
    bound = 1.0 if SLOW_MACHINE else 0.1

    async def main():
        ticks = []
        done = False

        async def ticker():
            while not done:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(ticker())
        await asyncio.sleep(0)
        start = time.monotonic()
        await usleep(int(block * 1e6))
        ticks.append(time.monotonic())
        elapsed = ticks[-1] - start
        done = True
        await task
        return elapsed, ticks

    for caller in ('asyncio', 'gbulb'):
        if caller == 'asyncio':
            loop = asyncio.SelectorEventLoop()
            try:
                elapsed, ticks = loop.run_until_complete(main())
            finally:
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()
        else:
            elapsed, ticks = asyncio.get_event_loop_policy().get_event_loop() \
                .run_until_complete(main())
        gap = max(b - a for a, b in zip(ticks, ticks[1:]))
        with capsys.disabled():
            print('\n%s: usleep(%.1f s) took %.3f s, longest timer gap %.1f ms over %d ticks'
                  % (caller, block, elapsed, gap * 1000, len(ticks)))
        assert elapsed >= block * 0.95
        assert gap < bound, (caller, gap)
        assert len(ticks) >= 5


# Arguments: what PyGObject's call takes.

def test_arguments_like_pygobject():
    # A tuple for a GStrv, bytearray and memoryview for bytes, None for a
    # nullable array.
    setenv = SmartAsync.wrap(GLib.environ_setenv)
    assert setenv(('A=1',), 'B', '2', True) == ['A=1', 'B=2']
    assert setenv(None, 'B', '2', True) == GLib.environ_setenv(None, 'B', '2', True)
    encode = SmartAsync.wrap(GLib.base64_encode)
    assert encode(bytearray(b'abc')) == encode(memoryview(b'abc')) == GLib.base64_encode(b'abc')
    assert encode(b'') == GLib.base64_encode(b'')
    # Enums and flags as plain ints, as PyGObject takes them.
    checksum = SmartAsync.wrap(GLib.compute_checksum_for_data)
    assert checksum(int(GLib.ChecksumType.MD5), b'abc') == \
        GLib.compute_checksum_for_data(GLib.ChecksumType.MD5, b'abc')
    assert SmartAsync.wrap(GLib.file_test)('/', int(GLib.FileTest.IS_DIR)) is True


# Errors in the SmartAsync domain, with clear messages.

@pytest.mark.parametrize('name,words', [
    ('Gio.File.no_such_method', ['Gio', 'File.no_such_method']),
    ('NoSuchNamespace.function', ['NoSuchNamespace']),
    ('g_no_such_symbol', ['g_no_such_symbol']),
])
def test_not_found(name, words):
    with pytest.raises(GLib.Error) as info:
        SmartAsync.wrap(name)
    assert_error(info.value, SmartAsync.error_quark(), SmartAsync.Error.NOT_FOUND)
    for word in words:
        assert word in info.value.message


@pytest.mark.parametrize('target,words', [
    # Callbacks other than an async function's own.
    ('GLib.timeout_add', ['GLib.timeout_add', 'callback', 'GLib.SourceFunc']),
    ('GLib.idle_add', ['GLib.idle_add', 'callback']),
    (Gio.File.copy, ['Gio.File.copy', 'progress_callback']),
    (Gio.File.copy_async, ['Gio.File.copy_async', 'progress_callback']),
    # A buffer that the async function would fill after returning.
    (Gio.InputStream.read_all_async, ['Gio.InputStream.read_all_async', 'buffer']),
    (Gio.InputStream.read_async, ['Gio.InputStream.read_async', 'buffer']),
    # A C array of bytes handed over.
    (Gio.MemoryInputStream.new_from_data, ['new_from_data', 'data']),
    # Lists.
    (Gio.content_types_get_registered, ['content_types_get_registered', 'GList']),
    (Gio.FileEnumerator.next_files_async, ['next_files_async', 'GList']),
    # A pointer to a number, annotated neither out nor inout: a number
    # passed there would be used as an address.
    ('GLib.atomic_int_get', ['GLib.atomic_int_get', 'atomic', 'pointer to a number']),
    ('GLib.bit_trylock', ['bit_trylock', 'address', 'pointer to a number']),
])
def test_unsupported(target, words):
    with pytest.raises(GLib.Error) as info:
        SmartAsync.wrap(target)
    assert_error(info.value, SmartAsync.error_quark(), SmartAsync.Error.UNSUPPORTED)
    for word in words:
        assert word in info.value.message, info.value.message


def test_python_overrides_are_not_typelib_functions():
    # GLib.timeout_add is PyGObject's Python function: wrap() says so and
    # names the way to the C function.
    with pytest.raises(TypeError) as info:
        SmartAsync.wrap(GLib.timeout_add)
    assert "SmartAsync.wrap('GLib.timeout_add')" in str(info.value)
    with pytest.raises(TypeError):
        SmartAsync.wrap(42)


@pytest.mark.parametrize('caller', CALLERS)
def test_argument_count_and_type(caller):
    describe = SmartAsync.wrap(Gio.content_type_get_description)
    for args in ([], ['text/plain', 'extra']):
        with pytest.raises(GLib.Error) as info:
            call(caller, describe, *args)
        assert_error(info.value, SmartAsync.error_quark(), SmartAsync.Error.ARGUMENT_COUNT)
        assert 'Gio.content_type_get_description' in info.value.message

    bad = [
        (describe, [42], 'Gio.content_type_get_description'),
        # NULL for an argument that is not nullable.
        (SmartAsync.wrap(Gio.File.new_for_path), [None], 'must not be NULL'),
        # A str where bytes go, a list of non-strings for a GStrv.
        (SmartAsync.wrap(GLib.base64_encode), ['text'], 'GLib.base64_encode'),
        (SmartAsync.wrap(GLib.build_filenamev), [['a', 3]], 'GStrv takes a list of str'),
        (SmartAsync.wrap(GLib.base64_encode), [[1, 300]], 'bytes'),
        (SmartAsync.wrap(Gio.File.load_contents), ['/etc/hostname'], 'Gio.File.load_contents'),
    ]
    for function, args, words in bad:
        with pytest.raises(GLib.Error) as info:
            call(caller, function, *args)
        assert_error(info.value, SmartAsync.error_quark(), SmartAsync.Error.ARGUMENT_TYPE)
        assert words in info.value.message, info.value.message


@pytest.mark.parametrize('caller', CALLERS)
def test_a_caller_allocated_buffer(caller):
    # g_input_stream_read_all () fills a buffer of the size it is given
    # (PyGObject 3.42's own call of it fails: "not enough arguments for
    # format string"): the whole buffer comes back, as bytes.
    read_all = SmartAsync.wrap(Gio.InputStream.read_all)
    assert call(caller, read_all, memory_input(), 5) == (True, b'first', 5)
    ok, buffer, count = call(caller, read_all, memory_input(b'short'), 8)
    assert (ok, buffer, count) == (True, b'short\0\0\0', 5)


def test_what_the_functions_cover():
    """The wrapped functions span what the typelibs describe: methods,
    static functions and async pairs; throwing and not; results of
    transfer full, none and container."""
    infos = {case_id: target for case_id, target in WRAPPED.items()}
    assert len({info.get_symbol() for info in infos.values()}) >= 25
    pairs = [i for i in infos.values() if i.get_name().endswith('_async')]
    blocking = [i for i in infos.values() if not i.get_name().endswith('_async')]
    assert len(pairs) >= 8 and len(blocking) >= 20
    assert any(i.is_method() for i in blocking) and any(not i.is_method() for i in blocking)
    assert any(i.can_throw_gerror() for i in blocking)
    assert any(not i.can_throw_gerror() for i in blocking)
    owns = {i.get_caller_owns() for i in blocking
            if i.get_return_type().get_tag() != gi._gi.TypeTag.BOOLEAN}
    assert set(map(int, owns)) == {int(gi._gi.Transfer.NOTHING), int(gi._gi.Transfer.CONTAINER),
                                   int(gi._gi.Transfer.EVERYTHING)}


def test_the_example(tmp_path):
    """examples/python/wrap-typelib.py, run on a file of known contents."""
    import hashlib
    import pathlib
    import re
    import subprocess
    import sys

    example = pathlib.Path(__file__).parents[2] / 'examples' / 'python' / 'wrap-typelib.py'
    path = tmp_path / 'notes.txt'
    path.write_bytes(b'smart and async\n' * 100)
    result = subprocess.run([sys.executable, str(example), str(path)],
                            capture_output=True, timeout=60)
    output = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert 'read 1600 bytes from sync code (text/plain)' in output
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    ticks = re.search(r'checksum %s after (\d+) ticks' % digest, output)
    assert ticks is not None, output
    assert int(ticks.group(1)) >= 3, output
