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
import concurrent.futures
import contextvars
import ctypes
import functools
import inspect
import os
import sys
import threading
import types
import typing
import weakref

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


class _BadArgument(Exception):
    """An argument that cannot become the declared type: _values() turns it
    into SA_ERROR_ARGUMENT_TYPE naming the function and the argument."""


def _value_for(value, declared_type):
    if isinstance(value, GObject.Value):
        return value
    if declared_type == GObject.TYPE_STRV and isinstance(value, (list, tuple)):
        return _strv_value(value)
    if declared_type == _BYTE_ARRAY_TYPE and isinstance(
            value, (bytes, bytearray, memoryview, GLib.Bytes, list, tuple)):
        return _byte_array_value(value)
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


def _measure_lost_refs():
    probe = object()
    # Extra references, so that the one lost never frees the probe while
    # PyGObject still reads it.
    held = [probe] * 4

    def give_probe(args, n_args, cancellable):
        return True, GObject.Value(GObject.TYPE_PYOBJECT, probe)

    function = SmartAsync.Function.new_sync_full(
        'measure', GObject.TYPE_PYOBJECT, [], 0, give_probe)
    before = sys.getrefcount(probe)
    SmartAsync.Function.call_sync(function, [], None)
    lost = max(0, before - sys.getrefcount(probe))
    # The probe's own references, given back too.
    for _ in range(lost):
        _py_incref(probe)
    del held
    return lost


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


_asyncio_running_loop = asyncio._get_running_loop
_BASE_RUN_FOREVER = asyncio.BaseEventLoop.run_forever
_get_ident = threading.get_ident


class _LoopCache(threading.local):
    # Until a loop is seen, a reference that gives None, as a dead weak
    # reference does; as a class attribute, a missing one costs no
    # AttributeError on every call.
    ref = type(None)


_loop_cache = _LoopCache()

# The last loop seen running by any thread, checked first: with one loop
# in the process (the common case) no thread-local is looked at.
_last_loop = type(None)


def _get_running_loop():
    """asyncio._get_running_loop() without its system call.

    Inside a running loop, CPython's own lookup calls getpid() to notice a
    fork, which is most of the cost of a smart call of an ``async def``.
    The last running loop seen (in the process, and on this thread) is kept
    weakly and trusted while it is running on the calling thread: asyncio's
    own loops set ``_thread_id`` for as long as they run, and one thread
    runs one loop at a time. Other loops (gbulb's, uvloop) take asyncio's
    lookup, and a forked child forgets."""
    global _last_loop
    loop = _last_loop()
    if loop is not None and loop._thread_id == _get_ident():
        return loop
    loop = _loop_cache.ref()
    if loop is not None and loop._thread_id == _get_ident():
        return loop
    loop = _asyncio_running_loop()
    if loop is not None and type(loop).run_forever is _BASE_RUN_FOREVER:
        _last_loop = _loop_cache.ref = weakref.ref(loop)
    return loop


def _forget_loops_in_child():
    # The remembered running loops, and this thread's reused loop (every
    # thread's is kept unclosed: see _LoopOfThisThread).
    global _last_loop
    _last_loop = type(None)
    _loop_cache.__dict__.pop('ref', None)
    _thread_loops.__dict__.pop('holder', None)


os.register_at_fork(after_in_child=_forget_loops_in_child)

# Looked up once for Function.__call__'s sync path.
_get_mode = SmartAsync.Function.get_mode
_raw_call_sync = SmartAsync.Function.call_sync
_context_is_async = SmartAsync.context_is_async
_MODE_SYNC = SmartAsync.Mode.SYNC
_MODE_AUTO = SmartAsync.Mode.AUTO


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

    def _signature(self):
        # What the wrapper needs of the signature on every call, looked up
        # once: the parameter types, whether one is a PyObject, whether the
        # result is boxed.
        try:
            return self.__dict__['_sa_signature']
        except KeyError:
            types = tuple(self.get_param_types())
            signature = (types, GObject.TYPE_PYOBJECT in types,
                         (_BOXED_GVALUES_DANGLE and
                          self.get_return_type().fundamental == GObject.TYPE_BOXED)
                         or '_sa_face' in self.__dict__)
            self.__dict__['_sa_signature'] = signature
            return signature

    def _values(self, args):
        if not args:
            return []
        types, has_pyobject, _ = self._signature()
        if not has_pyobject and len(args) <= len(types):
            # PyGObject turns a 32-bit int, a str, a float or a bool into a
            # GValue of exactly its type, in C: only the other values need
            # a GObject.Value built here.
            for arg in args:
                kind = type(arg)
                if kind is int:
                    if not -0x80000000 <= arg <= 0x7fffffff:
                        break
                elif kind is not str and kind is not float and kind is not bool:
                    break
            else:
                return list(args)
        values = []
        for i, arg in enumerate(args):
            declared = types[i] if i < len(types) else GObject.TYPE_POINTER
            if declared == GObject.TYPE_PYOBJECT and not isinstance(arg, GObject.Value):
                # Any Python value, a str or an int too, is the object.
                values.append(GObject.Value(GObject.TYPE_PYOBJECT, arg))
                continue
            try:
                values.append(_value_for(arg, declared))
            except _BadArgument as exc:
                raise _sa_error(SmartAsync.Error.ARGUMENT_TYPE,
                                'Function “%s”: argument %d: %s'
                                % (self.get_name(), i + 1, exc)) from None
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

    @classmethod
    def new_introspected(cls, namespace, version, name):
        """Wraps the function or GIO async pair that a typelib describes,
        as C's ``sa_function_new_introspected()`` does, with results as
        PyGObject's own call gives them: several results as a tuple,
        C arrays of bytes and ``GByteArray`` as ``bytes``. See :func:`wrap`,
        which takes the function PyGObject offers instead of names."""
        function = super().new_introspected(namespace, version, name)
        return _add_face(function, None)

    def _returns_boxed(self):
        return self._signature()[2]

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
        face = self.__dict__.get('_sa_face')
        if face is not None and not _BOXED_GVALUES_DANGLE:
            return face.finish(SmartAsync.Function.call_syncv_with_timeout(
                self, self._values(args), timeout_msec, cancellable))
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
        value = SmartAsync.Function.call_finish(self, result)
        face = self.__dict__.get('_sa_face')
        if face is not None:
            # While result is held, so are the values it holds.
            return face.finish(value)
        return _own(value)

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
        if _get_running_loop() is not None:
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
        if callback is None and _get_running_loop() is None:
            # Plain code, the common case, in as few steps as it takes.
            mode = _get_mode(self)
            if mode == _MODE_SYNC or (mode == _MODE_AUTO and not _context_is_async()):
                values = self._values(args)
                if self._signature()[2]:
                    return self._call_sync(values, cancellable)
                return _raw_call_sync(self, values, cancellable)

        caller = self._caller()
        if caller == 'asyncio' and callback is None:
            pair = self.__dict__.get('_sa_pair')
            if pair is not None and _runs_on_glib(_get_running_loop()):
                return _await_pair(pair, args, cancellable)
        values = self._values(args)

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
        if _runs_on_glib(loop):
            return await self._await_in_glib_loop(loop, values, cancellable)
        # PyGObject releases the GIL for the whole C call.
        future = loop.run_in_executor(None, self._call_sync, values, cancellable)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancellable.cancel()
            future.add_done_callback(_retrieve)
            raise


    async def _await_in_glib_loop(self, loop, values, cancellable):
        # asyncio runs on GLib's main context (gbulb, PyGObject's own
        # GLib event loop): a pair starts here and its callback sets the
        # future from this loop, with no thread hop.
        future = loop.create_future()

        def ready(fn, result):
            if future.cancelled():
                _retrieve_call(self, result)
                return
            try:
                future.set_result(self.call_finish(result))
            except GLib.Error as error:
                future.set_exception(error)

        SmartAsync.Function.call_async(self, values, cancellable, ready)
        try:
            return await future
        except asyncio.CancelledError:
            cancellable.cancel()
            raise


async def _await_pair(pair, args, cancellable):
    # A Python GIO pair awaited on a GLib-driven asyncio loop: started
    # here, its callback sets the future, as a hand-written await would.
    # (Through the library, the result would take two more turns of the
    # loop.)
    start, finish = pair
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    if cancellable is None:
        cancellable = Gio.Cancellable()

    def ready(source, result, *_):
        if future.cancelled():
            return
        try:
            future.set_result(finish(source, result))
        except BaseException as exc:
            future.set_exception(exc)

    start(*args, cancellable, ready)
    try:
        return await future
    except asyncio.CancelledError:
        cancellable.cancel()
        raise


def _retrieve_call(function, result):
    try:
        function.call_finish(result)
    except GLib.Error:
        pass


def _runs_on_glib(loop):
    """Whether an asyncio loop runs on GLib's main context, dispatching
    its sources: gbulb's and PyGObject's (3.50 and later) GLib event
    loops."""
    module = type(loop).__module__
    if not (module.startswith('gbulb.') or module.startswith('gi.events')):
        return False
    if GLib.main_depth() == 0:
        return False
    # GIO calls back in the thread-default context: the loop must be
    # running that one (a gbulb loop made with a context of its own does
    # not push it).
    context = getattr(loop, '_context', None)
    return context is None or context == GLib.MainContext.ref_thread_default()


Function = override(Function)

# The plain-code smart call in C when the build made it (it hands every
# other case to the Python __call__ above, kept as _python_call).
Function._python_call = Function.__call__
try:
    from . import _smartasync
except ImportError:
    _smartasync = None
if _smartasync is not None:
    Function.__call__ = _smartasync.bind_call(Function, Function._python_call,
                                              _asyncio_running_loop, '_sa_face')
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


def _annotation_type(hints, key):
    # Untyped, or typed with what has no GType (dict, List[int], Optional[...]):
    # any Python object.
    if key not in hints:
        return GObject.TYPE_PYOBJECT
    try:
        return gtype_for(hints[key])
    except TypeError:
        return GObject.TYPE_PYOBJECT


def _signature_types(func, returns, params):
    """The SaFunction signature of a Python function: explicit types first,
    then annotations, and any Python object for the rest. *args, **kwargs
    and keyword-only parameters are not part of it (C passes positional
    arguments); a parameter named ``cancellable`` receives the call's
    Gio.Cancellable."""
    sig = inspect.signature(func)
    names = [p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
             and p.name != 'cancellable']
    takes_cancellable = 'cancellable' in sig.parameters
    hints = {}
    if params is _UNSET or returns is _UNSET:
        try:
            hints = typing.get_type_hints(func)
        except Exception:
            hints = dict(getattr(func, '__annotations__', {}))

    if params is _UNSET:
        param_types = [_annotation_type(hints, n) for n in names]
    else:
        param_types = [gtype_for(p) for p in params]
    if returns is _UNSET:
        return_type = _annotation_type(hints, 'return')
    else:
        return_type = gtype_for(returns)
    return return_type, param_types, takes_cancellable


# async def functions called without a running asyncio loop run to
# completion on a loop of this thread's own, kept for the next call as long
# as a call leaves it exactly as it found it: no task, no callback or timer
# scheduled, no async generator, no default executor. Anything left over is
# handled as asyncio.run() handles it (tasks cancelled and awaited, async
# generators and the default executor shut down, the loop closed) and the
# next call gets a new loop.

class _LoopOfThisThread:
    def __init__(self):
        # asyncio's own loop, whatever the policy: a GLib-driven policy
        # (gbulb) would hand the main thread its shared default loop.
        self.loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
        self.debug = self.loop.get_debug()
        self.pid = os.getpid()
        self.busy = False

    def _keep_if_inherited(self, loop):
        # In a forked child, closing the loop would unregister the parent's
        # descriptors from the epoll instance both processes share.
        if os.getpid() != self.pid:
            _inherited_loops.append(loop)
            return True
        return False

    def close_like_asyncio_run(self):
        loop, self.loop = self.loop, None
        if not self._keep_if_inherited(loop):
            _close_like_asyncio_run(loop)

    def __del__(self):
        # The thread ended (or, in a forked child, is gone): its loop goes
        # with it.
        loop, self.loop = self.loop, None
        if loop is None or loop.is_closed() or self._keep_if_inherited(loop):
            return
        if not loop.is_running():
            loop.close()


class _ThreadLoops(threading.local):
    holder = None


_thread_loops = _ThreadLoops()

# Loops a forked child inherited, of every thread: kept from the garbage
# collector, whose close() would unregister the parent's file descriptors
# from the epoll instance both processes share.
_inherited_loops = []



def _loop_is_clean(loop, holder):
    # Whatever asyncio.run() would not carry from one call to the next
    # makes the loop unclean: it is then closed as asyncio.run() closes it.
    if asyncio.all_tasks(loop):
        return False
    try:
        return not (loop._ready or loop._scheduled or loop._asyncgens or
                    loop._default_executor is not None or
                    len(loop._selector.get_map()) > 1 or   # beyond its self-pipe
                    loop._signal_handlers or
                    loop._exception_handler is not None or
                    loop._task_factory is not None or
                    loop.get_debug() != holder.debug or
                    loop.slow_callback_duration != 0.1)
    except AttributeError:
        # Not a loop whose state we know (another policy's): never reused.
        return False


def _close_like_asyncio_run(loop):
    try:
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            for task in tasks:
                if not task.cancelled() and task.exception() is not None:
                    loop.call_exception_handler({
                        'message': 'unhandled exception during smartasync shutdown',
                        'exception': task.exception(),
                        'task': task,
                    })
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


def run_to_completion(coro):
    """Runs a coroutine to completion on this thread, which must have no
    running asyncio loop, and returns its value or raises its exception.

    This is what a decorated ``async def`` does when called from sync code:
    :func:`asyncio.run` semantics (a copy of the current context, tasks left
    over cancelled, async generators and the default executor shut down)
    without the cost of a new loop per call."""
    if _get_running_loop() is not None:
        coro.close()
        raise RuntimeError('run_to_completion() cannot be called from a '
                           'running event loop')
    holder = _thread_loops.holder
    if holder is None or holder.loop is None or holder.loop.is_closed():
        holder = _thread_loops.holder = _LoopOfThisThread()
    elif holder.busy:
        # Entered again between a call's end and its clean-up (from a
        # finalizer, say): a loop for this call alone, as asyncio.run()
        # would make.
        holder = _LoopOfThisThread()
    loop = holder.loop
    clean = False
    holder.busy = True
    try:
        value = loop.run_until_complete(loop.create_task(coro))
        clean = holder is _thread_loops.holder and _loop_is_clean(loop, holder)
        return value
    finally:
        holder.busy = False
        if not clean:
            if _thread_loops.holder is holder:
                _thread_loops.holder = None
            holder.close_like_asyncio_run()


__all__.append('run_to_completion')


async def _to_thread(func, args, kwargs):
    # asyncio.to_thread(), without looking the loop up a second time.
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(context.run, func, *args, **kwargs)
    return await loop.run_in_executor(None, call)




class _Outcome:
    """The result that a decorated callable hands to ``callback=`` in a
    GLib main loop: pass it to ``call_finish()``."""

    __slots__ = ('value', 'error')

    def __init__(self):
        self.value = None
        self.error = None


_worker_pool = None
_worker_pool_lock = threading.Lock()


def _workers():
    global _worker_pool
    if _worker_pool is None:
        with _worker_pool_lock:
            if _worker_pool is None:
                _worker_pool = concurrent.futures.ThreadPoolExecutor(
                    thread_name_prefix='smartasync')
    return _worker_pool


class SmartCallable:
    """What :func:`smartasync` makes of a function: it calls the function
    the way its caller needs, with Python values and exceptions, and
    exposes it to C as :attr:`function`.

    It is a descriptor, so it works on methods (instance, class and static
    methods, classes with ``__slots__``) as functions do."""

    def __new__(cls, func=None, *_):
        # An async def gets a class of its own whose __call__ skips the
        # checks a plain def needs: awaiting one is a loop's innermost path.
        inner = func.__func__ if isinstance(func, (staticmethod, classmethod)) else func
        if cls is SmartCallable and inspect.iscoroutinefunction(inner):
            cls = _SmartCoroutine
        return super().__new__(cls)

    def __init__(self, func, returns, params, name, flags):
        self._binding = None
        if isinstance(func, staticmethod):
            func = func.__func__
            self._binding = 'static'
        elif isinstance(func, classmethod):
            func = func.__func__
            self._binding = 'class'
        functools.update_wrapper(self, func)
        self._func = func
        self._is_coroutine = inspect.iscoroutinefunction(func)
        self._spec = (returns, params, name or func.__qualname__, flags)
        self._function = None
        self._lock = threading.Lock()
        try:
            sig = inspect.signature(func)
            # callback= and user_data= are the GLib loop's, unless the
            # function takes them itself.
            self._glib_keywords = not any(
                p.kind == p.VAR_KEYWORD or p.name in ('callback', 'user_data')
                for p in sig.parameters.values())
        except (TypeError, ValueError):
            self._glib_keywords = False

    def __get__(self, instance, owner=None):
        if self._binding == 'static':
            return self
        if self._binding == 'class':
            return types.MethodType(self, owner if owner is not None else type(instance))
        if instance is None:
            return self
        return types.MethodType(self, instance)

    def __call__(self, *args, **kwargs):
        if kwargs and self._glib_keywords and 'callback' in kwargs:
            return self._call_with_callback(args, kwargs)
        if _get_running_loop() is None:
            return self._func(*args, **kwargs)
        return _to_thread(self._func, args, kwargs)

    def __reduce__(self):
        # Pickled (and copied) by name, as functions are, so that a
        # process pool can be handed one.
        return self.__qualname__

    def _refuse_callback_in_asyncio(self, kwargs):
        if kwargs and self._glib_keywords and 'callback' in kwargs:
            raise TypeError('%s: in an asyncio coroutine, await the call '
                            'instead of passing callback=' % self.__qualname__) from None

    def _call_with_callback(self, args, kwargs):
        # The library's smart call for Python callers: in a GLib async
        # context the function runs on a worker thread and callback runs
        # later in this thread's thread-default main context; in a sync
        # context it runs here and callback has run when this returns.
        if _get_running_loop() is not None:
            self._refuse_callback_in_asyncio(kwargs)
        callback = kwargs.pop('callback')
        user_data = kwargs.pop('user_data', ())
        outcome = _Outcome()
        source = self

        def run():
            try:
                if self._is_coroutine:
                    outcome.value = run_to_completion(self._func(*args, **kwargs))
                else:
                    outcome.value = self._func(*args, **kwargs)
            except BaseException as exc:
                outcome.error = exc

        if not SmartAsync.context_is_async():
            run()
            callback(source, outcome, *user_data)
            return None

        context = GLib.MainContext.ref_thread_default()

        def deliver(*_):
            callback(source, outcome, *user_data)
            return GLib.SOURCE_REMOVE

        def work():
            run()
            idle = GLib.idle_source_new()
            idle.set_callback(deliver)
            idle.attach(context)

        _workers().submit(work)
        return None

    def call_finish(self, result):
        """The value of a call made with ``callback=``; raises its
        exception, the original object."""
        if isinstance(result, _Outcome):
            if result.error is not None:
                raise result.error
            return result.value
        return self.function.call_finish(result)

    @property
    def function(self):
        """The :class:`Function` (an SaFunction) that C code, GJS or Vala
        call; Python exceptions reach them as GLib.Errors naming the
        exception's type."""
        if self._function is None:
            with self._lock:
                if self._function is None:
                    self._function = _new_function(self._func, *self._spec)
        return self._function

    def __getattr__(self, attr):
        # The SaFunction API (call_sync, call_async, get_mode...).
        if attr.startswith('__'):
            raise AttributeError(attr)
        return getattr(self.function, attr)

    def _smartasync_reset_cache(self):
        """SmartAsync's cache reset: there is no cache here (the calling
        context is looked at on every call), so there is nothing to do."""

    def __repr__(self):
        return '<smartasync %s>' % self.__qualname__


__all__.append('SmartCallable')


class _SmartCoroutine(SmartCallable):
    """A :class:`SmartCallable` of an ``async def``."""

    def __call__(self, *args, **kwargs):
        # _get_running_loop()'s first case, inline: one Python frame less
        # on every await. Calling an async def only binds its arguments, so
        # a TypeError here is about them (callback= among them).
        loop = _last_loop()
        if loop is not None and loop._thread_id == _get_ident():
            try:
                return self._func(*args, **kwargs)
            except TypeError:
                self._refuse_callback_in_asyncio(kwargs)
                raise
        if kwargs and self._glib_keywords and 'callback' in kwargs:
            return self._call_with_callback(args, kwargs)
        if _get_running_loop() is None:
            return run_to_completion(self._func(*args, **kwargs))
        # Runs in the awaiting task: the caller's loop and context.
        return self._func(*args, **kwargs)


def _run_coroutine(coro, cancellable):
    """Runs a coroutine for a C caller to completion on this thread,
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
        return run_to_completion(main())

    # A blocking call from inside a coroutine: asyncio allows one loop per
    # thread, so the coroutine gets a thread of its own.
    return _workers().submit(run_to_completion, main()).result()


def _new_function(func, returns, params, name, flags):
    return_type, param_types, takes_cancellable = _signature_types(func, returns, params)
    is_coroutine = inspect.iscoroutinefunction(func)

    def invoke(args, n_args, cancellable, *data):
        kwargs = {'cancellable': cancellable} if takes_cancellable else {}
        if is_coroutine:
            return True, _run_coroutine(func(*args, **kwargs), cancellable)
        return True, func(*args, **kwargs)

    function = Function.new_sync_full(name, return_type, param_types, flags, invoke)
    function.__wrapped__ = func
    return function


def smartasync(func=None, *, returns=_UNSET, params=_UNSET, name=None, flags=0):
    """Makes one callable of a function or method for sync code, asyncio
    and GLib main loops, and for C.

    ::

        class Store:
            @SmartAsync.smartasync
            async def get(self, key):
                ...

        store.get('a')            # sync code: runs to completion
        await store.get('a')      # in a coroutine: in the caller's loop

    Python callers (no annotations needed, any values, keyword arguments,
    defaults, *args and **kwargs):

    * no running asyncio loop: a ``def`` is called; an ``async def`` runs
      to completion on this thread (see :func:`run_to_completion`);
    * in a running asyncio loop: an ``async def`` gives its coroutine, which
      runs in the caller's loop and context; a ``def`` gives a coroutine
      that runs it on the loop's default executor, as
      :func:`asyncio.to_thread` does (context variables included);
    * ``callback=`` (a GLib main-loop callback): the library's smart call:
      in a GLib async context the function runs on a worker thread and
      ``callback(fn, result, *user_data)`` runs later in the loop; pass
      ``result`` to ``fn.call_finish()``.

    Exceptions reach Python callers as they were raised.

    C callers use :attr:`SmartCallable.function`, a :class:`Function` typed
    by ``returns`` and ``params`` (GTypes, PyGObject classes, int, float,
    str, bool, bytes, object, None), else by the annotations that have a
    GType, else as any Python object. A parameter named ``cancellable``
    receives the call's Gio.Cancellable there. C gets exceptions as
    GLib.Errors: a GLib.Error as it is, anything else as SA_ERROR_FAILED
    naming the exception's type and text.
    """
    if func is None:
        return functools.partial(smartasync, returns=returns, params=params,
                                 name=name, flags=flags)
    return SmartCallable(func, returns, params, name, flags)


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

    function = Function.new_async_full(fn_name, return_type, params, flags, begin)
    function.__dict__['_sa_pair'] = (start, finish)
    return function


__all__.append('async_pair')


# Functions that a typelib describes: SmartAsync.wrap(Gio.File.load_contents)
# and Function.new_introspected(). The library reads the signature from the
# typelib; the Python face makes arguments and results what PyGObject's own
# call takes and gives: a list of str for a GStrv, bytes for a C array of
# bytes or a GByteArray, several results as a tuple (the ResultTuple
# PyGObject builds, with the out arguments' names).

_BYTE_ARRAY_TYPE = GLib.ByteArray.__gtype__
_DIRECTION_IN = int(gi._gi.Direction.IN)


def _strv_value(items):
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _BadArgument('a GStrv takes a list of str, item %d is a %s'
                               % (i, _exception_name(item)))
    return GObject.Value(GObject.TYPE_STRV, list(items))


# PyGObject 3.42 can neither make a GByteArray from bytes nor read one (a
# GByteArray argument or result of its own calls is bytes, and a
# GLib.ByteArray wrapper has no data accessor). Arguments go as GBytes,
# which the library converts to a GByteArray parameter; results cross over
# through the library's own conversion of g_bytes_new (), an introspected
# function in mode SYNC: a direct call, whatever the caller's context.
_byte_helpers = {}
_byte_helpers_lock = threading.Lock()


def _byte_helper(name):
    helper = _byte_helpers.get(name)
    if helper is None:
        with _byte_helpers_lock:
            helper = _byte_helpers.get(name)
            if helper is None:
                helper = SmartAsync.Function.new_introspected('GLib', '2.0', name)
                helper.set_mode(_MODE_SYNC)
                _byte_helpers[name] = helper
    return helper


def _byte_array_value(data):
    if not isinstance(data, GLib.Bytes):
        try:
            data = GLib.Bytes.new(bytes(data))
        except (TypeError, ValueError) as exc:
            raise _BadArgument('bytes are needed for a C array of bytes: %s' % exc) from None
    return GObject.Value(GLib.Bytes.__gtype__, data)


def _bytes_of(array):
    """A GLib.ByteArray's contents, while it is alive, as bytes. PyGObject
    gives b'' for a NULL array of bytes."""
    if array is None:
        return b''
    data = _byte_helper('Bytes.new').call_sync([GObject.Value(_BYTE_ARRAY_TYPE, array)])
    return data.get_data() or b''


def _strv_of(strv):
    # PyGObject gives [] for a NULL array of strings.
    return [] if strv is None else strv


def _result_converter(gtype):
    if gtype == _BYTE_ARRAY_TYPE:
        return _bytes_of
    if gtype == GObject.TYPE_STRV:
        return _strv_of
    if gtype.fundamental == GObject.TYPE_BOXED:
        return _own
    return None


class _Face:
    """How the raw results of an introspected function become what
    PyGObject's own call returns. Run while the result is alive."""

    __slots__ = ('converters', 'tuple_type', 'n_results')

    def __init__(self, result_types, names):
        self.n_results = len(result_types)
        self.converters = [_result_converter(t) for t in result_types]
        self.tuple_type = tuple
        if (self.n_results > 1 and names is not None and len(names) == self.n_results
                and any(name is not None for name in names)):
            self.tuple_type = gi._gi.ResultTuple._new_type(list(names))

    def finish(self, value):
        if self.n_results == 0:
            return None
        if self.n_results == 1:
            convert = self.converters[0]
            return value if convert is None else convert(value)
        return self.tuple_type([
            item if convert is None else convert(item)
            for convert, item in zip(self.converters, value)])


def _add_face(function, info):
    """Gives an introspected Function its Python face when its results
    need one (several, or bytes)."""
    result_types = list(function.get_result_types())
    if (len(result_types) > 1 or _BYTE_ARRAY_TYPE in result_types
            or GObject.TYPE_STRV in result_types):
        if info is None:
            # The library names it "Namespace.Type.function", whatever it
            # was given (a C symbol too).
            info = _find_info(function.get_name())
        names = _result_names(info) if info is not None else None
        function.__dict__['_sa_face'] = _Face(result_types, names)
    return function


def _is_array(type_info):
    return type_info.get_tag() == gi._gi.TypeTag.ARRAY


def _takes_async_callback(info):
    for arg in info.get_arguments():
        type_info = arg.get_type()
        if type_info.get_tag() == gi._gi.TypeTag.INTERFACE:
            iface = type_info.get_interface()
            if iface.get_namespace() == 'Gio' and iface.get_name() == 'AsyncReadyCallback':
                return True
    return False


# The library's exceptions to its naming rule (find_finish () in
# sa-introspected.c), by namespace.
_FINISH_EXCEPTIONS = {
    ('Gio', 'replace_contents_bytes_async'): 'replace_contents_finish',
}


def _finish_info(info):
    # The library's naming rule: foo_async goes with foo_finish, beside it.
    name = info.get_name_unescaped() if hasattr(info, 'get_name_unescaped') else info.get_name()
    finish = _FINISH_EXCEPTIONS.get((info.get_namespace(), name))
    if finish is None:
        finish = (name[:-len('_async')] if name.endswith('_async') else name) + '_finish'
    container = info.get_container()
    if container is not None and hasattr(container, 'find_method'):
        return container.find_method(finish)
    found = gi._gi.Repository.get_default().find_by_name(info.get_namespace(), finish)
    return found if isinstance(found, gi._gi.FunctionInfo) else None


def _result_names(info):
    """The names PyGObject gives a call's results: None for the return
    value, then the out arguments that are not array lengths."""
    if _takes_async_callback(info):
        info = _finish_info(info)
        if info is None:
            return None
    args = info.get_arguments()
    lengths = set()
    for arg in args:
        type_info = arg.get_type()
        if _is_array(type_info) and type_info.get_array_length() >= 0:
            lengths.add(type_info.get_array_length())
    return_type = info.get_return_type()
    if _is_array(return_type) and return_type.get_array_length() >= 0:
        lengths.add(return_type.get_array_length())
    names = []
    if not info.skip_return() and not (return_type.get_tag() == gi._gi.TypeTag.VOID
                                       and not return_type.is_pointer()):
        names.append(None)
    for i, arg in enumerate(args):
        if int(arg.get_direction()) != _DIRECTION_IN and i not in lengths:
            names.append(arg.get_name())
    return names


def _find_info(qualified_name):
    """PyGObject's FunctionInfo for an introspected function's name
    ("Gio.File.load_contents"), for the names of its results; None when it
    is not found here."""
    if '.' not in qualified_name:
        return None
    namespace, name = qualified_name.split('.', 1)
    repository = gi._gi.Repository.get_default()
    try:
        if namespace not in repository.get_loaded_namespaces():
            return None
        parts = name.split('.')
        if len(parts) == 1:
            found = repository.find_by_name(namespace, name)
        elif len(parts) == 2:
            container = repository.find_by_name(namespace, parts[0])
            found = container.find_method(parts[1]) if hasattr(container, 'find_method') else None
        else:
            return None
    except Exception:
        return None
    return found if isinstance(found, gi._gi.FunctionInfo) else None


def _loaded_version(namespace):
    repository = gi._gi.Repository.get_default()
    if namespace in repository.get_loaded_namespaces():
        return repository.get_version(namespace)
    return gi.get_required_version(namespace)


def wrap(target, *, version=None):
    """Wraps a function or GIO async pair that PyGObject calls from a
    typelib as a :class:`Function`, the smart call of the rest of this
    module::

        load = SmartAsync.wrap(Gio.File.load_contents_async)
        ok, contents, etag = load(file)          # plain code: the value
        ok, contents, etag = await load(file)    # in a coroutine: no blocking

        guess = SmartAsync.wrap(Gio.content_type_guess)
        checksum = SmartAsync.wrap(GLib.compute_checksum_for_data)
        hexdigest = await checksum(GLib.ChecksumType.SHA256, b'data')

    ``target`` is what PyGObject offers (``Gio.File.load_contents``,
    ``Gio.content_type_guess``: a ``gi.FunctionInfo``), or a name:
    ``'Gio.File.load_contents'``, ``'GLib.base64_encode'``, or a C symbol
    such as ``'g_file_load_contents'`` (looked up in the typelibs loaded
    so far). ``version`` defaults to the namespace's loaded (or required)
    version. A function that takes a ``GAsyncReadyCallback`` is an async
    pair with its ``_finish``; anything else blocks, and then runs on a
    worker thread when awaited.

    The arguments are PyGObject's, without the cancellable (pass
    ``cancellable=``), the callback and its data, and the array lengths:
    a method's instance first, a list of str for a GStrv, bytes for a C
    array of bytes or a GByteArray, None where the typelib allows NULL.
    The value is what PyGObject's own call returns: several results
    (return value, then out arguments) as a tuple in its order, with its
    names; bytes for arrays of bytes; a list of str for a GStrv.

    Raises GLib.Error in the SmartAsync.Error domain: NOT_FOUND for an
    unknown namespace or name, UNSUPPORTED for what cannot be called
    safely (a callback other than the async one, caller-allocated
    buffers, lists); the calls raise ARGUMENT_COUNT and ARGUMENT_TYPE for
    wrong arguments, and the function's own GLib.Error as it is."""
    if isinstance(target, str):
        if '.' in target:
            namespace, name = target.split('.', 1)
            if version is None:
                version = _loaded_version(namespace)
        else:
            namespace, name = None, target
        return Function.new_introspected(namespace, version, name)

    if not isinstance(target, gi._gi.FunctionInfo):
        module = getattr(target, '__module__', None) or ''
        if callable(target) and module.startswith('gi.overrides.'):
            raise TypeError(
                '%s.%s is PyGObject\'s Python override, not the typelib\'s function: '
                'wrap the C function by name, SmartAsync.wrap(%r)'
                % (module[len('gi.overrides.'):], target.__name__,
                   '%s.%s' % (module[len('gi.overrides.'):], target.__name__)))
        raise TypeError('SmartAsync.wrap() takes a function of a typelib '
                        '(a gi.FunctionInfo, such as Gio.File.load_contents) '
                        'or its name, not %r' % (target,))

    namespace = target.get_namespace()
    name = (target.get_name_unescaped() if hasattr(target, 'get_name_unescaped')
            else target.get_name())
    container = target.get_container()
    if container is not None:
        name = '%s.%s' % (container.get_name(), name)
    if version is None:
        version = _loaded_version(namespace)
    function = SmartAsync.Function.new_introspected(namespace, version, name)
    return _add_face(function, target)


__all__.append('wrap')


class Gather(SmartAsync.Gather):
    """Several calls at once; see the C documentation of SaGather. The
    arguments of :meth:`add` are a list of Python values, converted as the
    function's own entry points convert them."""

    def add(self, function, args=None):
        """Adds a call of ``function``; returns its index."""
        index = SmartAsync.Gather.add(self, function, function._values(args))
        face = function.__dict__.get('_sa_face')
        if face is not None:
            self.__dict__.setdefault('_sa_faces', {})[index] = face
        return index

    def get_outcome(self, index):
        """The value of call ``index``; raises its GLib.Error."""
        value = SmartAsync.Gather.get_outcome(self, index)
        face = self.__dict__.get('_sa_faces', {}).get(index)
        if face is not None:
            return face.finish(value)
        return _own(value)

    # PyGObject 3.42 leaks the GValue that this returns (GJS needs it: it
    # leaks what it finds in an out GValue instead); in Python it is the
    # leak-free get_outcome().
    def get_outcome_value(self, index):
        """Same as :meth:`get_outcome` (the GValue-returning twin is for GJS)."""
        return self.get_outcome(index)


Gather = override(Gather)
__all__.append('Gather')
