/* bench-introspected.c: a function wrapped from its typelib against the
 * same function declared by hand
 *
 * Both are SaFunctions over the same C functions; only the way they were
 * described differs (GI plans against GTypes given to
 * sa_function_new_sync () and sa_function_new_async ()), so the ratio is
 * the cost of converting arguments and results by the typelib's rules.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-common.h"

typedef struct
{
  SaFunction   *function;
  GObject      *instance;
  GType         instance_type;
  guint         n_args;      /* the instance, then a priority */
} Case;

/* GValues in and out, as bindings call. */
static guint64
run_syncv (gpointer data,
           guint64  n)
{
  Case *c = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
      GValue ret = G_VALUE_INIT;

      g_value_init (&args[0], c->instance_type);
      g_value_set_object (&args[0], c->instance);
      if (c->n_args > 1)
        {
          g_value_init (&args[1], G_TYPE_INT);
          g_value_set_int (&args[1], G_PRIORITY_DEFAULT);
        }

      if (!sa_function_call_syncv (c->function, args, c->n_args, &ret, NULL, NULL))
        g_error ("call_syncv failed");
      /* One per right result, so that every implementation's checksum is
       * the number of operations. */
      if (G_VALUE_HOLDS_STRING (&ret))
        sum += g_strcmp0 (g_value_get_string (&ret), "example.txt") == 0;
      else
        sum += g_value_get_boolean (&ret) == TRUE;

      g_value_unset (&ret);
      for (guint a = 0; a < c->n_args; a++)
        g_value_unset (&args[a]);
    }

  return sum;
}

/* C varargs in, a return location out. */
static guint64
run_call_sync (gpointer data,
               guint64  n)
{
  Case *c = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      g_autofree char *basename = NULL;

      if (!sa_function_call_sync (c->function, NULL, NULL, c->instance, &basename))
        g_error ("call_sync failed");
      sum += g_strcmp0 (basename, "example.txt") == 0;
    }

  return sum;
}

static SaFunction *
introspected (const char *name)
{
  g_autoptr(GError) error = NULL;
  SaFunction *function = sa_function_new_introspected ("Gio", "2.0", name, &error);

  g_assert_no_error (error);
  return function;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/usr/share/doc/example.txt");
  g_autoptr(GInputStream) stream = g_memory_input_stream_new ();
  g_autoptr(SaFunction) basename_gi = introspected ("File.get_basename");
  g_autoptr(SaFunction) basename_c =
    sa_function_new_sync ("get_basename", G_CALLBACK (g_file_get_basename),
                          SA_FUNCTION_FLAGS_NONE, G_TYPE_STRING, 1, G_TYPE_FILE);
  g_autoptr(SaFunction) close_gi = introspected ("InputStream.close_async");
  g_autoptr(SaFunction) close_c =
    sa_function_new_async ("close", G_CALLBACK (g_input_stream_close_async),
                           G_CALLBACK (g_input_stream_close_finish),
                           SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE, G_TYPE_BOOLEAN, 2,
                           G_TYPE_INPUT_STREAM, G_TYPE_INT);
  Case basename_gi_case = { basename_gi, G_OBJECT (file), G_TYPE_FILE, 1 };
  Case basename_c_case = { basename_c, G_OBJECT (file), G_TYPE_FILE, 1 };
  Case close_gi_case = { close_gi, G_OBJECT (stream), G_TYPE_INPUT_STREAM, 2 };
  Case close_c_case = { close_c, G_OBJECT (stream), G_TYPE_INPUT_STREAM, 2 };
  BenchSuite *suite;

  /* A closed stream completes close_async () at once. */
  g_input_stream_close (stream, NULL, NULL);

  suite = bench_suite_new ("introspected", "a typelib's function against the same declared by hand",
                           argc, argv, 40000, 21);
  bench_suite_add (suite, "gi-syncv", "File.get_basename from its typelib, call_syncv",
                   run_syncv, &basename_gi_case);
  bench_suite_add (suite, "c-syncv", "g_file_get_basename declared by hand, call_syncv",
                   run_syncv, &basename_c_case);
  bench_suite_add (suite, "gi-call-sync", "File.get_basename from its typelib, call_sync",
                   run_call_sync, &basename_gi_case);
  bench_suite_add (suite, "c-call-sync", "g_file_get_basename declared by hand, call_sync",
                   run_call_sync, &basename_c_case);
  bench_suite_add (suite, "gi-pair", "InputStream.close_async from its typelib, sync caller",
                   run_syncv, &close_gi_case);
  bench_suite_add (suite, "c-pair", "g_input_stream_close_async declared by hand, sync caller",
                   run_syncv, &close_c_case);
  bench_suite_run (suite);

  bench_suite_compare (suite, "gi-syncv", "c-syncv", 1.3, 0);
  bench_suite_compare (suite, "gi-call-sync", "c-call-sync", 1.3, 0);
  bench_suite_compare (suite, "gi-pair", "c-pair", 1.3, 0);
  return bench_suite_finish (suite);
}
