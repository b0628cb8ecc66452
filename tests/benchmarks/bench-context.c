/* bench-context.c: the context detection alone
 *
 * sa_context_is_async() is computed on every smart call and never cached.
 * Measured in a sync context (plain code, no loop) and in an async context
 * (inside a source callback of the running default loop), against the
 * same test written out by hand, against the rougher rule of issue 2
 * (dispatching, thread-default context owned), and against g_main_depth()
 * alone, the cheapest thing that could tell anything.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-common.h"

static guint64
run_smartasync (gpointer data,
                guint64  n)
{
  guint64 count = 0;

  for (guint64 i = 0; i < n; i++)
    count += sa_context_is_async ();

  return count;
}

static guint64
run_by_hand (gpointer data,
             guint64  n)
{
  guint64 count = 0;

  for (guint64 i = 0; i < n; i++)
    {
      GMainContext *thread_default;

      if (g_main_depth () == 0 || g_main_current_source () == NULL)
        continue;
      thread_default = g_main_context_get_thread_default ();
      if (thread_default == NULL)
        thread_default = g_main_context_default ();
      count += g_source_get_context (g_main_current_source ()) == thread_default;
    }

  return count;
}

/* The rougher rule: dispatching, and the thread-default context owned. */
static guint64
run_depth_and_owner (gpointer data,
                     guint64  n)
{
  guint64 count = 0;

  for (guint64 i = 0; i < n; i++)
    count += g_main_depth () > 0 &&
             g_main_context_is_owner (g_main_context_get_thread_default ());

  return count;
}

static guint64
run_main_depth (gpointer data,
                guint64  n)
{
  guint64 count = 0;

  for (guint64 i = 0; i < n; i++)
    count += g_main_depth () > 0;

  return count;
}

/* The same loops, run from inside a dispatch of the default context. */
typedef struct
{
  BenchRunFunc func;
  guint64      n;
  guint64      result;
  GMainLoop   *loop;
} InLoop;

static gboolean
run_in_loop_cb (gpointer user_data)
{
  InLoop *in_loop = user_data;

  in_loop->result = in_loop->func (NULL, in_loop->n);
  g_main_loop_quit (in_loop->loop);

  return G_SOURCE_REMOVE;
}

static guint64
run_in_loop (gpointer data,
             guint64  n)
{
  InLoop in_loop = { (BenchRunFunc) data, n, 0, NULL };

  in_loop.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (run_in_loop_cb, &in_loop);
  g_main_loop_run (in_loop.loop);
  g_main_loop_unref (in_loop.loop);

  if (in_loop.result != n)
    g_error ("Not seen as an async context inside the loop");

  return in_loop.result;
}

int
main (int    argc,
      char **argv)
{
  BenchSuite *suite;
  int status;

  suite = bench_suite_new ("context-sync", "context detection in a sync context",
                           argc, argv, 700000, 31);
  bench_suite_add (suite, "smartasync", "sa_context_is_async (), no loop running",
                   run_smartasync, NULL);
  bench_suite_add (suite, "by-hand", "the same test written out: g_main_depth () > 0, then the current source's context against the thread default",
                   run_by_hand, NULL);
  bench_suite_add (suite, "depth-and-owner", "g_main_depth () > 0 && g_main_context_is_owner (thread default)",
                   run_depth_and_owner, NULL);
  bench_suite_add (suite, "main-depth", "g_main_depth () > 0 alone",
                   run_main_depth, NULL);
  bench_suite_run (suite);
  bench_suite_compare (suite, "smartasync", "by-hand", 0, 0);
  bench_suite_compare (suite, "smartasync", "depth-and-owner", 0, 0);
  bench_suite_compare (suite, "smartasync", "main-depth", 0, 0);
  status = bench_suite_finish (suite);

  suite = bench_suite_new ("context-async", "context detection in an async context",
                           argc, argv, 700000, 31);
  bench_suite_add (suite, "smartasync", "sa_context_is_async () in a source callback",
                   run_in_loop, (gpointer) run_smartasync);
  bench_suite_add (suite, "by-hand", "the same test written out, in a source callback",
                   run_in_loop, (gpointer) run_by_hand);
  bench_suite_add (suite, "depth-and-owner", "g_main_depth () > 0 && g_main_context_is_owner (thread default), in a source callback",
                   run_in_loop, (gpointer) run_depth_and_owner);
  bench_suite_add (suite, "main-depth", "g_main_depth () > 0 alone, in a source callback",
                   run_in_loop, (gpointer) run_main_depth);
  bench_suite_run (suite);
  bench_suite_compare (suite, "smartasync", "by-hand", 0, 0);
  bench_suite_compare (suite, "smartasync", "depth-and-owner", 0, 0);
  bench_suite_compare (suite, "smartasync", "main-depth", 0, 0);

  return bench_suite_finish (suite) || status;
}
