/* bench-async-async.c: async caller, async pair
 *
 * Inside a running main loop, a chain of calls, each completion starting
 * the next: SaFunction's async-pair path against a hand-written GTask
 * wrapper of the same pair (what a GIO library writes to wrap one async
 * function in another).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-common.h"

/* The hand-written wrapper */

static void
wrapper_add_async (GObject             *owner,
                   int                  a,
                   int                  b,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task;

  task = g_task_new (owner, cancellable, callback, user_data);
  g_task_set_source_tag (task, wrapper_add_async);
  bench_add_async (a, b, cancellable, bench_wrapper_add_done, task);
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

static void gtask_chain_step (BenchChain *chain);

static void
gtask_chain_done (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BenchChain *chain = user_data;
  g_autoptr(GError) error = NULL;

  chain->sum += (guint) wrapper_add_finish (chain->owner, result, &error);
  g_assert_no_error (error);
  gtask_chain_step (chain);
}

static void
gtask_chain_step (BenchChain *chain)
{
  if (bench_chain_done (chain))
    return;

  wrapper_add_async (chain->owner, (int) chain->next++, 1, NULL,
                     gtask_chain_done, chain);
}

/* The same with a real GIO pair: one byte from a memory stream. */

static void
wrapper_read_done (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GBytes *bytes;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source_object), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
wrapper_read_async (GObject             *owner,
                    GInputStream        *stream,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;

  task = g_task_new (owner, cancellable, callback, user_data);
  g_task_set_source_tag (task, wrapper_read_async);
  g_input_stream_read_bytes_async (stream, 1, G_PRIORITY_DEFAULT, cancellable,
                                   wrapper_read_done, task);
}

static GBytes *
wrapper_read_finish (GObject       *owner,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, owner), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wrapper_read_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void gtask_read_chain_step (BenchChain *chain);

static void
gtask_read_chain_done (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  BenchChain *chain = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = wrapper_read_finish (chain->owner, result, &error);
  g_assert_no_error (error);
  chain->sum += bench_bytes_sum (bytes);
  gtask_read_chain_step (chain);
}

static void
gtask_read_chain_step (BenchChain *chain)
{
  if (bench_chain_done (chain))
    return;

  chain->next++;
  wrapper_read_async (chain->owner, chain->stream, NULL, gtask_read_chain_done, chain);
}

static void smartasync_read_chain_step (BenchChain *chain);

static void
smartasync_read_chain_done (GObject      *source_object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  BenchChain *chain = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (!sa_function_call_finish (chain->fn, result, &value, &error))
    g_error ("call_async failed: %s", error->message);
  chain->sum += bench_bytes_sum (g_value_get_boxed (&value));
  smartasync_read_chain_step (chain);
}

static void
smartasync_read_chain_step (BenchChain *chain)
{
  if (bench_chain_done (chain))
    return;

  chain->next++;
  sa_function_call_async (chain->fn, NULL, smartasync_read_chain_done, chain,
                          chain->stream, (gulong) 1, G_PRIORITY_DEFAULT);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) fn = bench_function_async ();
  g_autoptr(SaFunction) read_bytes = bench_function_read_bytes ();
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  BenchChainKind gtask = { fn, owner, gtask_chain_step, FALSE };
  BenchChainKind smartasync = { fn, owner, bench_chain_call_async_step, FALSE };
  BenchChainKind smartasync_call = { fn, owner, bench_chain_smart_call_step, FALSE };
  BenchChainKind gtask_read = { read_bytes, owner, gtask_read_chain_step, TRUE };
  BenchChainKind smartasync_read = { read_bytes, owner, smartasync_read_chain_step, TRUE };
  BenchSuite *suite;
  int status;

  suite = bench_suite_new ("async-async", "async caller, async pair",
                           argc, argv, 20000, 31);
  bench_suite_add (suite, "gtask-chain", "hand-written GTask wrapper of the pair, chained in a running loop",
                   bench_chain_run, &gtask);
  bench_suite_add (suite, "smartasync", "sa_function_call_async + call_finish, chained",
                   bench_chain_run, &smartasync);
  bench_suite_add (suite, "smartasync-call", "sa_function_call in an async context + call_finish, chained",
                   bench_chain_run, &smartasync_call);
  bench_suite_run (suite);

  bench_suite_compare (suite, "smartasync", "gtask-chain", 1.2, 0);
  bench_suite_compare (suite, "smartasync-call", "gtask-chain", 0, 0);
  status = bench_suite_finish (suite);

  suite = bench_suite_new ("async-async-gio", "async caller, a real GIO pair (read_bytes of a memory stream)",
                           argc, argv, 20000, 31);
  bench_suite_add (suite, "gtask-chain", "hand-written GTask wrapper of g_input_stream_read_bytes_async, chained",
                   bench_chain_run, &gtask_read);
  bench_suite_add (suite, "smartasync", "sa_function_call_async of the pair (gsize argument: libffi), chained",
                   bench_chain_run, &smartasync_read);
  bench_suite_run (suite);
  bench_suite_compare (suite, "smartasync", "gtask-chain", 0, 0);

  return bench_suite_finish (suite) || status;
}
