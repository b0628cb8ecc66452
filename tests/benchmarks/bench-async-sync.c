/* bench-async-sync.c: async caller, blocking callable
 *
 * Inside a running main loop, a chain of calls, each completion starting
 * the next: SaFunction's worker-thread path against a hand-written
 * g_task_run_in_thread() wrapper of the same blocking function (what a GIO
 * library writes to offer an async version of blocking code).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-common.h"

/* The hand-written wrapper */

typedef struct
{
  int a;
  int b;
} AddArgs;

static void
add_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  AddArgs *args = task_data;

  g_task_return_int (task, bench_add (args->a, args->b));
}

static void
wrapper_add_async (GObject             *owner,
                   int                  a,
                   int                  b,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AddArgs *args;

  task = g_task_new (owner, cancellable, callback, user_data);
  g_task_set_source_tag (task, wrapper_add_async);
  args = g_new (AddArgs, 1);
  args->a = a;
  args->b = b;
  g_task_set_task_data (task, args, g_free);
  g_task_run_in_thread (task, add_thread);
}

static int
wrapper_add_finish (GObject       *owner,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, owner), 0);
  g_return_val_if_fail (g_async_result_is_tagged (result, wrapper_add_async), 0);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

static void thread_chain_step (BenchChain *chain);

static void
thread_chain_done (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BenchChain *chain = user_data;
  g_autoptr(GError) error = NULL;

  chain->sum += (guint) wrapper_add_finish (chain->owner, result, &error);
  g_assert_no_error (error);
  thread_chain_step (chain);
}

static void
thread_chain_step (BenchChain *chain)
{
  if (bench_chain_done (chain))
    return;

  wrapper_add_async (chain->owner, (int) chain->next++, 1, NULL,
                     thread_chain_done, chain);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) fn = bench_function_sync ();
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  BenchChainKind thread = { fn, owner, thread_chain_step, FALSE };
  BenchChainKind smartasync = { fn, owner, bench_chain_call_async_step, FALSE };
  BenchChainKind smartasync_call = { fn, owner, bench_chain_smart_call_step, FALSE };
  BenchSuite *suite;

  suite = bench_suite_new ("async-sync", "async caller, blocking callable",
                           argc, argv, 1500, 31);
  /* The cost is mostly the hop to a worker and back: wall time. */
  bench_suite_set_clock (suite, BENCH_CLOCK_WALL);
  bench_suite_add (suite, "run-in-thread-chain", "hand-written g_task_run_in_thread wrapper, chained in a running loop",
                   bench_chain_run, &thread);
  bench_suite_add (suite, "smartasync", "sa_function_call_async + call_finish, chained",
                   bench_chain_run, &smartasync);
  bench_suite_add (suite, "smartasync-call", "sa_function_call in an async context + call_finish, chained",
                   bench_chain_run, &smartasync_call);
  bench_suite_run (suite);

  bench_suite_compare (suite, "smartasync", "run-in-thread-chain", 1.1, 0);
  bench_suite_compare (suite, "smartasync-call", "run-in-thread-chain", 0, 0);

  return bench_suite_finish (suite);
}
