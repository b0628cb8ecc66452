/* test-owner-thread.c: owner-thread functions (GJS's shape) under attack
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A function flagged OWNER_THREAD runs its callable only on the thread
 * that made it. Calls made on that thread while it waits in another call's
 * private context, calls abandoned at a deadline, and calls cancelled while
 * the owner is busy or gone must neither hang nor run the callable
 * anywhere else.
 */

#include <gio/gio.h>

#include "reliability-common.h"

#define BOUND_MSEC 1000

static GThread *main_thread;
static gint owner_runs;

/* How an SaAsyncFunc completes: with a GValue. */
static void
return_int (GTask *task,
            int    n)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, n);
  g_task_return_value (task, &value);
}

/* Blocking owner-thread callable: doubles its argument, noting where. */
static gboolean
double_on_owner (GValue        *args,
                 guint          n_args,
                 GValue        *result,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  GThread **ran_on = user_data;

  *ran_on = g_thread_self ();
  g_atomic_int_inc (&owner_runs);
  g_value_set_int (result, 2 * g_value_get_int (&args[0]));
  return TRUE;
}

static SaFunction *
new_owned_double (GThread **ran_on)
{
  const GType params[] = { G_TYPE_INT };

  return sa_function_new_sync_full ("owned-double", G_TYPE_INT, params, 1,
                                    SA_FUNCTION_FLAGS_OWNER_THREAD,
                                    double_on_owner, ran_on, NULL);
}

/* A pair whose start makes an async call of another function and
 * completes with its result: code that nests calls, as GJS code does. */
typedef struct
{
  SaFunction *inner;
  GThread *inner_ran_on;
} Nesting;

static void
inner_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error))
    return_int (task, g_value_get_int (&value));
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
nesting_start (GValue       *args,
               guint         n_args,
               GCancellable *cancellable,
               GTask        *task,
               gpointer      user_data)
{
  Nesting *nesting = user_data;

  sa_function_call_async (nesting->inner, NULL, inner_done, g_object_ref (task),
                          g_value_get_int (&args[0]));
}

/* Measured before the fix: queued on the function's main context, which
 * nobody iterates during the wait: 2002 ms to TIMED_OUT with a deadline,
 * forever without. */
static void
test_async_call_inside_a_private_wait_runs_there (void)
{
  Nesting nesting = { 0 };
  const GType params[] = { G_TYPE_INT };
  g_autoptr(SaFunction) outer = NULL;
  g_autoptr(GError) error = NULL;
  int value = 0;
  gint64 start;

  nesting.inner = new_owned_double (&nesting.inner_ran_on);
  outer = sa_function_new_async_full ("nesting", G_TYPE_INT, params, 1, 0,
                                      nesting_start, &nesting, NULL);

  start = rel_now ();
  g_assert_true (sa_function_call_sync_with_timeout (outer, 2000, NULL, &error, 21, &value));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 42);
  g_assert_true (nesting.inner_ran_on == main_thread);
  g_assert_cmpint (rel_now () - start, <, rel_time_bound (BOUND_MSEC) * 1000);
  g_object_unref (nesting.inner);
}

/* An owner-thread async pair whose work continues in a source of the
 * context it was started in, as a GJS promise chain does. */
typedef struct
{
  GTask *task;
  GThread *continued_on;
  int continuations;
} Continuation;

static gboolean
continue_later (gpointer data)
{
  Continuation *continuation = data;

  continuation->continued_on = g_thread_self ();
  g_atomic_int_inc (&continuation->continuations);
  return_int (continuation->task, 1);
  g_clear_object (&continuation->task);
  return G_SOURCE_REMOVE;
}

static void
continuing_start (GValue       *args,
                  guint         n_args,
                  GCancellable *cancellable,
                  GTask        *task,
                  gpointer      user_data)
{
  Continuation *continuation = user_data;
  GSource *source = g_timeout_source_new (150);

  continuation->task = g_object_ref (task);
  g_source_set_callback (source, continue_later, continuation, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

/* Measured before the fix: after the deadline the sa-drain thread iterated
 * the abandoned context and ran the continuation there. */
static void
test_abandoned_owner_code_runs_only_on_its_thread (void)
{
  Continuation continuation = { 0 };
  g_autoptr(SaFunction) fn = NULL;
  g_autoptr(GError) error = NULL;
  int value = 0;
  gint64 end;

  fn = sa_function_new_async_full ("continuing", G_TYPE_INT, NULL, 0,
                                   SA_FUNCTION_FLAGS_OWNER_THREAD,
                                   continuing_start, &continuation, NULL);
  g_assert_false (sa_function_call_sync_with_timeout (fn, 20, NULL, &error, &value));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_atomic_int_get (&continuation.continuations), ==, 0);

  /* The owner's main context (the global default one) hosts it now. */
  g_usleep (300 * 1000);
  g_assert_cmpint (g_atomic_int_get (&continuation.continuations), ==, 0);
  end = rel_now () + rel_time_bound (5000) * 1000;
  while (g_atomic_int_get (&continuation.continuations) == 0 && rel_now () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);

  g_assert_cmpint (continuation.continuations, ==, 1);
  g_assert_true (continuation.continued_on == main_thread);
}

/* An owner thread that can be made busy, and can exit. */
typedef struct
{
  GMainContext *context;
  SaFunction *fn;
  GThread *ran_on;
  GThread *thread;
  GMutex mutex;
  GCond cond;
  gboolean ready;
  gboolean busy;
  gboolean quit;
} Owner;

static gboolean
owner_be_busy (gpointer data)
{
  Owner *owner = data;

  g_mutex_lock (&owner->mutex);
  while (owner->busy)
    g_cond_wait (&owner->cond, &owner->mutex);
  g_mutex_unlock (&owner->mutex);
  return G_SOURCE_REMOVE;
}

static gpointer
owner_thread (gpointer data)
{
  Owner *owner = data;

  g_main_context_push_thread_default (owner->context);
  owner->fn = new_owned_double (&owner->ran_on);
  g_mutex_lock (&owner->mutex);
  owner->ready = TRUE;
  g_cond_broadcast (&owner->cond);
  g_mutex_unlock (&owner->mutex);

  while (!g_atomic_int_get (&owner->quit))
    g_main_context_iteration (owner->context, TRUE);

  g_main_context_pop_thread_default (owner->context);
  return NULL;
}

static void
owner_start (Owner *owner)
{
  g_mutex_init (&owner->mutex);
  g_cond_init (&owner->cond);
  owner->context = g_main_context_new ();
  owner->thread = g_thread_new ("owner", owner_thread, owner);
  g_mutex_lock (&owner->mutex);
  while (!owner->ready)
    g_cond_wait (&owner->cond, &owner->mutex);
  g_mutex_unlock (&owner->mutex);
}

static void
owner_make_busy (Owner *owner)
{
  owner->busy = TRUE;
  g_main_context_invoke (owner->context, owner_be_busy, owner);
}

static void
owner_release (Owner *owner)
{
  g_mutex_lock (&owner->mutex);
  owner->busy = FALSE;
  g_cond_broadcast (&owner->cond);
  g_mutex_unlock (&owner->mutex);
}

static gboolean
owner_quit (gpointer data)
{
  Owner *owner = data;

  g_atomic_int_set (&owner->quit, TRUE);
  return G_SOURCE_REMOVE;
}

static void
owner_exit (Owner *owner)
{
  g_main_context_invoke (owner->context, owner_quit, owner);
  g_thread_join (owner->thread);
  owner->thread = NULL;
}

static void
owner_free (Owner *owner)
{
  if (owner->thread != NULL)
    owner_exit (owner);
  g_clear_object (&owner->fn);
  g_clear_pointer (&owner->context, g_main_context_unref);
  g_mutex_clear (&owner->mutex);
  g_cond_clear (&owner->cond);
}

static gboolean
cancel_now (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_after_100_ms (gpointer data)
{
  g_usleep (100 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* Returns how long a sync call cancelled at +100 ms took. */
static gint64
cancelled_sync_call_msec (Owner *owner)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *canceller;
  int value = 0;
  gint64 start = rel_now ();

  canceller = g_thread_new ("canceller", cancel_after_100_ms, cancellable);
  g_assert_false (sa_function_call_sync (owner->fn, cancellable, &error, 1, &value));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (canceller);
  return (rel_now () - start) / 1000;
}

/* Measured before the fix: 2101 ms after a cancel at +100 ms with the
 * owner busy; forever once it had exited. */
static void
test_cancelled_sync_call_returns_at_once_when_the_owner_is_busy (void)
{
  Owner owner = { 0 };
  gint64 msec;

  owner_start (&owner);
  owner_make_busy (&owner);
  msec = cancelled_sync_call_msec (&owner);
  g_test_message ("cancelled at +100 ms with the owner busy: returned after %"
                  G_GINT64_FORMAT " ms", msec);
  g_assert_cmpint (msec, <, rel_time_bound (BOUND_MSEC));

  /* The owner never runs a call that was cancelled before it got there. */
  owner_release (&owner);
  owner_exit (&owner);
  g_assert_null (owner.ran_on);
  owner_free (&owner);
}

static void
test_cancelled_sync_call_returns_at_once_when_the_owner_has_exited (void)
{
  Owner owner = { 0 };
  gint64 msec;

  owner_start (&owner);
  owner_exit (&owner);
  msec = cancelled_sync_call_msec (&owner);
  g_test_message ("cancelled at +100 ms with the owner gone: returned after %"
                  G_GINT64_FORMAT " ms", msec);
  g_assert_cmpint (msec, <, rel_time_bound (BOUND_MSEC));
  owner_free (&owner);
}

static void
record_outcome (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **error = user_data;
  g_auto(GValue) value = G_VALUE_INIT;

  g_assert_false (sa_function_call_finish (SA_FUNCTION (source), result, &value, error));
  g_assert_nonnull (*error);
}

static void
test_cancelled_async_call_completes_at_once_when_the_owner_is_busy (void)
{
  Owner owner = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  GSource *timeout;
  gint64 start;

  owner_start (&owner);
  owner_make_busy (&owner);

  g_main_context_push_thread_default (context);
  sa_function_call_async (owner.fn, cancellable, record_outcome, &error, 1);
  timeout = g_timeout_source_new (100);
  g_source_set_callback (timeout, cancel_now, cancellable, NULL);
  g_source_attach (timeout, context);
  g_source_unref (timeout);

  start = rel_now ();
  while (error == NULL && rel_now () - start < rel_time_bound (5000) * 1000)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (rel_now () - start, <, rel_time_bound (BOUND_MSEC) * 1000);

  owner_release (&owner);
  owner_free (&owner);
  g_assert_null (owner.ran_on);
}

/* A sync call from another thread waits for the owner's loop; a deadline
 * ends the wait, and the owner, once free, finds the call abandoned and
 * never runs it. */
static void
test_owner_that_is_busy_times_out (void)
{
  Owner owner = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 start;
  int value = 0;
  int runs = g_atomic_int_get (&owner_runs);

  owner_start (&owner);
  owner_make_busy (&owner);

  start = rel_now ();
  g_assert_false (sa_function_call_sync_with_timeout (owner.fn, 100, NULL, &error, 1, &value));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (rel_now () - start, >=, 100 * 1000);
  g_assert_cmpint (rel_now () - start, <, rel_time_bound (BOUND_MSEC) * 1000);

  owner_release (&owner);
  /* With the owner free, the same call works; the owner's context runs
   * the abandoned hop first, without running the callable. */
  g_clear_error (&error);
  g_assert_true (sa_function_call_sync_with_timeout (owner.fn, 5000, NULL, &error, 4, &value));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 8);
  g_assert_true (owner.ran_on == owner.thread);
  g_assert_cmpint (g_atomic_int_get (&owner_runs) - runs, ==, 1);
  owner_free (&owner);
}

/* call_async from a destroy notify that runs inside another call's
 * private wait: not lost (measured before the fix: its callback never
 * ran; sa_context_is_async() said FALSE there). */
typedef struct
{
  SaFunction *later;
  GTask *task;
  int delivered;
  int value;
} Notifier;

static void
later_delivered (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Notifier *notifier = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error));
  notifier->value = g_value_get_int (&value);
  notifier->delivered++;
}

static void
notify_starts_a_call (gpointer data)
{
  Notifier *notifier = data;

  sa_function_call_async (notifier->later, NULL, later_delivered, notifier, 5);
}

static gboolean
complete_outer (gpointer data)
{
  Notifier *notifier = data;

  return_int (notifier->task, 1);
  g_clear_object (&notifier->task);
  return G_SOURCE_REMOVE;
}

static void
notifying_start (GValue       *args,
                 guint         n_args,
                 GCancellable *cancellable,
                 GTask        *task,
                 gpointer      user_data)
{
  Notifier *notifier = user_data;
  GSource *idle = g_idle_source_new ();

  notifier->task = g_object_ref (task);
  g_source_set_callback (idle, complete_outer, notifier, notify_starts_a_call);
  g_source_attach (idle, g_main_context_get_thread_default ());
  g_source_unref (idle);
}

static void
later_start (GValue       *args,
             guint         n_args,
             GCancellable *cancellable,
             GTask        *task,
             gpointer      user_data)
{
  return_int (task, g_value_get_int (&args[0]) * 3);
}

static void
test_call_async_from_a_destroy_notify_inside_a_wait_is_delivered (void)
{
  Notifier notifier = { 0 };
  const GType params[] = { G_TYPE_INT };
  g_autoptr(SaFunction) outer = NULL;
  g_autoptr(GError) error = NULL;
  int value = 0;

  notifier.later = sa_function_new_async_full ("later", G_TYPE_INT, params, 1, 0,
                                               later_start, NULL, NULL);
  outer = sa_function_new_async_full ("notifying", G_TYPE_INT, NULL, 0, 0,
                                      notifying_start, &notifier, NULL);

  g_assert_true (sa_function_call_sync_with_timeout (outer, 5000, NULL, &error, &value));
  g_assert_no_error (error);
  g_assert_cmpint (notifier.delivered, ==, 1);
  g_assert_cmpint (notifier.value, ==, 15);
  g_object_unref (notifier.later);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/reliability/owner-thread/async-call-inside-a-private-wait-runs-there",
                   test_async_call_inside_a_private_wait_runs_there);
  g_test_add_func ("/reliability/owner-thread/abandoned-owner-code-runs-only-on-its-thread",
                   test_abandoned_owner_code_runs_only_on_its_thread);
  g_test_add_func ("/reliability/owner-thread/cancelled-sync-call-returns-when-owner-is-busy",
                   test_cancelled_sync_call_returns_at_once_when_the_owner_is_busy);
  g_test_add_func ("/reliability/owner-thread/cancelled-sync-call-returns-when-owner-has-exited",
                   test_cancelled_sync_call_returns_at_once_when_the_owner_has_exited);
  g_test_add_func ("/reliability/owner-thread/cancelled-async-call-completes-when-owner-is-busy",
                   test_cancelled_async_call_completes_at_once_when_the_owner_is_busy);
  g_test_add_func ("/reliability/owner-thread/owner-that-is-busy-times-out",
                   test_owner_that_is_busy_times_out);
  g_test_add_func ("/reliability/owner-thread/call-async-from-a-destroy-notify-inside-a-wait",
                   test_call_async_from_a_destroy_notify_inside_a_wait_is_delivered);

  return g_test_run ();
}
