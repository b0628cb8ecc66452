/* test-examples.c: run each C example and check what it prints
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <unistd.h>

/* Runs the example named by @env_name with the arguments, checks its exit
 * status and returns what it printed; what it printed on stderr goes to
 * @err_out if given. */
static char *
run (const char  *env_name,
     int          expected_status,
     char       **err_out,
     const char  *first_arg,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *program = g_getenv (env_name);
  char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (char *) program);
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  if (g_subprocess_get_exit_status (process) != expected_status)
    g_error ("%s exited with %d, not %d; stderr:\n%s", program,
             g_subprocess_get_exit_status (process), expected_status, err);
  if (err_out != NULL)
    *err_out = g_steal_pointer (&err);

  return out;
}

static void
test_example_sa_cat_reads_files_from_sync_code (void)
{
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  fd = g_file_open_tmp ("sa-cat-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, "line one\nline two\n", -1, &error);
  g_assert_no_error (error);

  out = run ("SA_CAT", 0, NULL, path, path, NULL);
  g_assert_cmpstr (out, ==, "line one\nline two\nline one\nline two\n");
  g_clear_pointer (&out, g_free);

  /* A missing file is reported with GIO's own message, and the exit code
   * says so. */
  out = run ("SA_CAT", 1, &err, "/nonexistent/file", NULL);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_pattern_match_simple ("*/nonexistent/file*No such file or directory*", err));

  g_unlink (path);
}

static void
test_example_sa_ticker_keeps_the_loop_ticking (void)
{
  g_autofree char *out = run ("SA_TICKER", 0, NULL, "sh -c 'sleep 0.6; echo finished'", NULL);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint ticks = 0;

  g_assert_cmpstr (lines[0], ==, "async context: yes");
  g_assert_true (strstr (out, "output: finished\n") != NULL);
  g_assert_true (strstr (out, "tick 1\n") != NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    ticks += g_str_has_prefix (lines[i], "tick ");

  /* The 100 ms timer fired while the 600 ms command ran. */
  g_test_message ("%u ticks", ticks);
  g_assert_cmpuint (ticks, >=, 3);
}

static void
test_example_sa_ticker_reports_a_failed_command (void)
{
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;

  /* Killed by a signal: an error, not an empty output. */
  out = run ("SA_TICKER", 1, &err, "sh -c 'kill -KILL $$'", NULL);
  g_assert_null (strstr (out, "output:"));
  g_assert_true (g_pattern_match_simple ("sa-ticker: *killed by signal 9*", err));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  out = run ("SA_TICKER", 1, &err, "sh -c 'echo partial; exit 3'", NULL);
  g_assert_null (strstr (out, "output:"));
  g_assert_true (g_pattern_match_simple ("sa-ticker: *exited with code 3*", err));
}

static void
test_example_hasher_offers_sync_and_async_from_one_implementation (void)
{
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *digest = NULL;
  int fd;

  fd = g_file_open_tmp ("hasher-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, "hash me", -1, &error);
  g_assert_no_error (error);

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "hash me", -1);
  expected = g_strdup_printf ("sync:  %s\nasync: %s\nsame:  yes\n", digest, digest);
  out = run ("HASHER_DEMO", 0, NULL, path, NULL);
  g_assert_cmpstr (out, ==, expected);

  g_unlink (path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/examples/sa-cat/reads-files-from-sync-code",
                   test_example_sa_cat_reads_files_from_sync_code);
  g_test_add_func ("/examples/sa-ticker/keeps-the-loop-ticking",
                   test_example_sa_ticker_keeps_the_loop_ticking);
  g_test_add_func ("/examples/sa-ticker/reports-a-failed-command",
                   test_example_sa_ticker_reports_a_failed_command);
  g_test_add_func ("/examples/hasher/sync-and-async-from-one-implementation",
                   test_example_hasher_offers_sync_and_async_from_one_implementation);

  return g_test_run ();
}
