/* test-application.c: a GApplication's start-up handlers are async contexts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * g_application_run() emits startup, activate, open and command-line before
 * its loop first iterates: a smart call made there must not block (every GTK
 * application builds its window in activate) and must be delivered, even
 * when nothing else holds the application.
 */

#include <smartasync-glib.h>

#include "sa-test-util.h"

#define DELAY_MS 300

typedef struct
{
  GApplication *app;
  SaFunction *delay;
  SaFunction *sleep;
  GStrv handlers_async;     /* "name=1" or "name=0" per handler, in order */
  GPtrArray *seen;
  int delivered_value;
  guint n_delivered;
  gboolean returned_before_completion;
  gint64 smart_call_us;
  gboolean delivered_before_run_returned;
  gboolean run_returned;
} Fixture;

static void
record (Fixture    *f,
        const char *handler)
{
  g_ptr_array_add (f->seen, g_strdup_printf ("%s=%d", handler, sa_context_is_async ()));
}

static void
on_delivered (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *f = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error));
  g_assert_no_error (error);
  f->delivered_value = g_value_get_int (&value);
  f->n_delivered++;
  f->delivered_before_run_returned = !f->run_returned;
}

/* The smart call as application code writes it: no hold, no loop of its own. */
static void
smart_call_delay (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  gint64 start = g_get_monotonic_time ();

  result = sa_function_call (f->delay, NULL, on_delivered, f, 42, DELAY_MS);
  f->smart_call_us = g_get_monotonic_time () - start;
  f->returned_before_completion = f->n_delivered == 0;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  GApplicationFlags flags = GPOINTER_TO_UINT (data);

  f->app = g_application_new ("org.smartasync.TestApplication",
                              G_APPLICATION_NON_UNIQUE | flags);
  f->delay = sa_function_new_async ("delay", G_CALLBACK (sa_test_delay_async),
                                    G_CALLBACK (sa_test_delay_finish), 0,
                                    G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  f->sleep = sa_function_new_sync ("sleep", G_CALLBACK (sa_test_sleep_blocking),
                                   SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                                   G_TYPE_INT, 1, G_TYPE_INT);
  f->seen = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->app);
  g_clear_object (&f->delay);
  g_clear_object (&f->sleep);
  g_clear_pointer (&f->seen, g_ptr_array_unref);
  /* The application was the default one; nothing may keep it alive (a
   * call's last reference may go on a worker thread, where a
   * GtkApplication must not be finalized). */
  g_assert_null (g_application_get_default ());
}

static int
run_application (Fixture    *f,
                 int         argc,
                 const char *argv0,
                 const char *argv1)
{
  char *argv[] = { (char *) argv0, (char *) argv1, NULL };
  int status = g_application_run (f->app, argc, argv);

  f->run_returned = TRUE;
  return status;
}

static void
assert_delivered_in_the_loop (Fixture *f)
{
  /* Returned before the pair completed: it was started, not waited for
   * (a wait would have run the callback before returning). */
  g_assert_true (f->returned_before_completion);
  g_test_message ("the smart call returned after %" G_GINT64_FORMAT " us", f->smart_call_us);
  g_assert_cmpuint (f->n_delivered, ==, 1);
  g_assert_cmpint (f->delivered_value, ==, 42);
  g_assert_true (f->delivered_before_run_returned);
}

static void
on_startup_call (GApplication *app,
                 Fixture      *f)
{
  record (f, "startup");
}

static void
on_activate_call (GApplication *app,
                  Fixture      *f)
{
  record (f, "activate");
  smart_call_delay (f);
}

/* The smart call in activate starts the pair and returns; the application,
 * held by nobody else, stays up until the result is delivered. */
static void
test_activate_starts_and_delivers (Fixture       *f,
                                   gconstpointer  data)
{
  g_signal_connect (f->app, "startup", G_CALLBACK (on_startup_call), f);
  g_signal_connect (f->app, "activate", G_CALLBACK (on_activate_call), f);

  g_assert_cmpint (run_application (f, 1, "test-application", NULL), ==, 0);

  g_assert_cmpuint (f->seen->len, ==, 2);
  g_assert_cmpstr (f->seen->pdata[0], ==, "startup=1");
  g_assert_cmpstr (f->seen->pdata[1], ==, "activate=1");
  assert_delivered_in_the_loop (f);
}

static void
on_activate_sleep (GApplication *app,
                   Fixture      *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  gint64 start = g_get_monotonic_time ();

  result = sa_function_call (f->sleep, NULL, on_delivered, f, DELAY_MS);
  f->smart_call_us = g_get_monotonic_time () - start;
  f->returned_before_completion = f->n_delivered == 0;
}

/* A blocking function called from activate goes to a worker thread. */
static void
test_activate_runs_blocking_work_on_a_worker (Fixture       *f,
                                              gconstpointer  data)
{
  g_signal_connect (f->app, "activate", G_CALLBACK (on_activate_sleep), f);

  g_assert_cmpint (run_application (f, 1, "test-application", NULL), ==, 0);

  g_assert_true (f->returned_before_completion);
  g_assert_cmpuint (f->n_delivered, ==, 1);
  g_assert_cmpint (f->delivered_value, ==, DELAY_MS);
}

static void
on_open (GApplication  *app,
         GFile        **files,
         int            n_files,
         const char    *hint,
         Fixture       *f)
{
  g_assert_cmpint (n_files, ==, 1);
  record (f, "open");
  smart_call_delay (f);
}

static void
test_open_is_async (Fixture       *f,
                    gconstpointer  data)
{
  g_signal_connect (f->app, "open", G_CALLBACK (on_open), f);

  g_assert_cmpint (run_application (f, 2, "test-application", "/dev/null"), ==, 0);

  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpstr (f->seen->pdata[0], ==, "open=1");
  assert_delivered_in_the_loop (f);
}

static int
on_command_line (GApplication            *app,
                 GApplicationCommandLine *command_line,
                 Fixture                 *f)
{
  record (f, "command-line");
  smart_call_delay (f);
  return 0;
}

static void
test_command_line_is_async (Fixture       *f,
                            gconstpointer  data)
{
  g_signal_connect (f->app, "command-line", G_CALLBACK (on_command_line), f);

  g_assert_cmpint (run_application (f, 2, "test-application", "arg"), ==, 0);

  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpstr (f->seen->pdata[0], ==, "command-line=1");
  assert_delivered_in_the_loop (f);
}

static void
on_shutdown (GApplication *app,
             Fixture      *f)
{
  g_autoptr(GAsyncResult) result = NULL;

  record (f, "shutdown");
  /* Nothing iterates the loop after shutdown: the call must complete
   * here, in a private context, or it would never be delivered. */
  result = sa_function_call (f->delay, NULL, on_delivered, f, 7, 10);
  g_assert_cmpuint (f->n_delivered, ==, 1);
}

static void
on_activate_nothing (GApplication *app,
                     Fixture      *f)
{
  record (f, "activate");
}

static void
test_shutdown_is_sync (Fixture       *f,
                       gconstpointer  data)
{
  g_signal_connect (f->app, "activate", G_CALLBACK (on_activate_nothing), f);
  g_signal_connect (f->app, "shutdown", G_CALLBACK (on_shutdown), f);

  g_assert_cmpint (run_application (f, 1, "test-application", NULL), ==, 0);

  g_assert_cmpuint (f->seen->len, ==, 2);
  g_assert_cmpstr (f->seen->pdata[0], ==, "activate=1");
  g_assert_cmpstr (f->seen->pdata[1], ==, "shutdown=0");
  g_assert_cmpuint (f->n_delivered, ==, 1);
  g_assert_cmpint (f->delivered_value, ==, 7);
}

/* g_application_register() before g_application_run() emits startup from
 * plain code: no loop will run unless the program starts one, so it is a
 * sync context; so is the code after run() returned. */
static void
test_register_before_run_and_after_run_are_sync (Fixture       *f,
                                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_signal_connect (f->app, "startup", G_CALLBACK (on_startup_call), f);
  g_signal_connect (f->app, "activate", G_CALLBACK (on_activate_nothing), f);

  g_assert_true (g_application_register (f->app, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (sa_context_is_async ());
  g_assert_cmpint (run_application (f, 1, "test-application", NULL), ==, 0);
  g_assert_false (sa_context_is_async ());

  g_assert_cmpuint (f->seen->len, ==, 2);
  g_assert_cmpstr (f->seen->pdata[0], ==, "startup=0");
  g_assert_cmpstr (f->seen->pdata[1], ==, "activate=1");
}

static gpointer
other_thread_is_sync (gpointer data)
{
  return GINT_TO_POINTER (sa_context_is_async ());
}

static void
on_activate_from_thread (GApplication *app,
                         Fixture      *f)
{
  GThread *thread = g_thread_new ("other", other_thread_is_sync, NULL);

  /* Another thread at the same moment is plain code. */
  g_assert_false (GPOINTER_TO_INT (g_thread_join (thread)));
  record (f, "activate");
}

static void
test_other_threads_stay_sync (Fixture       *f,
                              gconstpointer  data)
{
  g_signal_connect (f->app, "activate", G_CALLBACK (on_activate_from_thread), f);

  g_assert_cmpint (run_application (f, 1, "test-application", NULL), ==, 0);
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpstr (f->seen->pdata[0], ==, "activate=1");
}

static void
on_activate_pushed (GApplication *app,
                    Fixture      *f)
{
  g_autoptr(GMainContext) context = g_main_context_new ();

  /* A context pushed by the handler and never iterated is not where a
   * result could be delivered. */
  g_main_context_push_thread_default (context);
  record (f, "activate-pushed");
  g_main_context_pop_thread_default (context);
  record (f, "activate");
}

static void
test_context_pushed_in_a_handler_is_sync (Fixture       *f,
                                          gconstpointer  data)
{
  g_signal_connect (f->app, "activate", G_CALLBACK (on_activate_pushed), f);

  g_assert_cmpint (run_application (f, 1, "test-application", NULL), ==, 0);
  g_assert_cmpuint (f->seen->len, ==, 2);
  g_assert_cmpstr (f->seen->pdata[0], ==, "activate-pushed=0");
  g_assert_cmpstr (f->seen->pdata[1], ==, "activate=1");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, flags, func) \
  g_test_add ("/application/" path, Fixture, GUINT_TO_POINTER (flags), \
              fixture_set_up, func, fixture_tear_down)

  ADD ("activate/smart-call-starts-and-is-delivered", 0, test_activate_starts_and_delivers);
  ADD ("activate/blocking-work-goes-to-a-worker", 0,
       test_activate_runs_blocking_work_on_a_worker);
  ADD ("open/is-async", G_APPLICATION_HANDLES_OPEN, test_open_is_async);
  ADD ("command-line/is-async", G_APPLICATION_HANDLES_COMMAND_LINE, test_command_line_is_async);
  ADD ("shutdown/is-sync", 0, test_shutdown_is_sync);
  ADD ("register-before-run-and-after-run/are-sync", 0,
       test_register_before_run_and_after_run_are_sync);
  ADD ("other-threads/stay-sync", 0, test_other_threads_stay_sync);
  ADD ("context-pushed-in-a-handler/is-sync", 0, test_context_pushed_in_a_handler_is_sync);

#undef ADD

  return g_test_run ();
}
