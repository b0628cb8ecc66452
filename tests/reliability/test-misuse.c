/* test-misuse.c: callables and callers that break the rules
 *
 * An async pair that calls back twice, from another thread, or from inside
 * its _async function; results finished twice or too early; callables that
 * fail without saying why. Each gets a clear critical or error naming the
 * function, and nothing crashes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "reliability-common.h"

#define EXPECT_CRITICAL(pattern) \
  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, pattern)

/* Pairs that break the GIO contract. Each completes a GTask that has no
 * callback of its own and then invokes the wrapper's callback by hand, the
 * way hand-written pairs go wrong. */

typedef struct
{
  GTask               *task;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  guint                times;
} Completion;

static Completion *
completion_new (int                  value,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                guint                times)
{
  Completion *completion = g_new0 (Completion, 1);

  completion->task = g_task_new (NULL, cancellable, NULL, NULL);
  g_task_set_source_tag (completion->task, completion_new);
  g_task_return_int (completion->task, value);
  completion->callback = callback;
  completion->user_data = user_data;
  completion->times = times;

  return completion;
}

static void
completion_free (Completion *completion)
{
  g_object_unref (completion->task);
  g_free (completion);
}

static gboolean
complete_now (gpointer data)
{
  Completion *completion = data;

  for (guint i = 0; i < completion->times; i++)
    completion->callback (NULL, G_ASYNC_RESULT (completion->task), completion->user_data);

  return G_SOURCE_REMOVE;
}

/* g_idle_add() would use the global default context: a pair must use the
 * thread-default one, where its caller waits. */
static void
idle_here (int            priority,
           GSourceFunc    func,
           gpointer       data,
           GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, priority);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static int
bad_pair_finish (GAsyncResult  *result,
                 GError       **error)
{
  g_assert_true (g_async_result_is_tagged (result, completion_new));
  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* Calls back twice in a row, with the same result, from the caller's
 * context. */
static void
twice_async (int                  value,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  idle_here (G_PRIORITY_DEFAULT, complete_now,
             completion_new (value, cancellable, callback, user_data, 2),
             (GDestroyNotify) completion_free);
}

/* Calls back once now and once more later, while it still holds the
 * result. */
static gboolean
complete_again_later (gpointer data)
{
  Completion *completion = data;

  completion->times = 1;
  idle_here (G_PRIORITY_LOW, complete_now, completion,
             (GDestroyNotify) completion_free);
  return complete_now (completion);
}

static void
twice_later_async (int                  value,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  idle_here (G_PRIORITY_DEFAULT, complete_again_later,
             completion_new (value, cancellable, callback, user_data, 1), NULL);
}

/* Calls back once, lets that result go and calls back again later with a
 * new result object: nothing but the callback's data tells the two apart. */
static gboolean
complete_again_with_a_new_result (gpointer data)
{
  Completion *completion = data;

  complete_now (completion);
  g_object_unref (completion->task);
  completion->task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (completion->task, completion_new);
  g_task_return_int (completion->task, -1);
  idle_here (G_PRIORITY_LOW, complete_now, completion,
             (GDestroyNotify) completion_free);
  return G_SOURCE_REMOVE;
}

static void
again_with_a_new_result_async (int                  value,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  idle_here (G_PRIORITY_DEFAULT, complete_again_with_a_new_result,
             completion_new (value, cancellable, callback, user_data, 1), NULL);
}

/* Calls back once and keeps what it needs to call back again, whenever the
 * test says so. */
static Completion *stashed;

static gboolean
complete_and_stash (gpointer data)
{
  stashed = data;
  return complete_now (data);
}

static void
stashing_async (int                  value,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  idle_here (G_PRIORITY_DEFAULT, complete_and_stash,
             completion_new (value, cancellable, callback, user_data, 1), NULL);
}

static void
once_async (int                  value,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  idle_here (G_PRIORITY_DEFAULT, complete_now,
             completion_new (value, cancellable, callback, user_data, 1),
             (GDestroyNotify) completion_free);
}

/* Calls back from a thread of its own. */
static gpointer
complete_in_thread (gpointer data)
{
  complete_now (data);
  completion_free (data);
  return NULL;
}

static void
wrong_thread_async (int                  value,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_thread_unref (g_thread_new ("wrong-thread", complete_in_thread,
                                completion_new (value, cancellable, callback,
                                                user_data, 1)));
}

/* Calls back before returning. */
static void
inside_async (int                  value,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  Completion *completion = completion_new (value, cancellable, callback, user_data, 1);

  complete_now (completion);
  completion_free (completion);
}

static SaFunction *
new_bad_pair (const char *name,
              GCallback   async_func)
{
  return sa_function_new_async (name, async_func, G_CALLBACK (bad_pair_finish),
                                SA_FUNCTION_FLAGS_NONE, G_TYPE_INT, 1, G_TYPE_INT);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* An async call from plain code on the main thread; iterates the default
 * context until the callback ran, and a little more to catch a second. */
static int
finish_async_call (SaFunction *fn,
                   int         arg,
                   GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  sa_function_call_async (fn, NULL, store_result, &result, arg);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (!sa_function_call_finish (fn, result, &value, error))
    return -1;
  return g_value_get_int (&value);
}

static void
test_pair_completing_twice_is_a_critical (void)
{
  g_autoptr(SaFunction) fn = new_bad_pair ("twice", G_CALLBACK (twice_async));
  g_autoptr(SaFunction) later = new_bad_pair ("twice-later", G_CALLBACK (twice_later_async));
  g_autoptr(GError) error = NULL;
  int out = 0;

  /* Sync caller: the private context dispatches both completions. */
  EXPECT_CRITICAL ("*“twice”*invoked the callback more than once*");
  g_assert_true (sa_function_call_sync (fn, NULL, &error, 7, &out));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 7);

  /* Async caller: the callback runs once, with the first value. */
  EXPECT_CRITICAL ("*“twice”*invoked the callback more than once*");
  g_assert_cmpint (finish_async_call (fn, 8, &error), ==, 8);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* A second completion after the caller has had its result. */
  EXPECT_CRITICAL ("*“twice-later”*invoked the callback more than once*");
  g_assert_cmpint (finish_async_call (later, 9, &error), ==, 9);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* For a sync caller that one is never dispatched: the private context
   * is gone when the call returns, and its sources with it. */
  g_assert_true (sa_function_call_sync (later, NULL, &error, 10, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 10);
}

typedef struct
{
  SaFunction *fn;
  int         value;
  int         callbacks;
} LetGo;

static void
finish_and_let_go (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LetGo *let_go = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (sa_function_call_finish (let_go->fn, result, &value, &error));
  let_go->value = g_value_get_int (&value);
  let_go->callbacks++;
}

static gboolean
call_async_from_the_loop (gpointer data)
{
  LetGo *let_go = data;

  sa_function_call_async (let_go->fn, NULL, finish_and_let_go, let_go, 11);
  return G_SOURCE_REMOVE;
}

/* Calls @fn from the loop, so that the caller's task completes at once,
 * inside the first completion, and the caller keeps nothing: only the
 * pair's completion token stands between a second completion and freed
 * memory (the valgrind and sanitizer stages of CI are what would see that
 * memory touched). The second completion must get @critical. */
static void
call_and_let_go (SaFunction *fn,
                 const char *critical)
{
  LetGo let_go = { fn, 0, 0 };

  g_idle_add (call_async_from_the_loop, &let_go);
  EXPECT_CRITICAL (critical);
  while (let_go.callbacks == 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_assert_expected_messages ();

  g_assert_cmpint (let_go.callbacks, ==, 1);
  g_assert_cmpint (let_go.value, ==, 11);
}

static void
test_pair_completing_twice_after_the_caller_let_go (void)
{
  g_autoptr(SaFunction) fn = new_bad_pair ("twice", G_CALLBACK (twice_async));

  call_and_let_go (fn, "*“twice”*invoked the callback more than once*");
}

static void
test_pair_completing_again_with_a_new_result (void)
{
  g_autoptr(SaFunction) fn = new_bad_pair ("again", G_CALLBACK (again_with_a_new_result_async));
  g_autoptr(SaFunction) stashing = new_bad_pair ("stashing", G_CALLBACK (stashing_async));
  g_autoptr(SaFunction) once = new_bad_pair ("once", G_CALLBACK (once_async));
  g_autoptr(GError) error = NULL;

  /* The first result is gone and the caller kept nothing when the second
   * completion comes: it is still recognised, and named. */
  call_and_let_go (fn, "*“again”*invoked the callback more than once*");

  /* Later still, after another call took over what the first one left:
   * still ignored, without a name to give, and the other call's result is
   * not disturbed. */
  g_assert_cmpint (finish_async_call (stashing, 12, &error), ==, 12);
  g_assert_nonnull (stashed);
  g_assert_cmpint (finish_async_call (once, 13, &error), ==, 13);
  EXPECT_CRITICAL ("*invoked the callback of a SmartAsync call that has ended*");
  complete_now (stashed);
  g_test_assert_expected_messages ();
  g_clear_pointer (&stashed, completion_free);
  g_assert_no_error (error);
}

static void
test_pair_completing_on_another_thread_is_a_critical (void)
{
  g_autoptr(SaFunction) fn = new_bad_pair ("wrong-thread", G_CALLBACK (wrong_thread_async));
  g_autoptr(GError) error = NULL;
  int out = 0;

  EXPECT_CRITICAL ("*“wrong-thread”*called back on another thread*");
  g_assert_true (sa_function_call_sync (fn, NULL, &error, 5, &out));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 5);

  /* The caller still gets its callback in its own context and thread. */
  EXPECT_CRITICAL ("*“wrong-thread”*called back on another thread*");
  g_assert_cmpint (finish_async_call (fn, 6, &error), ==, 6);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
}

typedef struct
{
  gboolean  in_call;
  gboolean  ran_inside;
  GThread  *thread;
  int       value;
  int       done;
} InsideData;

static void
inside_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  InsideData *data = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  data->ran_inside = data->in_call;
  data->thread = g_thread_self ();
  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error));
  g_assert_no_error (error);
  data->value = g_value_get_int (&value);
  data->done = 1;
}

static void
test_pair_calling_back_inside_async_still_defers_the_callback (void)
{
  g_autoptr(SaFunction) fn = new_bad_pair ("inside", G_CALLBACK (inside_async));
  g_autoptr(GError) error = NULL;
  InsideData data = { 0, };
  int out = 0;

  /* GIO forbids it; the caller must still not see its callback run inside
   * sa_function_call_async(). */
  data.in_call = TRUE;
  sa_function_call_async (fn, NULL, inside_done, &data, 3);
  data.in_call = FALSE;
  g_assert_true (rel_iterate_until (NULL, &data.done, 5000));
  g_assert_false (data.ran_inside);
  g_assert_true (data.thread == g_thread_self ());
  g_assert_cmpint (data.value, ==, 3);

  g_assert_true (sa_function_call_sync (fn, NULL, &error, 4, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 4);
}

/* Finish misuse */

static void
test_finish_twice_is_a_critical (void)
{
  g_autoptr(SaFunction) fn = sa_function_new_async ("add", G_CALLBACK (rel_add_async),
                                                    G_CALLBACK (rel_add_finish),
                                                    SA_FUNCTION_FLAGS_NONE, G_TYPE_INT,
                                                    2, G_TYPE_INT, G_TYPE_INT);
  g_autoptr(GAsyncResult) task_result = NULL;
  g_autoptr(GAsyncResult) sync_result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  sa_function_call_async (fn, NULL, store_result, &task_result, 1, 2);
  while (task_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  sync_result = sa_function_call (fn, NULL, NULL, NULL, 3, 4);

  g_assert_true (sa_function_call_finish (fn, task_result, &value, &error));
  g_assert_cmpint (g_value_get_int (&value), ==, 3);
  g_value_unset (&value);
  g_assert_true (sa_function_call_finish (fn, sync_result, &value, &error));
  g_assert_cmpint (g_value_get_int (&value), ==, 7);
  g_value_unset (&value);

  EXPECT_CRITICAL ("*“add”*already finished*");
  g_assert_false (sa_function_call_finish (fn, task_result, &value, &error));
  EXPECT_CRITICAL ("*“add”*already finished*");
  g_assert_false (sa_function_call_finish (fn, sync_result, &value, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_false (G_IS_VALUE (&value));
}

typedef struct
{
  SaFunction   *fn;
  GAsyncResult *returned;
  GAsyncResult *delivered;
  int           done;
} EarlyData;

static void
early_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  EarlyData *data = user_data;

  data->delivered = g_object_ref (result);
  data->done = 1;
}

static gboolean
call_and_finish_early (gpointer user_data)
{
  EarlyData *data = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  /* In an async context the smart call returns a pending task. */
  data->returned = sa_function_call (data->fn, NULL, early_done, data, 20, 3);
  g_assert_true (G_IS_TASK (data->returned));

  EXPECT_CRITICAL ("*“add”*before the call completed*");
  g_assert_false (sa_function_call_finish (data->fn, data->returned, &value, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_false (G_IS_VALUE (&value));

  return G_SOURCE_REMOVE;
}

static void
test_finish_before_completion_is_a_critical (void)
{
  g_autoptr(SaFunction) fn = sa_function_new_async ("add", G_CALLBACK (rel_add_async),
                                                    G_CALLBACK (rel_add_finish),
                                                    SA_FUNCTION_FLAGS_NONE, G_TYPE_INT,
                                                    2, G_TYPE_INT, G_TYPE_INT);
  EarlyData data = { fn, NULL, NULL, 0 };
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_idle_add (call_and_finish_early, &data);
  g_assert_true (rel_iterate_until (NULL, &data.done, 5000));

  /* The early attempt used nothing up: the callback's result finishes. */
  g_assert_true (data.delivered == data.returned);
  g_assert_true (sa_function_call_finish (fn, data.delivered, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, 23);

  g_object_unref (data.returned);
  g_object_unref (data.delivered);
}

/* Failing without an error */

static gboolean
value_fails_silently (GValue        *args,
                      guint          n_args,
                      GValue        *result,
                      GCancellable  *cancellable,
                      gpointer       user_data,
                      GError       **error)
{
  return FALSE;
}

static void
value_async_drops_task (GValue       *args,
                        guint         n_args,
                        GCancellable *cancellable,
                        GTask        *task,
                        gpointer      user_data)
{
  /* Forgets to complete the task it was given. */
}

static void
test_callables_failing_without_an_error (void)
{
  const GType one_int[] = { G_TYPE_INT };
  /* A C function's FALSE without an error is a value (GIO's convention,
   * see /shapes/c-false-without-an-error-is-a-value): only the callbacks
   * of bindings, whose boolean is their success, are here. */
  SaFunction *functions[] = {
    sa_function_new_sync_full ("value-sync", G_TYPE_BOOLEAN, one_int, 1, 0,
                               value_fails_silently, NULL, NULL),
    sa_function_new_async_full ("value-async", G_TYPE_BOOLEAN, one_int, 1, 0,
                                value_async_drops_task, NULL, NULL),
  };

  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    {
      SaFunction *fn = functions[i];
      const char *name = sa_function_get_name (fn);
      GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
      guint n_args;
      g_autoptr(GAsyncResult) result = NULL;
      g_auto(GValue) value = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      sa_function_get_param_types (fn, &n_args);
      for (guint j = 0; j < n_args; j++)
        {
          g_value_init (&args[j], G_TYPE_INT);
          g_value_set_int (&args[j], 1);
        }

      /* Sync caller: direct call or private context. */
      g_assert_false (sa_function_call_syncv (fn, args, n_args, &value, NULL, &error));
      g_assert_error (error, SA_ERROR, SA_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, name));
      g_assert_true (G_VALUE_HOLDS_BOOLEAN (&value));
      g_clear_error (&error);
      g_value_unset (&value);

      /* Async caller: worker thread or async pair. */
      sa_function_call_asyncv (fn, args, n_args, NULL, store_result, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_false (sa_function_call_finish (fn, result, &value, &error));
      g_assert_error (error, SA_ERROR, SA_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, name));
      g_assert_true (G_VALUE_HOLDS_BOOLEAN (&value));

      for (guint j = 0; j < n_args; j++)
        g_value_unset (&args[j]);
      g_object_unref (fn);
    }
}

/* Owner-thread data */

typedef struct
{
  GThread *destroyed_on;
  int      destroyed;
} DestroyData;

static void
record_destroy (gpointer user_data)
{
  DestroyData *data = user_data;

  data->destroyed_on = g_thread_self ();
  g_atomic_int_set (&data->destroyed, 1);
}

static gboolean
value_sync_return_true (GValue        *args,
                        guint          n_args,
                        GValue        *result,
                        GCancellable  *cancellable,
                        gpointer       user_data,
                        GError       **error)
{
  g_value_set_boolean (result, TRUE);
  return TRUE;
}

static gpointer
drop_last_reference (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_owner_thread_data_is_released_on_the_owner_thread (void)
{
  DestroyData data = { NULL, 0 };
  SaFunction *fn;

  /* Made on the main thread, whose thread-default context is the global
   * default one (GJS's case); the main thread is not iterating it when
   * another thread drops the last reference. */
  fn = sa_function_new_sync_full ("owned", G_TYPE_BOOLEAN, NULL, 0,
                                  SA_FUNCTION_FLAGS_OWNER_THREAD,
                                  value_sync_return_true, &data, record_destroy);
  g_thread_join (g_thread_new ("last-unref", drop_last_reference, fn));

  g_assert_cmpint (g_atomic_int_get (&data.destroyed), ==, 0);
  g_assert_true (rel_iterate_until (NULL, &data.destroyed, 5000));
  g_assert_true (data.destroyed_on == g_thread_self ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reliability/misuse/pair/completing-twice-is-a-critical",
                   test_pair_completing_twice_is_a_critical);
  g_test_add_func ("/reliability/misuse/pair/completing-twice-after-the-caller-let-go",
                   test_pair_completing_twice_after_the_caller_let_go);
  g_test_add_func ("/reliability/misuse/pair/completing-again-with-a-new-result-is-a-critical",
                   test_pair_completing_again_with_a_new_result);
  g_test_add_func ("/reliability/misuse/pair/completing-on-another-thread-is-a-critical",
                   test_pair_completing_on_another_thread_is_a_critical);
  g_test_add_func ("/reliability/misuse/pair/calling-back-inside-async-still-defers-the-callback",
                   test_pair_calling_back_inside_async_still_defers_the_callback);
  g_test_add_func ("/reliability/misuse/finish/twice-is-a-critical",
                   test_finish_twice_is_a_critical);
  g_test_add_func ("/reliability/misuse/finish/before-completion-is-a-critical",
                   test_finish_before_completion_is_a_critical);
  g_test_add_func ("/reliability/misuse/callable/failing-without-an-error-is-sa-error-failed",
                   test_callables_failing_without_an_error);
  g_test_add_func ("/reliability/misuse/owner-thread/user-data-is-released-on-the-owner-thread",
                   test_owner_thread_data_is_released_on_the_owner_thread);

  return g_test_run ();
}
