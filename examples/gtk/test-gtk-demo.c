/* test-gtk-demo.c: run the GTK 4 demos under Xvfb in their self-test mode
 *
 * Each demo clicks through itself with GTK's own API (gtk_widget_activate()
 * on its buttons) and prints TAP lines for what it checked: the smart call
 * in `activate` returned a pending result, frames kept coming during the
 * blocking call, Cancel cancelled it. The C demo also saves a screenshot,
 * which docs/guides/ shows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <gio/gio.h>

/* Runs @argv under xvfb-run and returns what it printed on stdout; fails
 * the test unless it exits with 0 having passed every check it announced. */
static char *
run_under_xvfb (const char * const *argv,
                int                 expected_checks)
{
  g_autoptr(GPtrArray) full = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *plan = g_strdup_printf ("\n1..%d\n", expected_checks);
  char *out = NULL;

  g_ptr_array_add (full, (char *) g_getenv ("XVFB_RUN"));
  g_ptr_array_add (full, "-a");
  g_ptr_array_add (full, "-s");
  g_ptr_array_add (full, "-screen 0 1024x768x24");
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, (char *) argv[i]);
  g_ptr_array_add (full, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* In the sanitizer build (.ci/sanitize) the demo is checked for invalid
   * accesses, not leaks: GTK keeps caches at exit by design. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *options = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":detect_leaks=0", NULL);
      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
    }
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) full->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  /* The demo's own TAP lines, as comments of this test's. */
  {
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      if (lines[i][0] != '\0')
        g_test_message ("%s", lines[i]);
  }

  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("%s failed; stdout:\n%s\nstderr:\n%s", argv[0], out, err);
  g_assert_null (strstr (out, "not ok"));
  g_assert_nonnull (strstr (out, plan));
  return out;
}

static void
test_gtk_demo_c_stays_responsive_and_cancels (void)
{
  g_autofree char *png = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "sa-gtk-demo.png", NULL);
  g_autofree char *arg = g_strdup_printf ("--self-test=%s", png);
  const char *argv[] = { g_getenv ("SA_GTK_DEMO"), arg, NULL };
  g_autofree char *out = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  guint32 width;
  guint32 height;

  g_remove (png);
  out = run_under_xvfb (argv, 10);

  /* A PNG of the whole window: the signature, then IHDR's size. */
  g_file_get_contents (png, &data, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 24);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  width = GUINT32_FROM_BE (*(guint32 *) (data + 16));
  height = GUINT32_FROM_BE (*(guint32 *) (data + 20));
  g_test_message ("screenshot %s: %u x %u", png, width, height);
  g_assert_cmpuint (width, >=, 300);
  g_assert_cmpuint (height, >=, 100);
}

static void
test_gtk_demo_python_stays_responsive_and_cancels (void)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) command = NULL;
  g_autofree char *out = NULL;

  /* In the sanitizer build, the library is sanitized and Python is not:
   * Python gets the sanitizer runtimes first, as .ci/sanitize gives them
   * to the interpreters it runs. */
  if (g_getenv ("SA_LIBASAN") != NULL)
    {
      g_autofree char *preload = g_strdup_printf ("LD_PRELOAD=%s %s", g_getenv ("SA_LIBASAN"),
                                                  g_getenv ("SA_LIBUBSAN"));

      g_strv_builder_add_many (argv, "env", preload,
                               "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL);
    }
  g_strv_builder_add_many (argv, g_getenv ("SYSTEM_PYTHON"), g_getenv ("SA_GTK_DEMO_PY"),
                           "--self-test", NULL);
  command = g_strv_builder_end (argv);
  out = run_under_xvfb ((const char * const *) command, 9);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gtk-demo/c/stays-responsive-and-cancels",
                   test_gtk_demo_c_stays_responsive_and_cancels);
  g_test_add_func ("/gtk-demo/python/stays-responsive-and-cancels",
                   test_gtk_demo_python_stays_responsive_and_cancels);

  return g_test_run ();
}
