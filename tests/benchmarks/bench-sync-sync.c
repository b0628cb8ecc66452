/* bench-sync-sync.c: sync caller, blocking callable
 *
 * SaFunction's direct path against a direct C call and against
 * g_closure_invoke() of a GCClosure with the generic (libffi) marshaller
 * and the same signature, int (int, int): the way GLib itself calls a C
 * function it knows only by its GTypes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-common.h"

static int (* volatile add_func) (int a, int b) = bench_add;

static guint64
run_direct (gpointer data,
            guint64  n)
{
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    sum += (guint) add_func ((int) i, 1);

  return sum;
}

/* What g_signal_emit() or a binding does for each call: GValues in, the
 * generic marshaller, a GValue out. */
static guint64
run_closure (gpointer data,
             guint64  n)
{
  GClosure *closure = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };
      GValue ret = G_VALUE_INIT;

      g_value_init (&params[0], G_TYPE_INT);
      g_value_set_int (&params[0], (int) i);
      g_value_init (&params[1], G_TYPE_INT);
      g_value_set_int (&params[1], 1);
      g_value_init (&ret, G_TYPE_INT);

      g_closure_invoke (closure, &ret, 2, params, NULL);
      sum += (guint) g_value_get_int (&ret);

      g_value_unset (&ret);
      g_value_unset (&params[1]);
      g_value_unset (&params[0]);
    }

  return sum;
}

/* The same call through the GValue entry point bindings use. */
static guint64
run_smartasync_syncv (gpointer data,
                      guint64  n)
{
  SaFunction *fn = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
      GValue ret = G_VALUE_INIT;

      g_value_init (&args[0], G_TYPE_INT);
      g_value_set_int (&args[0], (int) i);
      g_value_init (&args[1], G_TYPE_INT);
      g_value_set_int (&args[1], 1);

      if (!sa_function_call_syncv (fn, args, 2, &ret, NULL, NULL))
        g_error ("call_syncv failed");
      sum += (guint) g_value_get_int (&ret);

      g_value_unset (&ret);
      g_value_unset (&args[1]);
      g_value_unset (&args[0]);
    }

  return sum;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) fn = bench_function_sync ();
  GClosure *closure;
  BenchSuite *suite;
  int status;

  closure = g_cclosure_new (G_CALLBACK (bench_add_closure_cb), NULL, NULL);
  g_closure_set_marshal (closure, g_cclosure_marshal_generic);
  g_closure_ref (closure);
  g_closure_sink (closure);

  suite = bench_suite_new ("sync-sync", "sync caller, blocking callable",
                           argc, argv, 70000, 31);
  bench_suite_add (suite, "direct", "direct C call through a function pointer",
                   run_direct, NULL);
  bench_suite_add (suite, "closure", "g_closure_invoke, g_cclosure_marshal_generic, GValues in and out",
                   run_closure, closure);
  bench_suite_add (suite, "smartasync", "sa_function_call_sync (varargs in, return location out)",
                   bench_run_call_sync, fn);
  bench_suite_add (suite, "smartasync-syncv", "sa_function_call_syncv (GValues in and out, as bindings call)",
                   run_smartasync_syncv, fn);
  bench_suite_add (suite, "smartasync-call", "sa_function_call in a sync context + call_finish",
                   bench_run_smart_call, fn);
  bench_suite_run (suite);

  bench_suite_compare (suite, "smartasync", "closure", 1.5, 0);
  bench_suite_compare (suite, "smartasync", "direct", 0, 0);
  bench_suite_compare (suite, "smartasync-syncv", "closure", 0, 0);
  bench_suite_compare (suite, "smartasync-call", "closure", 0, 0);
  status = bench_suite_finish (suite);

  g_closure_unref (closure);

  return status;
}
