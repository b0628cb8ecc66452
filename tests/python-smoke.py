#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The first check that the typelib works from PyGObject: a function
# implemented in Python, wrapped by SaFunction and called from a sync
# context. Prints TAP. The full Python suite lives in tests/python/.
#
# meson runs it with PYTHONPATH=smartasync-glib/python of this source tree:
# the first check is that the SmartAsync override was loaded from there,
# not from a copy installed under /usr/local or /usr (as
# tests/python/conftest.py checks for the full suite).

import os
import sys

import gi

gi.require_version("SmartAsync", "1")
from gi.repository import GLib, GObject, SmartAsync  # noqa: E402

results = []


def check(name, condition):
    results.append((name, bool(condition)))


srcdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
expected = os.path.join(srcdir, "smartasync-glib", "python", "gi", "overrides")
override = sys.modules.get("gi.overrides.SmartAsync")
loaded_from = os.path.dirname(os.path.abspath(override.__file__)) if override else None
check("the SmartAsync override is this source tree's (%s)" % loaded_from,
      loaded_from == expected and SmartAsync.Function is override.Function)

def add(args, n_args, cancellable, user_data=None):
    return True, args[0] + args[1]


fn = SmartAsync.Function.new_sync_full(
    "add", GObject.TYPE_INT64, [GObject.TYPE_INT64, GObject.TYPE_INT64],
    SmartAsync.FunctionFlags.NONE, add)

check("plain code is a sync context", not SmartAsync.context_is_async())
check("call_sync returns the value", fn.call_sync([40, 2], None) == 42)

res = fn.call([1, 2], None, None)
check("the smart call completes in a sync context", fn.call_finish(res) == 3)

try:
    fn.call_sync([1], None)
    check("a wrong argument count raises", False)
except GLib.Error as e:
    check("a wrong argument count raises SA_ERROR_ARGUMENT_COUNT",
          e.matches(SmartAsync.error_quark(), SmartAsync.Error.ARGUMENT_COUNT))

print("1..%d" % len(results))
for i, (name, ok) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
sys.exit(0 if all(ok for _, ok in results) else 1)
