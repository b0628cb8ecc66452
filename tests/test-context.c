/* test-context.c: the context rule and its edge cases
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sa-test-util.h"

typedef struct
{
  gboolean    done;
  gboolean    async;
  GMainLoop  *loop;
} Probe;

static gboolean
probe_now (gpointer data)
{
  Probe *probe = data;

  probe->async = sa_context_is_async ();
  probe->done = TRUE;
  if (probe->loop != NULL)
    g_main_loop_quit (probe->loop);
  return G_SOURCE_REMOVE;
}

static void
test_context_plain_code_is_sync (void)
{
  g_assert_cmpint (g_main_depth (), ==, 0);
  g_assert_false (sa_context_is_async ());
}

static void
test_context_default_loop_dispatch_is_async (void)
{
  Probe probe = { 0 };

  probe.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (probe_now, &probe);
  g_main_loop_run (probe.loop);
  g_main_loop_unref (probe.loop);

  g_assert_true (probe.done);
  g_assert_true (probe.async);
}

static void
test_context_after_loop_ends_is_sync (void)
{
  test_context_default_loop_dispatch_is_async ();

  /* No cache: once the loop has ended, plain code is sync again. */
  g_assert_false (sa_context_is_async ());
}

static void
test_context_pushed_and_iterated_is_async (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) idle = g_idle_source_new ();
  Probe probe = { 0 };

  g_main_context_push_thread_default (context);
  g_source_set_callback (idle, probe_now, &probe, NULL);
  g_source_attach (idle, context);
  sa_test_wait_for (&probe.done);
  g_main_context_pop_thread_default (context);

  g_assert_true (probe.async);
}

static void
test_context_iterating_a_context_not_pushed_is_sync (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) idle = g_idle_source_new ();
  Probe probe = { 0 };

  /* Being dispatched, but by a context that is not thread-default: a
   * result sent to the thread-default context would not be dispatched. */
  g_source_set_callback (idle, probe_now, &probe, NULL);
  g_source_attach (idle, context);
  while (!probe.done)
    g_main_context_iteration (context, TRUE);

  g_assert_false (probe.async);
}

static void
test_context_pushed_at_top_level_is_sync (void)
{
  g_autoptr(GMainContext) pushed = g_main_context_new ();
  gboolean async;

  /* Pushing acquires the context, but nothing is being dispatched: a call
   * here blocks (in a private context of its own), as plain code does. */
  g_main_context_push_thread_default (pushed);
  async = sa_context_is_async ();
  g_main_context_pop_thread_default (pushed);

  g_assert_false (async);
}

static gboolean
probe_with_pushed_context (gpointer data)
{
  Probe *probe = data;
  g_autoptr(GMainContext) pushed = g_main_context_new ();
  g_autoptr(GSource) idle = g_idle_source_new ();
  Probe inner = { 0 };

  g_assert_true (sa_context_is_async ());

  /* Pushed inside a dispatch but not iterated: nothing dispatches it yet,
   * and its pusher might pop it without ever iterating it, so a call here
   * blocks rather than send its result there... */
  g_main_context_push_thread_default (pushed);
  probe->async = sa_context_is_async ();

  /* ...while its own callbacks, once it is iterated, are async: this is
   * how a call inside another call's private loop attaches to that loop. */
  g_source_set_callback (idle, probe_now, &inner, NULL);
  g_source_attach (idle, pushed);
  while (!inner.done)
    g_main_context_iteration (pushed, TRUE);
  g_main_context_pop_thread_default (pushed);
  g_assert_true (inner.async);

  probe->done = TRUE;
  g_main_loop_quit (probe->loop);
  return G_SOURCE_REMOVE;
}

static void
test_context_pushed_inside_a_dispatch_is_sync_until_iterated (void)
{
  Probe probe = { 0 };

  probe.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (probe_with_pushed_context, &probe);
  g_main_loop_run (probe.loop);
  g_main_loop_unref (probe.loop);

  g_assert_true (probe.done);
  g_assert_false (probe.async);
}

static gboolean
probe_iterating_another_context (gpointer data)
{
  Probe *probe = data;
  g_autoptr(GMainContext) other = g_main_context_new ();
  g_autoptr(GSource) idle = g_idle_source_new ();
  Probe inner = { 0 };

  /* The default context is thread-default and owned (its loop runs this
   * callback), but the callback below is dispatched by another context:
   * a result sent to the default context would wait for this loop to
   * return, which may be never. */
  g_source_set_callback (idle, probe_now, &inner, NULL);
  g_source_attach (idle, other);
  while (!inner.done)
    g_main_context_iteration (other, TRUE);

  probe->async = inner.async;
  probe->done = TRUE;
  g_main_loop_quit (probe->loop);
  return G_SOURCE_REMOVE;
}

static void
test_context_iterating_another_context_inside_a_dispatch_is_sync (void)
{
  Probe probe = { 0 };

  probe.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (probe_iterating_another_context, &probe);
  g_main_loop_run (probe.loop);
  g_main_loop_unref (probe.loop);

  g_assert_true (probe.done);
  g_assert_false (probe.async);
}

static gboolean
probe_nested (gpointer data)
{
  Probe *probe = data;
  Probe inner = { 0 };

  inner.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (probe_now, &inner);
  g_main_loop_run (inner.loop);
  g_main_loop_unref (inner.loop);

  probe->async = inner.async && sa_context_is_async ();
  probe->done = TRUE;
  g_main_loop_quit (probe->loop);
  return G_SOURCE_REMOVE;
}

static void
test_context_nested_loop_is_async (void)
{
  Probe probe = { 0 };

  probe.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (probe_nested, &probe);
  g_main_loop_run (probe.loop);
  g_main_loop_unref (probe.loop);

  g_assert_true (probe.async);
}

static void
worker_probe (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_task_return_boolean (task, sa_context_is_async ());
}

static void
worker_probed (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Probe *probe = user_data;

  probe->async = g_task_propagate_boolean (G_TASK (result), NULL);
  probe->done = TRUE;
  g_main_loop_quit (probe->loop);
}

static gboolean
start_worker_probe (gpointer data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, worker_probed, data);

  g_task_run_in_thread (task, worker_probe);
  return G_SOURCE_REMOVE;
}

static void
test_context_worker_thread_is_sync (void)
{
  Probe probe = { 0 };

  /* Started from an async context, but the worker itself runs no loop. */
  probe.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (start_worker_probe, &probe);
  g_main_loop_run (probe.loop);
  g_main_loop_unref (probe.loop);

  g_assert_true (probe.done);
  g_assert_false (probe.async);
}

static gpointer
thread_with_own_loop (gpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Probe *probe = data;
  GSource *idle = g_idle_source_new ();

  g_main_context_push_thread_default (context);
  probe->loop = g_main_loop_new (context, FALSE);
  g_source_set_callback (idle, probe_now, probe, NULL);
  g_source_attach (idle, context);
  g_source_unref (idle);
  g_main_loop_run (probe->loop);
  g_main_loop_unref (probe->loop);
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_context_thread_with_own_loop_is_async (void)
{
  Probe probe = { 0 };

  g_thread_join (g_thread_new ("own-loop", thread_with_own_loop, &probe));
  g_assert_true (probe.done);
  g_assert_true (probe.async);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/context/plain-code-is-sync", test_context_plain_code_is_sync);
  g_test_add_func ("/context/default-loop-dispatch-is-async", test_context_default_loop_dispatch_is_async);
  g_test_add_func ("/context/after-the-loop-ends-is-sync-again", test_context_after_loop_ends_is_sync);
  g_test_add_func ("/context/pushed-and-iterated-is-async", test_context_pushed_and_iterated_is_async);
  g_test_add_func ("/context/iterating-a-context-not-pushed-is-sync", test_context_iterating_a_context_not_pushed_is_sync);
  g_test_add_func ("/context/pushed-at-top-level-is-sync", test_context_pushed_at_top_level_is_sync);
  g_test_add_func ("/context/pushed-inside-a-dispatch-is-sync-until-iterated",
                   test_context_pushed_inside_a_dispatch_is_sync_until_iterated);
  g_test_add_func ("/context/iterating-another-context-inside-a-dispatch-is-sync",
                   test_context_iterating_another_context_inside_a_dispatch_is_sync);
  g_test_add_func ("/context/nested-loop-is-async", test_context_nested_loop_is_async);
  g_test_add_func ("/context/worker-thread-is-sync", test_context_worker_thread_is_sync);
  g_test_add_func ("/context/thread-with-its-own-loop-is-async", test_context_thread_with_own_loop_is_async);

  return g_test_run ();
}
