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

typedef struct _Chain Chain;
struct _Chain
{
  GMainLoop  *loop;
  SaFunction *fn;
  GObject    *owner;
  void      (*step) (Chain *chain);
  GInputStream *stream;
  guint64     next;
  guint64     n;
  guint64     sum;
};

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

static void gtask_chain_step (Chain *chain);

static void
gtask_chain_done (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Chain *chain = user_data;
  g_autoptr(GError) error = NULL;

  chain->sum += (guint) wrapper_add_finish (chain->owner, result, &error);
  g_assert_no_error (error);
  gtask_chain_step (chain);
}

static void
gtask_chain_step (Chain *chain)
{
  if (chain->next == chain->n)
    {
      g_main_loop_quit (chain->loop);
      return;
    }

  wrapper_add_async (chain->owner, (int) chain->next++, 1, NULL,
                     gtask_chain_done, chain);
}

/* SaFunction */

static void smartasync_chain_step (Chain *chain);

static void
smartasync_chain_done (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Chain *chain = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (!sa_function_call_finish (chain->fn, result, &value, &error))
    g_error ("call_async failed: %s", error->message);
  chain->sum += (guint) g_value_get_int (&value);
  smartasync_chain_step (chain);
}

static void
smartasync_chain_step (Chain *chain)
{
  if (chain->next == chain->n)
    {
      g_main_loop_quit (chain->loop);
      return;
    }

  sa_function_call_async (chain->fn, NULL, smartasync_chain_done, chain,
                          (int) chain->next++, 1);
}

/* The smart call, deciding from the context on every call. */
static void smartasync_call_chain_step (Chain *chain);

static void
smartasync_call_chain_done (GObject      *source_object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  Chain *chain = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (!sa_function_call_finish (chain->fn, result, &value, &error))
    g_error ("call failed: %s", error->message);
  chain->sum += (guint) g_value_get_int (&value);
  smartasync_call_chain_step (chain);
}

static void
smartasync_call_chain_step (Chain *chain)
{
  if (chain->next == chain->n)
    {
      g_main_loop_quit (chain->loop);
      return;
    }

  g_object_unref (sa_function_call (chain->fn, NULL, smartasync_call_chain_done,
                                    chain, (int) chain->next++, 1));
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

static void gtask_read_chain_step (Chain *chain);

static void
gtask_read_chain_done (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Chain *chain = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = wrapper_read_finish (chain->owner, result, &error);
  g_assert_no_error (error);
  chain->sum += bench_bytes_sum (bytes);
  gtask_read_chain_step (chain);
}

static void
gtask_read_chain_step (Chain *chain)
{
  if (chain->next == chain->n)
    {
      g_main_loop_quit (chain->loop);
      return;
    }

  chain->next++;
  wrapper_read_async (chain->owner, chain->stream, NULL, gtask_read_chain_done, chain);
}

static void smartasync_read_chain_step (Chain *chain);

static void
smartasync_read_chain_done (GObject      *source_object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  Chain *chain = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (!sa_function_call_finish (chain->fn, result, &value, &error))
    g_error ("call_async failed: %s", error->message);
  chain->sum += bench_bytes_sum (g_value_get_boxed (&value));
  smartasync_read_chain_step (chain);
}

static void
smartasync_read_chain_step (Chain *chain)
{
  if (chain->next == chain->n)
    {
      g_main_loop_quit (chain->loop);
      return;
    }

  chain->next++;
  sa_function_call_async (chain->fn, NULL, smartasync_read_chain_done, chain,
                          chain->stream, (gulong) 1, G_PRIORITY_DEFAULT);
}

typedef struct
{
  SaFunction *fn;
  GObject    *owner;
  void      (*step) (Chain *chain);
  gboolean    reads;
} ChainKind;

static gboolean
start_chain (gpointer user_data)
{
  Chain *chain = user_data;

  chain->step (chain);
  return G_SOURCE_REMOVE;
}

static guint64
run_chain (gpointer data,
           guint64  n)
{
  const ChainKind *kind = data;
  Chain chain = { 0 };

  chain.loop = g_main_loop_new (NULL, FALSE);
  chain.fn = kind->fn;
  chain.owner = kind->owner;
  chain.step = kind->step;
  chain.n = n;
  if (kind->reads)
    chain.stream = bench_stream_new (n);

  /* Start from inside the loop: an async context. */
  g_idle_add (start_chain, &chain);
  g_main_loop_run (chain.loop);
  g_main_loop_unref (chain.loop);
  g_clear_object (&chain.stream);

  g_assert_cmpuint (chain.next, ==, n);
  return chain.sum;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) fn = bench_function_async ();
  g_autoptr(SaFunction) read_bytes = bench_function_read_bytes ();
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  ChainKind gtask = { fn, owner, gtask_chain_step, FALSE };
  ChainKind smartasync = { fn, owner, smartasync_chain_step, FALSE };
  ChainKind smartasync_call = { fn, owner, smartasync_call_chain_step, FALSE };
  ChainKind gtask_read = { read_bytes, owner, gtask_read_chain_step, TRUE };
  ChainKind smartasync_read = { read_bytes, owner, smartasync_read_chain_step, TRUE };
  BenchSuite *suite;
  int status;

  suite = bench_suite_new ("async-async", "async caller, async pair",
                           argc, argv, 20000, 31);
  bench_suite_add (suite, "gtask-chain", "hand-written GTask wrapper of the pair, chained in a running loop",
                   run_chain, &gtask);
  bench_suite_add (suite, "smartasync", "sa_function_call_async + call_finish, chained",
                   run_chain, &smartasync);
  bench_suite_add (suite, "smartasync-call", "sa_function_call in an async context + call_finish, chained",
                   run_chain, &smartasync_call);
  bench_suite_run (suite);

  bench_suite_compare (suite, "smartasync", "gtask-chain", 1.2, 0);
  bench_suite_compare (suite, "smartasync-call", "gtask-chain", 0, 0);
  status = bench_suite_finish (suite);

  suite = bench_suite_new ("async-async-gio", "async caller, a real GIO pair (read_bytes of a memory stream)",
                           argc, argv, 20000, 31);
  bench_suite_add (suite, "gtask-chain", "hand-written GTask wrapper of g_input_stream_read_bytes_async, chained",
                   run_chain, &gtask_read);
  bench_suite_add (suite, "smartasync", "sa_function_call_async of the pair (gsize argument: libffi), chained",
                   run_chain, &smartasync_read);
  bench_suite_run (suite);
  bench_suite_compare (suite, "smartasync", "gtask-chain", 0, 0);

  return bench_suite_finish (suite) || status;
}
