/* bench-sync-async.c: sync caller, async pair
 *
 * SaFunction's private-context path against the pattern GIO uses for its
 * own sync wrappers of async code (gio/gsubprocess.c: a fresh context
 * pushed as thread-default, iterated until the callback has stored the
 * result, then _finish), and against the same with one context reused for
 * every call (faster, and unsafe in general: see docs/performance.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-common.h"

static void
store_result (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **result_ptr = user_data;

  *result_ptr = g_object_ref (result);
}

static int
add_in_context (GMainContext *context,
                int           a,
                int           b)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int sum;

  g_main_context_push_thread_default (context);
  bench_add_async (a, b, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  sum = bench_add_finish (result, &error);
  g_assert_no_error (error);

  return sum;
}

static guint64
run_fresh_context (gpointer data,
                   guint64  n)
{
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GMainContext) context = g_main_context_new ();

      sum += (guint) add_in_context (context, (int) i, 1);
    }

  return sum;
}

static guint64
run_reused_context (gpointer data,
                    guint64  n)
{
  GMainContext *context = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    sum += (guint) add_in_context (context, (int) i, 1);

  return sum;
}

/* The same with a real GIO pair: one byte from a memory stream. */

static guint64
read_in_context (GMainContext *context,
                 GInputStream *stream)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  g_input_stream_read_bytes_async (stream, 1, G_PRIORITY_DEFAULT, NULL,
                                   store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  bytes = g_input_stream_read_bytes_finish (stream, result, &error);
  g_assert_no_error (error);

  return bench_bytes_sum (bytes);
}

static guint64
run_read_fresh_context (gpointer data,
                        guint64  n)
{
  g_autoptr(GInputStream) stream = bench_stream_new (n);
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GMainContext) context = g_main_context_new ();

      sum += read_in_context (context, stream);
    }

  return sum;
}

static guint64
run_read_reused_context (gpointer data,
                         guint64  n)
{
  g_autoptr(GInputStream) stream = bench_stream_new (n);
  GMainContext *context = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    sum += read_in_context (context, stream);

  return sum;
}

static guint64
run_read_smartasync (gpointer data,
                     guint64  n)
{
  g_autoptr(GInputStream) stream = bench_stream_new (n);
  SaFunction *fn = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GBytes) bytes = NULL;

      if (!sa_function_call_sync (fn, NULL, NULL, stream, (gulong) 1,
                                  G_PRIORITY_DEFAULT, &bytes))
        g_error ("call_sync failed");
      sum += bench_bytes_sum (bytes);
    }

  return sum;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) fn = bench_function_async ();
  g_autoptr(SaFunction) read_bytes = bench_function_read_bytes ();
  g_autoptr(GMainContext) reused = g_main_context_new ();
  BenchSuite *suite;
  int status;

  suite = bench_suite_new ("sync-async", "sync caller, async pair",
                           argc, argv, 8000, 31);
  bench_suite_add (suite, "fresh-context", "gsubprocess.c pattern: new context pushed, iterated until done",
                   run_fresh_context, NULL);
  bench_suite_add (suite, "reused-context", "the same with one context for every call",
                   run_reused_context, reused);
  bench_suite_add (suite, "smartasync", "sa_function_call_sync of the pair",
                   bench_run_call_sync, fn);
  bench_suite_add (suite, "smartasync-call", "sa_function_call in a sync context + call_finish",
                   bench_run_smart_call, fn);
  bench_suite_run (suite);

  bench_suite_compare (suite, "smartasync", "fresh-context", 1.1, 0.5);
  bench_suite_compare (suite, "smartasync", "reused-context", 0, 0);
  bench_suite_compare (suite, "smartasync-call", "fresh-context", 0, 0);
  bench_suite_compare (suite, "reused-context", "fresh-context", 0, 0);
  status = bench_suite_finish (suite);

  suite = bench_suite_new ("sync-async-gio", "sync caller, a real GIO pair (read_bytes of a memory stream)",
                           argc, argv, 8000, 31);
  bench_suite_add (suite, "fresh-context", "gsubprocess.c pattern around g_input_stream_read_bytes_async",
                   run_read_fresh_context, NULL);
  bench_suite_add (suite, "reused-context", "the same with one context for every call",
                   run_read_reused_context, reused);
  bench_suite_add (suite, "smartasync", "sa_function_call_sync of the pair (gsize argument: libffi)",
                   run_read_smartasync, read_bytes);
  bench_suite_run (suite);
  bench_suite_compare (suite, "smartasync", "fresh-context", 0, 0);
  bench_suite_compare (suite, "reused-context", "fresh-context", 0, 0);

  return bench_suite_finish (suite) || status;
}
