# SmartAsync.py: PyGObject override for smartasync-glib
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Pythonic SmartAsync: one callable for sync code, asyncio and GLib loops.

Calling a :class:`Function` picks its path from where it is called::

    value = fn(2, 3)                        # plain code: blocks, returns 5
    value = await fn(2, 3)                  # in a coroutine: an awaitable
    fn(2, 3, callback=on_done)              # in a GLib loop callback

and :func:`smartasync` turns a Python function into a ``Function`` that C
code can call too, synchronously or asynchronously (then it runs on a
worker thread, holding the GIL only while Python runs).

PyGObject 3.42 has no GLib-driven asyncio loop: under asyncio the call runs
on the loop's default executor (a thread that is a *sync context* for the
library), so the asyncio loop is never blocked and the GLib contexts of the
asyncio thread are never iterated.
"""

import asyncio
import functools
import ctypes
import inspect
import sys
import threading
import typing

import gi
from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override

SmartAsync = get_introspection_module('SmartAsync')

_py_incref = ctypes.pythonapi.Py_IncRef
_py_incref.argtypes = [ctypes.py_object]
_py_incref.restype = None

__all__ = []


def _sa_error(code, message):
    return GLib.Error.new_literal(SmartAsync.error_quark(), message, int(code))


def _exception_name(exc):
    cls = type(exc)
    if cls.__module__ in ('builtins', '__main__'):
        return cls.__qualname__
    return '%s.%s' % (cls.__module__, cls.__qualname__)


def _error_from_exception(name, exc):
    """Any Python exception as a GLib.Error a C caller can see.

    A GLib.Error passes through untouched (domain, code and message); an
    asyncio cancellation becomes G_IO_ERROR_CANCELLED; anything else becomes
    SA_ERROR_FAILED naming the exception's type and text."""
    if isinstance(exc, GLib.Error):
        return exc
    if isinstance(exc, asyncio.CancelledError):
        return GLib.Error.new_literal(Gio.io_error_quark(),
                                      'Function “%s” was cancelled' % name,
                                      int(Gio.IOErrorEnum.CANCELLED))
    text = str(exc)
    described = _exception_name(exc) + (': ' + text if text else '')
    return _sa_error(SmartAsync.Error.FAILED,
                     'Function “%s” raised %s' % (name, described))


# Python values to GValues.
#
# PyGObject guesses a GValue's type from the Python value alone: ints become
# gint (anything past 32 bits raises OverflowError) and None in a GValue
# array crashes it. Each argument is therefore given a GValue of the type
# its Python value really has, and the library converts it to the declared
# parameter type without loss or reports SA_ERROR_ARGUMENT_TYPE: the rules
# stay in one place, the C library.

_POINTER_LIKE = frozenset((
    GObject.TYPE_STRING, GObject.TYPE_POINTER, GObject.TYPE_BOXED,
    GObject.TYPE_PARAM, GObject.TYPE_OBJECT, GObject.TYPE_INTERFACE,
    GObject.TYPE_VARIANT,
))

_INT64_MIN = -(1 << 63)
_UINT64_MAX = (1 << 64) - 1


def _is_pointer_like(gtype):
    return gtype.fundamental in _POINTER_LIKE


def _value_for(value, declared_type):
    if isinstance(value, GObject.Value):
        return value
    if value is None:
        # NULL of the declared type; for a number or boolean a NULL
        # gpointer, which the library rejects with a proper error.
        if _is_pointer_like(declared_type):
            return GObject.Value(declared_type)
        return GObject.Value(GObject.TYPE_POINTER)
    if isinstance(value, (GObject.GEnum, GObject.GFlags)):
        return GObject.Value(value.__gtype__, value)
    if isinstance(value, bool):
        return GObject.Value(GObject.TYPE_BOOLEAN, value)
    if isinstance(value, int):
        if _INT64_MIN <= value < 0 or 0 <= value < (1 << 63):
            return GObject.Value(GObject.TYPE_INT64, value)
        if 0 <= value <= _UINT64_MAX:
            return GObject.Value(GObject.TYPE_UINT64, value)
    elif isinstance(value, float):
        return GObject.Value(GObject.TYPE_DOUBLE, value)
    elif isinstance(value, str):
        return GObject.Value(GObject.TYPE_STRING, value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        return GObject.Value(GLib.Bytes.__gtype__, GLib.Bytes.new(bytes(value)))
    elif isinstance(value, GLib.Variant):
        return GObject.Value(GObject.TYPE_VARIANT, value)
    elif isinstance(value, (GObject.Object, GObject.GBoxed, GObject.ParamSpec)):
        return GObject.Value(value.__gtype__, value)
    # Anything else travels as a PyObject: accepted by a TYPE_PYOBJECT
    # parameter, reported as an argument type error by any other.
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


def _result_for(name, value, return_type):
    """What a Python callable hands back through SaSyncFunc's out GValue.

    The library initialises the out GValue to the return type. PyGObject
    3.42 sets a plain Python value into it, taking a reference of its own,
    but copies a returned GObject.Value in without taking over its
    contents: whatever that GValue owns (a string, a boxed, a PyObject) is
    then released twice, once with the GObject.Value and once by C. So only
    values that own nothing (numbers, enums, flags, NULL) go as
    GObject.Value, letting the library coerce them to the declared type;
    everything else goes as a plain value."""
    if return_type == GObject.TYPE_NONE:
        return GObject.Value(GObject.TYPE_POINTER)
    if isinstance(value, GObject.Value):
        if not _is_pointer_like(value.g_type):
            return value
        value = value.get_value()
    if return_type == GObject.TYPE_PYOBJECT:
        return _pyobject_result(value)
    if value is None:
        return _value_for(None, return_type)
    if isinstance(value, (GObject.GEnum, GObject.GFlags)):
        return GObject.Value(value.__gtype__, value)
    if isinstance(value, (int, float)):
        return _value_for(value, return_type)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return GLib.Bytes.new(bytes(value))
    if isinstance(value, (str, GObject.Object, GObject.GBoxed, GLib.Variant)):
        return value
    raise _sa_error(SmartAsync.Error.RESULT_TYPE,
                    'Function “%s”: result: a %s cannot be a %s'
                    % (name, _exception_name(value), return_type.name))


# A plain str, number or bytes would reach the out GValue as its own type,
# not as a PyObject, so an object result must go as a GObject.Value: the
# reference PyGObject loses on the way (measured once, on first use, with an
# object kept alive for it) is given back for every result.
_lost_refs = None
_lost_refs_lock = threading.Lock()
_calibration_objects = []


def _measure_lost_refs():
    probe = object()
    _calibration_objects.append(probe)   # kept alive whatever happens

    def give_probe(args, n_args, cancellable):
        return True, GObject.Value(GObject.TYPE_PYOBJECT, probe)

    function = SmartAsync.Function.new_sync_full(
        'measure', GObject.TYPE_PYOBJECT, [], 0, give_probe)
    before = sys.getrefcount(probe)
    SmartAsync.Function.call_sync(function, [], None)
    return max(0, before - sys.getrefcount(probe))


def _pyobject_result(value):
    global _lost_refs
    if value is None:
        return GObject.Value(GObject.TYPE_PYOBJECT)
    if _lost_refs is None:
        with _lost_refs_lock:
            if _lost_refs is None:
                _lost_refs = _measure_lost_refs()
    for _ in range(_lost_refs):
        _py_incref(value)
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


# Python annotations to GTypes, for @smartasync without explicit types.

_ANNOTATION_TYPES = {
    int: GObject.TYPE_INT64,
    float: GObject.TYPE_DOUBLE,
    str: GObject.TYPE_STRING,
    bool: GObject.TYPE_BOOLEAN,
    bytes: GLib.Bytes.__gtype__,
    object: GObject.TYPE_PYOBJECT,
    None: GObject.TYPE_NONE,
    type(None): GObject.TYPE_NONE,
}


def gtype_for(spec):
    """The GType for a Python type, a PyGObject class or a GType."""
    if isinstance(spec, GObject.GType):
        return spec
    if spec in _ANNOTATION_TYPES:
        return _ANNOTATION_TYPES[spec]
    gtype = getattr(spec, '__gtype__', None)
    if isinstance(gtype, GObject.GType):
        return gtype
    raise TypeError('no GType for %r: give a GType, a GObject class or '
                    'one of int, float, str, bool, bytes, object, None' % (spec,))


__all__.append('gtype_for')


def _running_asyncio_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _retrieve(future):
    # A call abandoned by a cancelled coroutine still ends with a result or
    # an error that nobody awaits; fetch it so asyncio does not warn.
    if not future.cancelled():
        future.exception()


# PyGObject before 3.46 wraps a boxed value found in a GValue (an out
# GValue, a GValue array element) without copying it, and frees it with
# the GValue (pygobject issue 119). Boxed values are copied while their
# GValue is known to be alive: arguments during the callable's run, a
# result while its Gio.AsyncResult is held (the library keeps boxed
# results alive that long). A call_sync() of a function with a boxed
# result goes through such a result object.
_BOXED_GVALUES_DANGLE = gi.version_info < (3, 46, 0)


def _own(value):
    if isinstance(value, GObject.GBoxed):
        return value.copy()
    return value


def _own_args(args):
    return [_own(arg) for arg in args]


class Function(SmartAsync.Function):
    """A function callable from sync code, asyncio coroutines and GLib loops.

    Calling it directly is the *smart call*, see :meth:`__call__`. The
    explicit entry points take the arguments as a list of Python values:
    :meth:`call_sync`, :meth:`call_async` + :meth:`call_finish`, and
    :meth:`call` (the library's smart call, GIO style)."""

    def _values(self, args):
        if args is None:
            args = ()
        types = self.get_param_types()
        values = []
        for i, arg in enumerate(args):
            declared = types[i] if i < len(types) else GObject.TYPE_POINTER
            if declared == GObject.TYPE_PYOBJECT and not isinstance(arg, GObject.Value):
                # Any Python value, a str or an int too, is the object.
                values.append(GObject.Value(GObject.TYPE_PYOBJECT, arg))
            else:
                values.append(_value_for(arg, declared))
        return values

    @classmethod
    def new_sync_full(cls, name, return_type, param_types, flags, func, *user_data):
        """Wraps ``func(args, n_args, cancellable, *user_data)``, which
        returns ``(True, value)``. Exceptions become GLib.Errors naming
        their type and text, and the value is handed to C safely."""
        return_type = gtype_for(return_type)

        def trampoline(args, n_args, cancellable, *data):
            try:
                returned = func(_own_args(args), n_args, cancellable, *data)
                ok, value = returned if isinstance(returned, tuple) else (returned, None)
            except BaseException as exc:
                raise _error_from_exception(name, exc) from None
            if not ok:
                raise _sa_error(SmartAsync.Error.FAILED,
                                'Function “%s” returned %r without raising' % (name, ok))
            return True, _result_for(name, value, return_type)

        return super().new_sync_full(name, return_type,
                                     [gtype_for(t) for t in param_types or ()],
                                     flags, trampoline, *user_data)

    @classmethod
    def new_async_full(cls, name, return_type, param_types, flags, func, *user_data):
        """Wraps ``func(args, n_args, cancellable, task, *user_data)``, which
        starts the work and completes ``task`` once, later, from any thread,
        with ``task.return_value(value)`` or ``task.return_error(error)``.
        An exception raised before the task is completed fails it with a
        GLib.Error naming the exception."""
        return_type = gtype_for(return_type)

        def trampoline(args, n_args, cancellable, task, *data):
            proxy = _Task(task, name, return_type)
            try:
                func(_own_args(args), n_args, cancellable, proxy, *data)
            except BaseException as exc:
                proxy.fail(exc)

        return super().new_async_full(name, return_type,
                                      [gtype_for(t) for t in param_types or ()],
                                      flags, trampoline, *user_data)

    def _returns_boxed(self):
        return (_BOXED_GVALUES_DANGLE and
                self.get_return_type().fundamental == GObject.TYPE_BOXED)

    def _call_sync(self, values, cancellable):
        if not self._returns_boxed():
            return SmartAsync.Function.call_sync(self, values, cancellable)

        mode = self.get_mode()
        if mode == SmartAsync.Mode.SYNC or (
                mode == SmartAsync.Mode.AUTO and not SmartAsync.context_is_async()):
            # In a sync context the smart call takes call_sync()'s path and
            # returns a completed result object.
            result = SmartAsync.Function.call(self, values, cancellable, None)
            return self.call_finish(result)

        # Blocking on purpose in a loop callback: wait in a private context,
        # as the library's sync-over-async path does.
        context = GLib.MainContext.new()
        results = []
        context.push_thread_default()
        try:
            SmartAsync.Function.call_async(self, values, cancellable,
                                           lambda fn, result: results.append(result))
            while not results:
                context.iteration(True)
        finally:
            context.pop_thread_default()
        return self.call_finish(results[0])

    def call_sync(self, args=None, cancellable=None):
        """Calls and blocks until done, whatever the context; returns the
        value or raises GLib.Error."""
        return self._call_sync(self._values(args), cancellable)

    def call_syncv_with_timeout(self, args, timeout_msec, cancellable=None):
        """:meth:`call_sync` with a deadline in milliseconds: an async pair
        still running then is cancelled and G_IO_ERROR_TIMED_OUT raised."""
        if self._returns_boxed():
            raise NotImplementedError(
                'PyGObject %s loses boxed results of call_syncv_with_timeout(); '
                'set the timeout property and use call_sync()'
                % '.'.join(map(str, gi.version_info)))
        return SmartAsync.Function.call_syncv_with_timeout(
            self, self._values(args), timeout_msec, cancellable)

    def call_async(self, args=None, cancellable=None, callback=None, *user_data):
        """Starts the call without blocking; ``callback(fn, result,
        *user_data)`` runs later in this thread's thread-default main
        context: pass ``result`` to :meth:`call_finish`."""
        SmartAsync.Function.call_async(self, self._values(args), cancellable,
                                       callback, *user_data)

    def call(self, args=None, cancellable=None, callback=None, *user_data):
        """The library's smart call, GIO style: in a GLib async context it
        returns at once and ``callback`` runs later; in a sync context the
        call and ``callback`` are done before it returns. Returns the
        Gio.AsyncResult to pass to :meth:`call_finish`."""
        return SmartAsync.Function.call(self, self._values(args), cancellable,
                                        callback, *user_data)

    def call_finish(self, result):
        """The value of a call started with :meth:`call_async` or
        :meth:`call`; raises its GLib.Error."""
        return _own(SmartAsync.Function.call_finish(self, result))

    # PyGObject 3.42 leaks the GValue that these two return (GJS needs them:
    # it leaks what it finds in an out GValue instead); in Python they are
    # the leak-free call_sync() and call_finish().
    def call_syncv_value(self, args=None, cancellable=None):
        """Same as :meth:`call_sync` (the GValue-returning twin is for GJS)."""
        return self.call_sync(args, cancellable)

    def call_finish_value(self, result):
        """Same as :meth:`call_finish` (the GValue-returning twin is for GJS)."""
        return self.call_finish(result)

    def _caller(self):
        mode = self.get_mode()
        if mode == SmartAsync.Mode.SYNC:
            return 'sync'
        if _running_asyncio_loop() is not None:
            return 'asyncio'
        if mode == SmartAsync.Mode.ASYNC or SmartAsync.context_is_async():
            return 'glib'
        return 'sync'

    def __call__(self, *args, cancellable=None, callback=None, user_data=()):
        """The smart call with Python values as arguments.

        * in plain code (a sync context) it blocks and returns the value;
        * in a coroutine of a running asyncio loop it returns an awaitable;
          the call runs on the loop's default executor, so the loop keeps
          running; cancelling the awaiting task cancels ``cancellable``;
        * in a GLib main-loop callback (see ``SmartAsync.context_is_async``)
          it needs ``callback``: it returns at once and
          ``callback(fn, result, *user_data)`` runs later in the loop.

        With ``callback`` it is the library's smart call in every context
        (the callback has run when a sync-context call returns) and returns
        None. Errors are GLib.Errors with the callable's own domain and
        code, or SA_ERROR."""
        values = self._values(args)
        caller = self._caller()

        if callback is not None and caller != 'asyncio':
            SmartAsync.Function.call(self, values, cancellable, callback, *user_data)
            return None
        if caller == 'asyncio':
            if callback is not None:
                raise TypeError('in an asyncio coroutine, await the call '
                                'instead of passing callback=')
            return self._await(values, cancellable)
        if caller == 'glib':
            raise TypeError('Function “%s” called in a GLib async context without '
                            'callback=: pass a callback, or call call_sync() to '
                            'block the loop on purpose' % self.get_name())
        return self._call_sync(values, cancellable)

    async def _await(self, values, cancellable):
        if self.get_flags() & SmartAsync.FunctionFlags.OWNER_THREAD:
            # It may only run on the thread that created it, whose GLib
            # context asyncio does not iterate: call it here.
            return self._call_sync(values, cancellable)

        if cancellable is None:
            cancellable = Gio.Cancellable()
        loop = asyncio.get_running_loop()
        # PyGObject releases the GIL for the whole C call.
        future = loop.run_in_executor(None, self._call_sync, values, cancellable)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancellable.cancel()
            future.add_done_callback(_retrieve)
            raise


Function = override(Function)
__all__.append('Function')


class _Task:
    """The Gio.Task handed to a Python async callable, keeping track of
    whether it was completed so an exception can still fail it, and handing
    values to C in a form PyGObject marshals safely."""

    def __init__(self, task, name, return_type):
        self._task = task
        self._name = name
        self._return_type = return_type
        self._lock = threading.Lock()
        self._completed = False

    def __getattr__(self, attr):
        return getattr(self._task, attr)

    def _complete(self):
        with self._lock:
            if self._completed:
                raise RuntimeError('the task of function “%s” was already completed'
                                   % self._name)
            self._completed = True

    def return_value(self, value=None):
        self._complete()
        if self._return_type == GObject.TYPE_NONE:
            value = None
        if self._return_type == GObject.TYPE_PYOBJECT:
            # g_task_return_value() copies the GValue: one reference of
            # its own.
            self._task.return_value(GObject.Value(GObject.TYPE_PYOBJECT, value))
        else:
            self._task.return_value(_value_for(value, self._return_type))

    def return_error(self, error):
        self._complete()
        self._task.return_error(_error_from_exception(self._name, error))

    def fail(self, exc):
        with self._lock:
            if self._completed:
                return
            self._completed = True
        self._task.return_error(_error_from_exception(self._name, exc))


_UNSET = object()


def _signature_types(func, returns, params):
    sig = inspect.signature(func)
    names = [p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
             and p.name != 'cancellable']
    takes_cancellable = 'cancellable' in sig.parameters
    hints = None

    def hint(key):
        nonlocal hints
        if hints is None:
            try:
                hints = typing.get_type_hints(func)
            except Exception:
                hints = func.__annotations__
        if key not in hints:
            raise TypeError('@smartasync: %s of %s has no annotation; annotate it '
                            'or pass %s=' % (
                                'the result' if key == 'return' else 'parameter ' + key,
                                func.__qualname__,
                                'returns' if key == 'return' else 'params'))
        return hints[key]

    if params is _UNSET:
        params = [hint(n) for n in names]
    if returns is _UNSET:
        returns = hint('return')
    return gtype_for(returns), [gtype_for(p) for p in params], takes_cancellable


def _run_coroutine(coro, cancellable):
    """Runs a coroutine to completion on this thread with a loop of its own,
    cancelling it when ``cancellable`` is."""
    async def main():
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        handler = 0
        if cancellable is not None:
            # "cancelled" is emitted on the cancelling thread. (The
            # Gio.Cancellable.connect() method is g_cancellable_connect().)
            handler = GObject.Object.connect(
                cancellable, 'cancelled',
                lambda *_: loop.call_soon_threadsafe(task.cancel))
            if cancellable.is_cancelled():
                task.cancel()
        try:
            return await coro
        finally:
            if handler:
                cancellable.disconnect(handler)

    if _running_asyncio_loop() is None:
        return asyncio.run(main())

    # A blocking call from inside a coroutine: asyncio allows one loop per
    # thread, so the coroutine gets a thread of its own.
    outcome = {}

    def run():
        try:
            outcome['value'] = asyncio.run(main())
        except BaseException as exc:
            outcome['error'] = exc

    thread = threading.Thread(target=run, name='smartasync-coroutine')
    thread.start()
    thread.join()
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']


def smartasync(func=None, *, returns=_UNSET, params=_UNSET, name=None, flags=0):
    """Turns a Python function into a :class:`Function`.

    ::

        @SmartAsync.smartasync
        def add(a: int, b: int) -> int:
            return a + b

        @SmartAsync.smartasync(returns=Gio.InputStream, params=[Gio.File])
        def open_file(file, cancellable=None):
            return file.read(cancellable)

    Types come from ``returns`` and ``params`` (GTypes, PyGObject classes,
    or int, float, str, bool, bytes, object, None; ``returns=None`` for no
    result) or else from the annotations. A parameter named ``cancellable`` is not part of the
    signature: it receives the call's Gio.Cancellable.

    The result is a ``Function``: Python calls it as any function (see
    :meth:`Function.__call__`), C calls it with the library's API. An async
    caller (a GLib loop, an asyncio coroutine) has it run on a worker
    thread, so it may block. An ``async def`` function runs to completion
    on the calling thread with an asyncio loop of its own. Exceptions reach
    every caller as GLib.Error: a GLib.Error as it is, anything else as
    SA_ERROR_FAILED naming the exception's type and text.
    """
    if func is None:
        return functools.partial(smartasync, returns=returns, params=params,
                                 name=name, flags=flags)

    return_type, param_types, takes_cancellable = _signature_types(func, returns, params)
    fn_name = name or func.__qualname__
    is_coroutine = inspect.iscoroutinefunction(func)

    def invoke(args, n_args, cancellable, *data):
        kwargs = {'cancellable': cancellable} if takes_cancellable else {}
        if is_coroutine:
            return True, _run_coroutine(func(*args, **kwargs), cancellable)
        return True, func(*args, **kwargs)

    function = Function.new_sync_full(fn_name, return_type, param_types, flags, invoke)
    function.__wrapped__ = func
    function.__doc__ = func.__doc__
    return function


__all__.append('smartasync')


def async_pair(start, finish, *, returns, params, name=None, flags=0):
    """Wraps a GIO-style asynchronous operation as a :class:`Function`.

    ``start(*args, cancellable, callback)`` starts it (PyGObject's
    ``_async`` methods have this shape) and ``finish(source, result)``
    returns its value or raises, for example::

        load = SmartAsync.async_pair(
            Gio.File.load_contents_async,
            lambda file, res: GLib.Bytes.new(file.load_contents_finish(res)[1]),
            returns=GLib.Bytes, params=[Gio.File])
        data = load(Gio.File.new_for_path('/etc/hostname'))

    A sync caller gets the value with the operation run in a private main
    context; an async caller gets it without blocking."""
    return_type = gtype_for(returns)
    fn_name = name or getattr(start, '__name__', 'async_pair')

    def begin(args, n_args, cancellable, task, *data):
        def ready(source, result, *_):
            try:
                value = finish(source, result)
            except BaseException as exc:
                task.return_error(exc)
            else:
                task.return_value(value)

        start(*args, cancellable, ready)

    return Function.new_async_full(fn_name, return_type, params, flags, begin)


__all__.append('async_pair')
