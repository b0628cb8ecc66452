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

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) fn = bench_function_sync ();
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  BenchChainKind thread = { fn, owner, bench_chain_thread_step, FALSE };
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
