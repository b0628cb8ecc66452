/* test-without-loop.c: GTest tests of async code, written as plain sync
 * tests: no GMainLoop, no callbacks, no flags to poll.
 *
 * The guide: docs/guides/testing.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <unistd.h>
#include <smartasync-glib.h>

#include "wc-counter.h"

typedef struct
{
  char *path;
  GFile *file;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  int fd = g_file_open_tmp ("test-without-loop-XXXXXX", &fixture->path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (fixture->path, "one two three\nfour five\n", -1, &error);
  g_assert_no_error (error);
  fixture->file = g_file_new_for_path (fixture->path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_unlink (fixture->path);
  g_free (fixture->path);
  g_object_unref (fixture->file);
}

/* A GIO async operation, checked in one line. */
static void
test_gio_operation (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(SaFunction) query_info = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  query_info = sa_function_new_async ("query_info", G_CALLBACK (g_file_query_info_async),
                                      G_CALLBACK (g_file_query_info_finish),
                                      SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                      G_TYPE_FILE_INFO, 4, G_TYPE_FILE, G_TYPE_STRING,
                                      G_TYPE_FILE_QUERY_INFO_FLAGS, G_TYPE_INT);

  sa_function_call_sync (query_info, NULL, &error, fixture->file,
                         G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                         G_PRIORITY_DEFAULT, &info);
  g_assert_no_error (error);
  g_assert_cmpint (g_file_info_get_size (info), ==, 24);
}

/* A library's own _async/_finish pair: wrap it once for the test file. */
static SaFunction *
wrap_count_async (void)
{
  return sa_function_new_async ("wc_counter_count", G_CALLBACK (wc_counter_count_async),
                                G_CALLBACK (wc_counter_count_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_INT64, 2, WC_TYPE_COUNTER, G_TYPE_FILE);
}

static void
test_library_async_api (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SaFunction) count = wrap_count_async ();
  g_autoptr(WcCounter) counter = wc_counter_new ();
  g_autoptr(GError) error = NULL;
  gint64 words = 0;

  sa_function_call_sync (count, NULL, &error, counter, fixture->file, &words);
  g_assert_no_error (error);
  g_assert_cmpint (words, ==, 5);
}

static void
test_library_async_error (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SaFunction) count = wrap_count_async ();
  g_autoptr(WcCounter) counter = wc_counter_new ();
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/file");
  g_autoptr(GError) error = NULL;
  gint64 words = 0;

  g_assert_false (sa_function_call_sync (count, NULL, &error, counter, missing, &words));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* Code written with callbacks for a main loop: in a test (a sync context)
 * the smart call has run the callback when it returns. */
static void
on_counted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gint64 *words = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  sa_function_call_finish (SA_FUNCTION (source), result, &value, &error);
  g_assert_no_error (error);
  *words = g_value_get_int64 (&value);
}

static void
test_callback_code (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(SaFunction) count = wrap_count_async ();
  g_autoptr(WcCounter) counter = wc_counter_new ();
  g_autoptr(GAsyncResult) result = NULL;
  gint64 words = -1;

  result = sa_function_call (count, NULL, on_counted, &words, counter, fixture->file);
  g_assert_cmpint (words, ==, 5);
}

/* An operation that never completes fails the test instead of hanging it. */
static void
test_deadline (void)
{
  const char *argv[] = { "sleep", "30", NULL };
  g_autoptr(SaFunction) wait = NULL;
  g_autoptr(GSubprocess) sleeper = NULL;
  g_autoptr(GError) error = NULL;
  gboolean exited;

  wait = sa_function_new_async ("wait", G_CALLBACK (g_subprocess_wait_async),
                                G_CALLBACK (g_subprocess_wait_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_BOOLEAN, 1, G_TYPE_SUBPROCESS);
  sleeper = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);

  g_assert_false (sa_function_call_sync_with_timeout (wait, 200, NULL, &error, sleeper, &exited));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

  /* GLib sends the signal from its worker thread: wait for it to land. */
  g_subprocess_force_exit (sleeper);
  g_subprocess_wait (sleeper, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/guides/testing/gio-operation", Fixture, NULL,
              fixture_set_up, test_gio_operation, fixture_tear_down);
  g_test_add ("/guides/testing/library-async-api", Fixture, NULL,
              fixture_set_up, test_library_async_api, fixture_tear_down);
  g_test_add ("/guides/testing/library-async-error", Fixture, NULL,
              fixture_set_up, test_library_async_error, fixture_tear_down);
  g_test_add ("/guides/testing/callback-code", Fixture, NULL,
              fixture_set_up, test_callback_code, fixture_tear_down);
  g_test_add_func ("/guides/testing/deadline", test_deadline);

  return g_test_run ();
}
