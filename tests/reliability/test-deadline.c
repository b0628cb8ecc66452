/* test-deadline.c: sync callers that would wait forever
 *
 * A deadline (the function's timeout property, or per call) ends a sync
 * call of an async pair that never completes, or that waits for the
 * caller's own blocked main loop (the deadlock of sync-over-async), with
 * G_IO_ERROR_TIMED_OUT; the pair is cancelled, a late completion is dropped
 * and everything the call held is released.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "reliability-common.h"

/* Generous upper bounds: valgrind and a loaded CI machine are slow. */
#define LATE_MSEC 3000
#define RELEASE_MSEC 10000

/* A pair that never completes by itself and ignores cancellation. The
 * test completes the held tasks much later, as a stuck peer might. */

static GPtrArray *held_tasks;
static GPtrArray *held_cancellables;

static void
never_async (RelToken            *token,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, never_async);
  g_ptr_array_add (held_tasks, task);
  g_ptr_array_add (held_cancellables, cancellable ? g_object_ref (cancellable) : NULL);
}

static void
unref_if_set (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static int
int_task_finish (GAsyncResult  *result,
                 GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

static void
complete_held_tasks (void)
{
  for (guint i = 0; i < held_tasks->len; i++)
    g_task_return_int (held_tasks->pdata[i], 99);
  g_ptr_array_set_size (held_tasks, 0);
  g_ptr_array_set_size (held_cancellables, 0);
}

/* The deadlock: the pair completes from an idle on the global default
 * context, which is the caller's own main loop, blocked in the sync call.
 * With @cooperative it also completes as soon as it is cancelled. */

typedef struct
{
  GTask  *task;
  gulong  cancelled_id;
  int     returned;
} LoopPair;

static void
loop_pair_free (LoopPair *pair)
{
  g_object_unref (pair->task);
  g_free (pair);
}

static gboolean
loop_pair_complete (gpointer data)
{
  LoopPair *pair = data;

  if (g_atomic_int_compare_and_exchange (&pair->returned, 0, 1))
    g_task_return_int (pair->task, 42);
  return G_SOURCE_REMOVE;
}

static void
loop_pair_cancelled (GCancellable *cancellable,
                     LoopPair     *pair)
{
  if (g_atomic_int_compare_and_exchange (&pair->returned, 0, 1))
    g_task_return_error_if_cancelled (pair->task);
}

/* Not g_idle_add() nor g_main_context_invoke(): the latter would run at
 * once on the main thread, which owns the default context while its loop
 * dispatches. */
static void
idle_on_default_context (GSourceFunc    func,
                         gpointer       data,
                         GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, g_main_context_default ());
  g_source_unref (source);
}

static void
deadlock_async (RelToken            *token,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  LoopPair *pair = g_new0 (LoopPair, 1);

  pair->task = g_task_new (NULL, cancellable, callback, user_data);
  idle_on_default_context (loop_pair_complete, pair, (GDestroyNotify) loop_pair_free);
}

static GPtrArray *cooperative_pairs;

static void
deadlock_cooperative_async (RelToken            *token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  LoopPair *pair = g_new0 (LoopPair, 1);

  pair->task = g_task_new (NULL, cancellable, callback, user_data);
  pair->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (loop_pair_cancelled),
                                              pair, NULL);
  g_ptr_array_add (cooperative_pairs, pair);
  idle_on_default_context (loop_pair_complete, pair, NULL);
}

static void
free_cooperative_pairs (void)
{
  for (guint i = 0; i < cooperative_pairs->len; i++)
    {
      LoopPair *pair = cooperative_pairs->pdata[i];

      g_cancellable_disconnect (g_task_get_cancellable (pair->task), pair->cancelled_id);
      loop_pair_free (pair);
    }
  g_ptr_array_set_size (cooperative_pairs, 0);
}

/* A cooperative pair that is only late: a worker thread that notices
 * cancellation within a few milliseconds, returning through a GTask to the
 * context that started it, after the caller has already given up. */

static void
slow_thread_func (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  for (guint i = 0; i < 400; i++)
    {
      if (g_task_return_error_if_cancelled (task))
        return;
      g_usleep (5000);
    }
  g_task_return_int (task, 7);
}

static void
slow_thread_async (RelToken            *token,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, slow_thread_async);
  g_task_run_in_thread (task, slow_thread_func);
}

/* A pair that completes after 30 ms, on a worker thread. */
static void
short_thread_func (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_usleep (30000);
  g_task_return_int (task, 7);
}

static void
short_thread_async (RelToken            *token,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_run_in_thread (task, short_thread_func);
}

static SaFunction *
new_token_pair (const char *name,
                GCallback   async_func)
{
  return sa_function_new_async (name, async_func, G_CALLBACK (int_task_finish),
                                SA_FUNCTION_FLAGS_NONE, G_TYPE_INT, 1, REL_TYPE_TOKEN);
}

static GValue *
token_args (RelToken *token)
{
  GValue *args = g_new0 (GValue, 1);

  g_value_init (args, REL_TYPE_TOKEN);
  g_value_set_object (args, token);
  return args;
}

static void
free_args (GValue *args)
{
  g_value_unset (args);
  g_free (args);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GValue, free_args)

static void
assert_returned_at (gint64 start,
                    gint64 end,
                    guint  timeout_msec)
{
  gint64 elapsed_msec = (end - start) / 1000;

  g_test_message ("deadline %u ms, returned after %" G_GINT64_FORMAT " ms",
                  timeout_msec, elapsed_msec);
  g_assert_cmpint (elapsed_msec, >=, timeout_msec);
  g_assert_cmpint (elapsed_msec, <, timeout_msec + LATE_MSEC);
}

static void
assert_elapsed (gint64 start,
                guint  timeout_msec)
{
  assert_returned_at (start, rel_now (), timeout_msec);
}

/* Tests */

static void
test_pair_that_never_completes_times_out (void)
{
  g_autoptr(SaFunction) fn = new_token_pair ("never", G_CALLBACK (never_async));
  guint alive = rel_tokens_alive ();
  g_autoptr(GError) error = NULL;
  g_auto(GValue) result = G_VALUE_INIT;
  gint64 start;

  {
    g_autoptr(RelToken) token = rel_token_new ();
    g_autoptr(GValue) args = token_args (token);

    start = rel_now ();
    g_assert_false (sa_function_call_syncv_with_timeout (fn, args, 1, 100, &result,
                                                         NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_assert_nonnull (strstr (error->message, "“never”"));
    g_assert_true (G_VALUE_HOLDS_INT (&result));
    assert_elapsed (start, 100);
  }

  /* The pair was told to stop. */
  g_assert_cmpuint (held_tasks->len, ==, 1);
  g_assert_true (g_cancellable_is_cancelled (held_cancellables->pdata[0]));

  /* Until the pair lets go, it holds the call and its arguments... */
  g_assert_cmpuint (rel_tokens_alive (), ==, alive + 1);

  /* ...and when it completes, much later, that completion is dropped and
   * the call released. */
  complete_held_tasks ();
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC));
}

static void
count_callback (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  int *callbacks = user_data;

  (*callbacks)++;
}

static void
test_function_timeout_applies_to_every_sync_entry_point (void)
{
  g_autoptr(SaFunction) fn = new_token_pair ("never", G_CALLBACK (never_async));
  guint alive = rel_tokens_alive ();
  g_autoptr(RelToken) token = rel_token_new ();

  sa_function_set_timeout (fn, 50);

  for (guint entry = 0; entry < 3; entry++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GValue) args = token_args (token);
      gint64 start = rel_now ();
      int out = -1;
      int callbacks = 0;

      switch (entry)
        {
        case 0:
          g_assert_false (sa_function_call_sync (fn, NULL, &error, token, &out));
          g_assert_cmpint (out, ==, 0);
          break;
        case 1:
          g_assert_false (sa_function_call_syncv (fn, args, 1, NULL, NULL, &error));
          break;
        case 2:
          /* The smart call in a sync context: its callback has run, once,
           * with the timed-out result, before it returns. */
          result = sa_function_call (fn, NULL, count_callback, &callbacks, token);
          g_assert_cmpint (callbacks, ==, 1);
          g_assert_false (sa_function_call_finish (fn, result, NULL, &error));
          break;
        default:
          g_assert_not_reached ();
        }

      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      assert_elapsed (start, 50);

      /* Each entry point told its pair to stop. */
      g_assert_cmpuint (held_cancellables->len, ==, entry + 1);
      g_assert_true (g_cancellable_is_cancelled (held_cancellables->pdata[entry]));

      /* Nothing calls back later: exactly once. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_cmpint (callbacks, ==, entry == 2 ? 1 : 0);
    }

  g_assert_cmpuint (held_tasks->len, ==, 3);
  complete_held_tasks ();
  g_clear_object (&token);
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC));
}

static void
test_per_call_deadline_overrides_the_function_timeout (void)
{
  g_autoptr(SaFunction) never = new_token_pair ("never", G_CALLBACK (never_async));
  g_autoptr(SaFunction) short_pair = new_token_pair ("short", G_CALLBACK (short_thread_async));
  g_autoptr(RelToken) token = rel_token_new ();
  guint alive = rel_tokens_alive ();
  g_autoptr(GError) error = NULL;
  gint64 start;
  int out = -1;

  /* No deadline on the function, one on the call: a C caller sharing the
   * function with other threads cannot set the property for itself. */
  start = rel_now ();
  g_assert_false (sa_function_call_sync_with_timeout (never, 50, NULL, &error, token, &out));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (out, ==, 0);
  assert_elapsed (start, 50);
  g_assert_cmpuint (held_cancellables->len, ==, 1);
  g_assert_true (g_cancellable_is_cancelled (held_cancellables->pdata[0]));
  g_clear_error (&error);

  /* A function deadline that would fire, overridden by a longer one, and
   * by none at all. */
  sa_function_set_timeout (short_pair, 1);
  g_assert_true (sa_function_call_sync_with_timeout (short_pair, 10000, NULL, &error,
                                                     token, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 7);
  out = -1;
  g_assert_true (sa_function_call_sync_with_timeout (short_pair, -1, NULL, &error,
                                                     token, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 7);

  /* The function's own deadline still applies to the other entry points. */
  g_assert_false (sa_function_call_sync (short_pair, NULL, &error, token, &out));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

  complete_held_tasks ();
  g_clear_object (&token);
  g_assert_true (rel_wait_for_tokens (alive - 1, RELEASE_MSEC));
}

typedef struct
{
  SaFunction *fn;
  GMainLoop  *loop;
  GError     *error;
  gint64      start;
  gint64      returned;
  int         out;
  gboolean    pair_completed;
} DeadlockData;

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gboolean
sync_call_inside_loop (gpointer user_data)
{
  DeadlockData *data = user_data;
  g_autoptr(RelToken) token = rel_token_new ();

  /* An async context: a GTK handler, say, that calls sync code. */
  g_assert_true (sa_context_is_async ());
  data->start = rel_now ();
  sa_function_call_sync (data->fn, NULL, &data->error, token, &data->out);
  data->returned = rel_now ();
  if (cooperative_pairs->len > 0)
    {
      LoopPair *pair = g_ptr_array_index (cooperative_pairs, cooperative_pairs->len - 1);

      data->pair_completed = g_task_get_completed (pair->task);
    }

  /* The loop goes on, now free to run what the pair was waiting for. */
  g_timeout_add (50, quit_loop, data->loop);
  return G_SOURCE_REMOVE;
}

/* Returns whether the pair had completed when the sync call returned. */
static gboolean
run_deadlock (SaFunction *fn,
              guint       timeout_msec)
{
  DeadlockData data = { fn, g_main_loop_new (NULL, FALSE), NULL, 0, 0, -1, FALSE };

  sa_function_set_timeout (fn, timeout_msec);
  g_idle_add (sync_call_inside_loop, &data);
  g_main_loop_run (data.loop);

  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (data.out, ==, 0);
  assert_returned_at (data.start, data.returned, timeout_msec);

  g_clear_error (&data.error);
  g_main_loop_unref (data.loop);

  return data.pair_completed;
}

static void
test_pair_waiting_for_the_callers_blocked_loop_times_out (void)
{
  g_autoptr(SaFunction) fn = new_token_pair ("deadlock", G_CALLBACK (deadlock_async));
  guint alive = rel_tokens_alive ();

  /* Without the deadline this would hang forever: the pair's completion
   * is an idle on the loop that is blocked in the sync call. */
  run_deadlock (fn, 100);

  /* Once the loop ran again the pair completed; that late completion is
   * dropped and the call released. */
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC));
}

static void
test_cooperative_pair_waiting_for_the_callers_loop_times_out (void)
{
  g_autoptr(SaFunction) fn = new_token_pair ("deadlock-cooperative",
                                             G_CALLBACK (deadlock_cooperative_async));
  guint alive = rel_tokens_alive ();

  /* This pair completes as soon as it is cancelled: the call ends with
   * TIMED_OUT (not CANCELLED: the caller did not cancel) right at the
   * deadline, without being abandoned. */
  g_assert_true (run_deadlock (fn, 100));
  free_cooperative_pairs ();
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC));
}

static void
test_late_completion_from_a_thread_is_released (void)
{
  g_autoptr(SaFunction) fn = new_token_pair ("slow-thread", G_CALLBACK (slow_thread_async));
  guint alive = rel_tokens_alive ();
  g_autoptr(GError) error = NULL;
  g_autoptr(RelToken) token = rel_token_new ();
  int out = -1;
  gint64 start = rel_now ();

  sa_function_set_timeout (fn, 50);
  g_assert_false (sa_function_call_sync (fn, NULL, &error, token, &out));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  assert_elapsed (start, 50);
  g_clear_object (&token);

  /* The worker returns CANCELLED a few milliseconds later, through the
   * GTask, to the private context the caller has left. */
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC));
}

static void
test_many_abandoned_calls_release_everything (void)
{
  g_autoptr(SaFunction) never = new_token_pair ("never", G_CALLBACK (never_async));
  g_autoptr(SaFunction) slow = new_token_pair ("slow-thread", G_CALLBACK (slow_thread_async));
  guint alive = rel_tokens_alive ();
  guint n = rel_scaled (200);

  g_test_message ("%u abandoned calls, half of each pair", n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(RelToken) token = rel_token_new ();
      g_autoptr(GValue) args = token_args (token);
      g_autoptr(GError) error = NULL;

      g_assert_false (sa_function_call_syncv_with_timeout (i % 2 ? never : slow,
                                                           args, 1, 0, NULL, NULL,
                                                           &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    }

  complete_held_tasks ();
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC * 3));
}

/* What the deadline does not change */

static void
test_call_completing_in_time_returns_its_value (void)
{
  g_autoptr(SaFunction) fn = sa_function_new_async ("add", G_CALLBACK (rel_add_async),
                                                    G_CALLBACK (rel_add_finish),
                                                    SA_FUNCTION_FLAGS_NONE, G_TYPE_INT,
                                                    2, G_TYPE_INT, G_TYPE_INT);
  g_autoptr(GError) error = NULL;
  int out = 0;

  /* Whatever earlier cases left on the default context goes first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  sa_function_set_timeout (fn, 10000);
  for (int i = 0; i < 100; i++)
    {
      g_assert_true (sa_function_call_sync (fn, NULL, &error, i, 1, &out));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, i + 1);
    }

  /* No deadline source is left anywhere to fire later. */
  g_assert_false (g_main_context_pending (NULL));
}

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (20000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_caller_cancellation_before_the_deadline_is_cancelled (void)
{
  g_autoptr(SaFunction) fn = new_token_pair ("slow-thread", G_CALLBACK (slow_thread_async));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelToken) token = rel_token_new ();
  g_autoptr(GError) error = NULL;
  GThread *canceller;
  int out = -1;

  sa_function_set_timeout (fn, 10000);
  canceller = g_thread_new ("canceller", cancel_soon, cancellable);
  g_assert_false (sa_function_call_sync (fn, cancellable, &error, token, &out));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (canceller);
}

static int
slow_blocking (int ms)
{
  g_usleep (ms * 1000);
  return ms;
}

static void
test_direct_calls_ignore_the_deadline (void)
{
  g_autoptr(SaFunction) fn = sa_function_new_sync ("slow", G_CALLBACK (slow_blocking),
                                                   SA_FUNCTION_FLAGS_NONE, G_TYPE_INT,
                                                   1, G_TYPE_INT);
  g_autoptr(GError) error = NULL;
  int out = 0;

  /* A blocking callable on the caller's own thread cannot be interrupted;
   * the documented behaviour is to let it finish. */
  sa_function_set_timeout (fn, 1);
  g_assert_true (sa_function_call_sync (fn, NULL, &error, 30, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 30);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  held_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  held_cancellables = g_ptr_array_new_with_free_func (unref_if_set);
  cooperative_pairs = g_ptr_array_new ();

  g_test_add_func ("/reliability/deadline/pair-that-never-completes-times-out",
                   test_pair_that_never_completes_times_out);
  g_test_add_func ("/reliability/deadline/function-timeout-applies-to-every-sync-entry-point",
                   test_function_timeout_applies_to_every_sync_entry_point);
  g_test_add_func ("/reliability/deadline/per-call-deadline-overrides-the-function-timeout",
                   test_per_call_deadline_overrides_the_function_timeout);
  g_test_add_func ("/reliability/deadline/pair-waiting-for-the-callers-blocked-loop-times-out",
                   test_pair_waiting_for_the_callers_blocked_loop_times_out);
  g_test_add_func ("/reliability/deadline/cooperative-pair-waiting-for-the-callers-loop-times-out",
                   test_cooperative_pair_waiting_for_the_callers_loop_times_out);
  g_test_add_func ("/reliability/deadline/late-completion-from-a-thread-is-released",
                   test_late_completion_from_a_thread_is_released);
  g_test_add_func ("/reliability/deadline/many-abandoned-calls-release-everything",
                   test_many_abandoned_calls_release_everything);
  g_test_add_func ("/reliability/deadline/call-completing-in-time-returns-its-value",
                   test_call_completing_in_time_returns_its_value);
  g_test_add_func ("/reliability/deadline/caller-cancellation-before-the-deadline-is-cancelled",
                   test_caller_cancellation_before_the_deadline_is_cancelled);
  g_test_add_func ("/reliability/deadline/direct-calls-ignore-the-deadline",
                   test_direct_calls_ignore_the_deadline);

  ret = g_test_run ();

  g_ptr_array_unref (held_tasks);
  g_ptr_array_unref (held_cancellables);
  g_ptr_array_unref (cooperative_pairs);

  return ret;
}
