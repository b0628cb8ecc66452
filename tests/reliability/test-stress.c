/* test-stress.c: many threads, many calls, deep nesting, a full pool
 *
 * One SaFunction shared by 8 threads making 10,000 calls each on every
 * path; 10,000 async calls in flight at once; more blocking calls at once
 * than GTask's pool has threads; calls nested 16 deep. Counts are scaled
 * down under valgrind (see reliability-common.h); every result is checked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "reliability-common.h"

#define N_THREADS 8
#define CALLS_PER_THREAD 10000
#define WINDOW 32

/* Time bounds, natively (rel_time_bound() scales them for valgrind and
 * ASan). Each case takes 0.2-2 s natively; one that takes 30 s has hung.
 * The explicit waits give up a little earlier than the watchdog, and the
 * rendezvous earlier still, so that a hang is reported by the most
 * specific check. */
#define CASE_BOUND_MSEC 30000
#define WAIT_BOUND_MSEC 25000
#define RENDEZVOUS_BOUND_MSEC 20000

/* Callables: a + b, with an argument object to count releases. */

static int
add_blocking (RelToken *token,
              int       a,
              int       b)
{
  g_assert_true (REL_IS_TOKEN (token));
  return a + b;
}

static void
add_async (RelToken            *token,
           int                  a,
           int                  b,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_assert_true (REL_IS_TOKEN (token));
  rel_add_async (a, b, cancellable, callback, user_data);
}

static gboolean
add_value_sync (GValue        *args,
                guint          n_args,
                GValue        *result,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  g_value_set_int (result, g_value_get_int (&args[1]) + g_value_get_int (&args[2]));
  return TRUE;
}

typedef enum
{
  PATH_DIRECT,
  PATH_PRIVATE_CONTEXT,
  PATH_WORKER_THREAD,
  PATH_ASYNC_PAIR,
  PATH_OWNER_THREAD_ASYNC,
  PATH_OWNER_THREAD_SYNC,
} StressPath;

static gboolean
path_is_async (StressPath path)
{
  return path == PATH_WORKER_THREAD || path == PATH_ASYNC_PAIR ||
         path == PATH_OWNER_THREAD_ASYNC;
}

static SaFunction *
new_function_for (StressPath path)
{
  const GType params[] = { REL_TYPE_TOKEN, G_TYPE_INT, G_TYPE_INT };

  switch (path)
    {
    case PATH_DIRECT:
    case PATH_WORKER_THREAD:
      return sa_function_new_sync ("add", G_CALLBACK (add_blocking), SA_FUNCTION_FLAGS_NONE,
                                   G_TYPE_INT, 3, REL_TYPE_TOKEN, G_TYPE_INT, G_TYPE_INT);
    case PATH_PRIVATE_CONTEXT:
    case PATH_ASYNC_PAIR:
      return sa_function_new_async ("add-pair", G_CALLBACK (add_async),
                                    G_CALLBACK (rel_add_finish), SA_FUNCTION_FLAGS_NONE,
                                    G_TYPE_INT, 3, REL_TYPE_TOKEN, G_TYPE_INT, G_TYPE_INT);
    case PATH_OWNER_THREAD_ASYNC:
    case PATH_OWNER_THREAD_SYNC:
      return sa_function_new_sync_full ("add-owned", G_TYPE_INT, params, 3,
                                        SA_FUNCTION_FLAGS_OWNER_THREAD,
                                        add_value_sync, NULL, NULL);
    default:
      g_assert_not_reached ();
    }
}

/* One caller thread */

typedef struct
{
  SaFunction   *fn;
  StressPath    path;
  guint         index;
  guint         n_calls;
  GMainContext *context;
  GMainLoop    *loop;
  guint         next;
  guint         in_flight;
  guint         completed;
  guint8       *seen;
  int           done;
} Caller;

static int
expected_sum (Caller *caller,
              guint   i)
{
  return (int) (caller->index * 1000000 + i) + (int) i;
}

static void
call_values (RelToken *token,
             int       a,
             int       b,
             GValue   *args)
{
  g_value_init (&args[0], REL_TYPE_TOKEN);
  g_value_set_object (&args[0], token);
  g_value_init (&args[1], G_TYPE_INT);
  g_value_set_int (&args[1], a);
  g_value_init (&args[2], G_TYPE_INT);
  g_value_set_int (&args[2], b);
}

static void
unset_values (GValue *args)
{
  for (guint i = 0; i < 3; i++)
    g_value_unset (&args[i]);
}

/* Sync callers */

static void
smart_call_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
sync_call (Caller *caller,
           guint   i)
{
  g_autoptr(RelToken) token = rel_token_new ();
  g_autoptr(GError) error = NULL;
  int a = (int) (caller->index * 1000000 + i);
  int out = -1;

  switch (i % 3)
    {
    case 0:
      g_assert_true (sa_function_call_sync (caller->fn, NULL, &error, token, a, (int) i, &out));
      break;
    case 1:
      {
        GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
        g_auto(GValue) result = G_VALUE_INIT;

        call_values (token, a, (int) i, args);
        g_assert_true (sa_function_call_syncv (caller->fn, args, 3, &result, NULL, &error));
        out = g_value_get_int (&result);
        unset_values (args);
      }
      break;
    case 2:
      {
        g_autoptr(GAsyncResult) returned = NULL;
        g_autoptr(GAsyncResult) delivered = NULL;
        g_auto(GValue) result = G_VALUE_INIT;

        returned = sa_function_call (caller->fn, NULL, smart_call_done, &delivered,
                                     token, a, (int) i);
        g_assert_true (returned == delivered);
        g_assert_true (sa_function_call_finish (caller->fn, returned, &result, &error));
        out = g_value_get_int (&result);
      }
      break;
    default:
      g_assert_not_reached ();
    }

  g_assert_no_error (error);
  g_assert_cmpint (out, ==, expected_sum (caller, i));
  caller->seen[i]++;
  caller->completed++;
}

/* Async callers: each thread runs its own loop, WINDOW calls in flight. */

typedef struct
{
  Caller *caller;
  guint   i;
} AsyncCall;

static void async_start_more (Caller *caller);

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncCall *call = user_data;
  Caller *caller = call->caller;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  /* In the caller's thread and context. */
  g_assert_true (g_main_context_is_owner (caller->context));
  g_assert_true (g_main_context_get_thread_default () == caller->context);

  g_assert_true (sa_function_call_finish (caller->fn, result, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, expected_sum (caller, call->i));
  caller->seen[call->i]++;
  g_free (call);

  caller->in_flight--;
  caller->completed++;
  async_start_more (caller);
  if (caller->completed == caller->n_calls)
    g_main_loop_quit (caller->loop);
}

static void
async_start_one (Caller *caller,
                 guint   i)
{
  g_autoptr(RelToken) token = rel_token_new ();
  AsyncCall *call = g_new0 (AsyncCall, 1);
  int a = (int) (caller->index * 1000000 + i);

  call->caller = caller;
  call->i = i;
  caller->in_flight++;

  switch (i % 3)
    {
    case 0:
      sa_function_call_async (caller->fn, NULL, async_done, call, token, a, (int) i);
      break;
    case 1:
      {
        GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };

        call_values (token, a, (int) i, args);
        sa_function_call_asyncv (caller->fn, args, 3, NULL, async_done, call);
        unset_values (args);
      }
      break;
    case 2:
      g_assert_true (sa_context_is_async ());
      g_object_unref (sa_function_call (caller->fn, NULL, async_done, call, token, a, (int) i));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
async_start_more (Caller *caller)
{
  while (caller->in_flight < WINDOW && caller->next < caller->n_calls)
    async_start_one (caller, caller->next++);
}

static gboolean
async_kick_off (gpointer data)
{
  async_start_more (data);
  return G_SOURCE_REMOVE;
}

static gpointer
caller_thread (gpointer data)
{
  Caller *caller = data;

  if (path_is_async (caller->path))
    {
      GSource *idle;

      caller->context = g_main_context_new ();
      caller->loop = g_main_loop_new (caller->context, FALSE);
      g_main_context_push_thread_default (caller->context);

      idle = g_idle_source_new ();
      g_source_set_callback (idle, async_kick_off, caller, NULL);
      g_source_attach (idle, caller->context);
      g_source_unref (idle);
      g_main_loop_run (caller->loop);

      g_main_context_pop_thread_default (caller->context);
      g_main_loop_unref (caller->loop);
      g_main_context_unref (caller->context);
    }
  else
    {
      for (guint i = 0; i < caller->n_calls; i++)
        sync_call (caller, i);
    }

  g_atomic_int_set (&caller->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_shared_function (gconstpointer data)
{
  StressPath path = GPOINTER_TO_INT (data);
  g_autoptr(SaFunction) fn = new_function_for (path);
  guint n_calls = rel_scaled (CALLS_PER_THREAD);
  guint alive = rel_tokens_alive ();
  Caller callers[N_THREADS];
  GThread *threads[N_THREADS];
  gint64 start = rel_now ();

  rel_watchdog_start (rel_time_bound (CASE_BOUND_MSEC));
  g_test_message ("%d threads x %u calls", N_THREADS, n_calls);

  for (guint t = 0; t < N_THREADS; t++)
    {
      callers[t] = (Caller) { fn, path, t, n_calls, };
      callers[t].seen = g_new0 (guint8, n_calls);
      threads[t] = g_thread_new ("caller", caller_thread, &callers[t]);
    }

  /* The main thread owns the owner-thread function: it runs its loop. */
  for (guint t = 0; t < N_THREADS; t++)
    {
      while (!g_atomic_int_get (&callers[t].done))
        g_main_context_iteration (NULL, TRUE);
      g_thread_join (threads[t]);
    }

  for (guint t = 0; t < N_THREADS; t++)
    {
      g_assert_cmpuint (callers[t].completed, ==, n_calls);
      for (guint i = 0; i < n_calls; i++)
        if (callers[t].seen[i] != 1)
          g_error ("thread %u call %u: seen %u times", t, i, callers[t].seen[i]);
      g_free (callers[t].seen);
    }

  g_test_message ("%u calls in %" G_GINT64_FORMAT " ms", N_THREADS * n_calls,
                  (rel_now () - start) / 1000);
  g_assert_true (rel_wait_for_tokens (alive, 10000));

  rel_watchdog_stop ();
}

/* 10,000 async calls in flight at once, on each async-caller path */

typedef struct
{
  guint8 *seen;
  guint   n_calls;
  guint   completed;
  int     all_done;
} Flood;

typedef struct
{
  Flood      *flood;
  SaFunction *fn;
  guint       i;
} FloodCall;

static void
flood_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  FloodCall *call = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (sa_function_call_finish (call->fn, result, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, (int) call->i * 3);
  call->flood->seen[call->i]++;
  if (++call->flood->completed == call->flood->n_calls)
    call->flood->all_done = 1;
  g_free (call);
}

typedef struct
{
  Flood       *flood;
  SaFunction **functions;
  guint        n_functions;
} FloodStart;

static gboolean
flood_start (gpointer data)
{
  FloodStart *start = data;
  Flood *flood = start->flood;

  for (guint i = 0; i < flood->n_calls; i++)
    {
      g_autoptr(RelToken) token = rel_token_new ();
      FloodCall *call = g_new0 (FloodCall, 1);

      call->flood = flood;
      call->fn = start->functions[i % start->n_functions];
      call->i = i;
      sa_function_call_async (call->fn, NULL, flood_done, call, token, (int) i, (int) i * 2);
    }

  /* Nothing has completed: no callback runs inside the _async calls. */
  g_assert_cmpuint (flood->completed, ==, 0);
  return G_SOURCE_REMOVE;
}

static void
test_ten_thousand_concurrent_async_calls (void)
{
  SaFunction *functions[] = {
    new_function_for (PATH_ASYNC_PAIR),
    new_function_for (PATH_WORKER_THREAD),
    new_function_for (PATH_OWNER_THREAD_ASYNC),
  };
  FloodStart start;
  Flood flood = { 0, };
  guint alive = rel_tokens_alive ();

  rel_watchdog_start (rel_time_bound (CASE_BOUND_MSEC));

  flood.n_calls = rel_scaled (10000);
  flood.seen = g_new0 (guint8, flood.n_calls);
  start = (FloodStart) { &flood, functions, G_N_ELEMENTS (functions) };
  g_test_message ("%u calls in flight", flood.n_calls);

  g_idle_add (flood_start, &start);
  g_assert_true (rel_iterate_until (NULL, &flood.all_done, rel_time_bound (WAIT_BOUND_MSEC)));

  for (guint i = 0; i < flood.n_calls; i++)
    g_assert_cmpuint (flood.seen[i], ==, 1);

  g_free (flood.seen);
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    g_object_unref (functions[i]);
  g_assert_true (rel_wait_for_tokens (alive, 10000));

  rel_watchdog_stop ();
}

/* More blocking calls at once than GTask's pool has threads (10 in
 * GLib 2.74; it grows slowly when all are busy). */

#define RENDEZVOUS_CALLS 24

typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  arrived;
  guint  timeout_msec;
} Rendezvous;

static Rendezvous rendezvous;

/* Returns how many calls were running at once when it left. */
static int
wait_for_everyone (int            n,
                   GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) rendezvous.timeout_msec * 1000;
  int seen;

  g_mutex_lock (&rendezvous.mutex);
  rendezvous.arrived++;
  g_cond_broadcast (&rendezvous.cond);
  while (rendezvous.arrived < (guint) n)
    {
      if (!g_cond_wait_until (&rendezvous.cond, &rendezvous.mutex, deadline))
        break;
    }
  seen = (int) rendezvous.arrived;
  g_mutex_unlock (&rendezvous.mutex);

  if (seen < n)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 "only %d of %d calls ran at once", seen, n);
  return seen;
}

typedef struct
{
  SaFunction *fn;
  guint       completed;
  int         all_done;
  guint       n_calls;
  int         expected;
} Gather;

static void
gather_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Gather *gather = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_auto(GValue) as_int = G_VALUE_INIT;
  gboolean ok;

  /* The error first: a rendezvous that timed out says how many came. */
  ok = sa_function_call_finish (gather->fn, result, &value, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_value_init (&as_int, G_TYPE_INT);
  g_assert_true (g_value_transform (&value, &as_int));
  g_assert_cmpint (g_value_get_int (&as_int), ==, gather->expected);
  if (++gather->completed == gather->n_calls)
    gather->all_done = 1;
}

static void
test_more_blocking_calls_than_pool_threads (void)
{
  Gather gather = { 0, };
  gint64 start = rel_now ();

  rel_watchdog_start (rel_time_bound (CASE_BOUND_MSEC));

  g_mutex_init (&rendezvous.mutex);
  g_cond_init (&rendezvous.cond);
  rendezvous.arrived = 0;
  rendezvous.timeout_msec = rel_time_bound (RENDEZVOUS_BOUND_MSEC);

  /* Each call blocks until all of them run at once: only possible if the
   * pool grows past its 10 threads rather than queueing the rest. */
  gather.fn = sa_function_new_sync ("rendezvous", G_CALLBACK (wait_for_everyone),
                                    SA_FUNCTION_FLAGS_THROWS, G_TYPE_INT, 1, G_TYPE_INT);
  gather.n_calls = RENDEZVOUS_CALLS;
  gather.expected = RENDEZVOUS_CALLS;
  for (guint i = 0; i < gather.n_calls; i++)
    sa_function_call_async (gather.fn, NULL, gather_done, &gather, RENDEZVOUS_CALLS);

  g_assert_true (rel_iterate_until (NULL, &gather.all_done, rel_time_bound (WAIT_BOUND_MSEC)));
  g_test_message ("%d blocking calls ran at once after %" G_GINT64_FORMAT " ms",
                  RENDEZVOUS_CALLS, (rel_now () - start) / 1000);

  g_object_unref (gather.fn);
  g_mutex_clear (&rendezvous.mutex);
  g_cond_clear (&rendezvous.cond);

  rel_watchdog_stop ();
}

/* Sync-over-async on every worker: 16 blocking calls, all holding a pool
 * thread at once, each read a file synchronously through
 * g_file_read_async(), which needs a pool thread of its own: 32 threads
 * from a pool of 10. */

#define FILE_READERS 16

static SaFunction *file_read;

static gssize
read_through_pair (GFile   *file,
                   GError **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  char buffer[64];

  g_assert_false (sa_context_is_async ());

  /* All readers hold a pool thread before any reads: the reads' own
   * threads must come on top. */
  if (wait_for_everyone (FILE_READERS, error) < FILE_READERS)
    return -1;
  if (!sa_function_call_sync (file_read, NULL, error, file, G_PRIORITY_DEFAULT, &stream))
    return -1;
  return g_input_stream_read (G_INPUT_STREAM (stream), buffer, sizeof buffer, NULL, error);
}

static void
test_sync_over_async_on_every_worker (void)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileIOStream) io = NULL;
  Gather gather = { 0, };
  gint64 start = rel_now ();

  rel_watchdog_start (rel_time_bound (CASE_BOUND_MSEC));

  g_mutex_init (&rendezvous.mutex);
  g_cond_init (&rendezvous.cond);
  rendezvous.arrived = 0;
  rendezvous.timeout_msec = rel_time_bound (RENDEZVOUS_BOUND_MSEC);

  file = g_file_new_tmp ("sa-stress-XXXXXX", &io, NULL);
  g_assert_nonnull (file);
  g_assert_true (g_file_replace_contents (file, "twelve bytes", 12, NULL, FALSE,
                                          G_FILE_CREATE_NONE, NULL, NULL, NULL));

  file_read = sa_function_new_async ("g_file_read", G_CALLBACK (g_file_read_async),
                                     G_CALLBACK (g_file_read_finish),
                                     SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                     G_TYPE_FILE_INPUT_STREAM, 2, G_TYPE_FILE, G_TYPE_INT);
  gather.fn = sa_function_new_sync ("read-through-pair", G_CALLBACK (read_through_pair),
                                    SA_FUNCTION_FLAGS_THROWS, G_TYPE_LONG, 1, G_TYPE_FILE);
  gather.n_calls = FILE_READERS;
  gather.expected = 12;
  for (guint i = 0; i < gather.n_calls; i++)
    sa_function_call_async (gather.fn, NULL, gather_done, &gather, file);

  g_assert_true (rel_iterate_until (NULL, &gather.all_done, rel_time_bound (WAIT_BOUND_MSEC)));
  g_test_message ("%d sync-over-async calls on workers took %" G_GINT64_FORMAT " ms",
                  FILE_READERS, (rel_now () - start) / 1000);

  g_file_delete (file, NULL, NULL);
  g_clear_object (&gather.fn);
  g_clear_object (&file_read);
  g_mutex_clear (&rendezvous.mutex);
  g_cond_clear (&rendezvous.cond);

  rel_watchdog_stop ();
}

/* Nesting 16 deep */

#define DEPTH 16

static SaFunction *nest_pair;
static SaFunction *nest_blocking;
static int deepest_main_depth;

/* Level k, async: a pair completing from an idle in the thread-default
 * context it was started in. In that idle (an async context) it calls the
 * blocking level k - 1 with the smart call, which sends it to a worker. */

typedef struct
{
  GTask *task;
  int    depth;
} NestStep;

static void
nest_child_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error))
    g_task_return_int (task, g_value_get_int (&value) + 1);
  else
    g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
}

static gboolean
nest_pair_step (gpointer data)
{
  NestStep *step = data;

  g_assert_true (sa_context_is_async ());
  deepest_main_depth = MAX (deepest_main_depth, g_main_depth ());

  if (step->depth == 0)
    g_task_return_int (step->task, 0);
  else
    g_object_unref (sa_function_call (nest_blocking, NULL, nest_child_done,
                                      g_object_ref (step->task), step->depth - 1));
  g_object_unref (step->task);
  g_free (step);
  return G_SOURCE_REMOVE;
}

static void
nest_async (int                  depth,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  NestStep *step = g_new0 (NestStep, 1);
  GSource *idle = g_idle_source_new ();

  step->task = g_task_new (NULL, cancellable, callback, user_data);
  step->depth = depth;
  g_source_set_callback (idle, nest_pair_step, step, NULL);
  g_source_attach (idle, g_main_context_get_thread_default ());
  g_source_unref (idle);
}

static int
nest_finish (GAsyncResult  *result,
             GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* Level k, sync: a blocking function (on a worker, a sync context) that
 * calls the pair at level k - 1, which takes a private context. */
static int
nest_blocking_func (int      depth,
                    GError **error)
{
  int out = -1;

  g_assert_false (sa_context_is_async ());
  if (depth == 0)
    return 0;
  if (!sa_function_call_sync (nest_pair, NULL, error, depth - 1, &out))
    return -1;
  return out + 1;
}

static void
test_nesting_across_threads (void)
{
  g_autoptr(GError) error = NULL;
  int out = -1;

  rel_watchdog_start (rel_time_bound (CASE_BOUND_MSEC));

  nest_pair = sa_function_new_async ("nest-pair", G_CALLBACK (nest_async),
                                     G_CALLBACK (nest_finish), SA_FUNCTION_FLAGS_NONE,
                                     G_TYPE_INT, 1, G_TYPE_INT);
  nest_blocking = sa_function_new_sync ("nest-blocking", G_CALLBACK (nest_blocking_func),
                                        SA_FUNCTION_FLAGS_THROWS, G_TYPE_INT, 1, G_TYPE_INT);

  /* sync (here) > async (private context) > sync (worker) > async ... */
  g_assert_true (sa_function_call_sync (nest_pair, NULL, &error, DEPTH, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, DEPTH);

  g_clear_object (&nest_pair);
  g_clear_object (&nest_blocking);

  rel_watchdog_stop ();
}

/* The same on one thread: each level's pair, in its idle (an async
 * context: the private context of the level above), makes an explicit
 * sync call of the next level, which nests a private context inside. */

static SaFunction *nest_here;

static gboolean
nest_here_step (gpointer data)
{
  NestStep *step = data;
  g_autoptr(GError) error = NULL;
  int out = -1;

  g_assert_true (sa_context_is_async ());
  deepest_main_depth = MAX (deepest_main_depth, g_main_depth ());

  if (step->depth == 0)
    g_task_return_int (step->task, 0);
  else if (sa_function_call_sync (nest_here, NULL, &error, step->depth - 1, &out))
    g_task_return_int (step->task, out + 1);
  else
    g_task_return_error (step->task, g_steal_pointer (&error));

  g_object_unref (step->task);
  g_free (step);
  return G_SOURCE_REMOVE;
}

static void
nest_here_async (int                  depth,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  NestStep *step = g_new0 (NestStep, 1);
  GSource *idle = g_idle_source_new ();

  step->task = g_task_new (NULL, cancellable, callback, user_data);
  step->depth = depth;
  g_source_set_callback (idle, nest_here_step, step, NULL);
  g_source_attach (idle, g_main_context_get_thread_default ());
  g_source_unref (idle);
}

static void
outer_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  int *out = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error));
  g_assert_no_error (error);
  *out = g_value_get_int (&value);
}

static void
test_nesting_on_one_thread (void)
{
  g_autoptr(GError) error = NULL;
  int out = -1;

  rel_watchdog_start (rel_time_bound (CASE_BOUND_MSEC));

  nest_here = sa_function_new_async ("nest-here", G_CALLBACK (nest_here_async),
                                     G_CALLBACK (nest_finish), SA_FUNCTION_FLAGS_NONE,
                                     G_TYPE_INT, 1, G_TYPE_INT);

  /* From plain code... */
  deepest_main_depth = 0;
  g_assert_true (sa_function_call_sync (nest_here, NULL, &error, DEPTH, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, DEPTH);
  g_assert_cmpint (deepest_main_depth, ==, DEPTH + 1);

  /* ...and from an async caller on the main loop, whose context the
   * nested levels never dispatch. */
  out = -1;
  sa_function_call_async (nest_here, NULL, outer_done, &out, DEPTH);
  while (out == -1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (out, ==, DEPTH);

  g_clear_object (&nest_here);

  rel_watchdog_stop ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/reliability/stress/eight-threads-share-a-function/direct-call",
                        GINT_TO_POINTER (PATH_DIRECT), test_shared_function);
  g_test_add_data_func ("/reliability/stress/eight-threads-share-a-function/private-context",
                        GINT_TO_POINTER (PATH_PRIVATE_CONTEXT), test_shared_function);
  g_test_add_data_func ("/reliability/stress/eight-threads-share-a-function/worker-thread",
                        GINT_TO_POINTER (PATH_WORKER_THREAD), test_shared_function);
  g_test_add_data_func ("/reliability/stress/eight-threads-share-a-function/async-pair",
                        GINT_TO_POINTER (PATH_ASYNC_PAIR), test_shared_function);
  g_test_add_data_func ("/reliability/stress/eight-threads-share-a-function/owner-thread-async-callers",
                        GINT_TO_POINTER (PATH_OWNER_THREAD_ASYNC), test_shared_function);
  g_test_add_data_func ("/reliability/stress/eight-threads-share-a-function/owner-thread-sync-callers",
                        GINT_TO_POINTER (PATH_OWNER_THREAD_SYNC), test_shared_function);
  g_test_add_func ("/reliability/stress/ten-thousand-async-calls-in-flight",
                   test_ten_thousand_concurrent_async_calls);
  g_test_add_func ("/reliability/stress/more-blocking-calls-than-pool-threads",
                   test_more_blocking_calls_than_pool_threads);
  g_test_add_func ("/reliability/stress/sync-over-async-on-every-worker",
                   test_sync_over_async_on_every_worker);
  g_test_add_func ("/reliability/stress/nesting-sixteen-deep-across-threads",
                   test_nesting_across_threads);
  g_test_add_func ("/reliability/stress/nesting-sixteen-deep-on-one-thread",
                   test_nesting_on_one_thread);

  return g_test_run ();
}
