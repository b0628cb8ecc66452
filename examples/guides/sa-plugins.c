/* sa-plugins.c: a host whose plugins are sync or async, called one way.
 *
 * Every plugin is an SaFunction taking a string and returning a string,
 * whatever it wraps: a plain blocking function, a GIO-style
 * _async/_finish pair, or an implementation handed a GTask (the shape a
 * plugin written in another language uses). The host never asks which.
 *
 *   sa-plugins TEXT          runs each plugin in turn, from plain code
 *   sa-plugins --loop TEXT   runs all at once from a main loop
 *
 * Both print the same lines. The guide: docs/guides/plugins.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

/* Plugin "upper": a plain function. */
static char *
upper_run (const char *text)
{
  return g_utf8_strup (text, -1);
}

/* Plugin "words": blocking work (a stand-in for a slow parser). */
static char *
words_run (const char    *text,
           GCancellable  *cancellable,
           GError       **error)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);

  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return g_strdup_printf ("%u words", g_strv_length (words));
}

/* Plugin "reverse": a GIO-style async pair, answering after 300 ms in
 * the caller's context. */
static gboolean
reverse_reply (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_pointer (task, g_utf8_strreverse (g_task_get_task_data (task), -1), g_free);
  return G_SOURCE_REMOVE;
}

static void
reverse_run_async (const char          *text,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GSource *reply = g_timeout_source_new (300);

  g_task_set_source_tag (task, reverse_run_async);
  g_task_set_task_data (task, g_strdup (text), g_free);
  g_source_set_callback (reply, reverse_reply, task, g_object_unref);
  g_source_attach (reply, g_main_context_get_thread_default ());
  g_source_unref (reply);
}

static char *
reverse_run_finish (GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Plugin "bytes": handed the GTask to complete, it pipes the text through
 * `wc -c` with GSubprocess's async API. */
static void
on_counted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autofree char *out = NULL;
  GError *error = NULL;

  if (g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &out, NULL, &error))
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_STRING);
      g_value_take_string (&value, g_strdup_printf ("%s bytes", g_strstrip (out)));
      g_task_return_value (task, &value);
      g_value_unset (&value);
    }
  else
    g_task_return_error (task, error);
}

static void
bytes_run (GValue       *args,
           guint         n_args,
           GCancellable *cancellable,
           GTask        *task,
           gpointer      user_data)
{
  const char *argv[] = { "wc", "-c", NULL };
  g_autoptr(GSubprocess) wc = NULL;
  GError *error = NULL;

  wc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                          &error);
  if (wc == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_subprocess_communicate_utf8_async (wc, g_value_get_string (&args[0]), cancellable,
                                       on_counted, g_object_ref (task));
}

typedef struct
{
  const char *name;
  SaFunction *run;
} Plugin;

static GPtrArray *
load_plugins (void)
{
  GPtrArray *plugins = g_ptr_array_new ();
  static Plugin all[4];
  const GType string = G_TYPE_STRING;

  all[0] = (Plugin) { "upper", sa_function_new_sync ("upper", G_CALLBACK (upper_run),
                                                     SA_FUNCTION_FLAGS_NONE,
                                                     G_TYPE_STRING, 1, G_TYPE_STRING) };
  all[1] = (Plugin) { "words", sa_function_new_sync ("words", G_CALLBACK (words_run),
                                                     SA_FUNCTION_FLAGS_CANCELLABLE |
                                                     SA_FUNCTION_FLAGS_THROWS,
                                                     G_TYPE_STRING, 1, G_TYPE_STRING) };
  all[2] = (Plugin) { "reverse", sa_function_new_async ("reverse", G_CALLBACK (reverse_run_async),
                                                        G_CALLBACK (reverse_run_finish),
                                                        SA_FUNCTION_FLAGS_NONE,
                                                        G_TYPE_STRING, 1, G_TYPE_STRING) };
  all[3] = (Plugin) { "bytes", sa_function_new_async_full ("bytes", G_TYPE_STRING, &string, 1,
                                                           SA_FUNCTION_FLAGS_NONE, bytes_run,
                                                           NULL, NULL) };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_ptr_array_add (plugins, &all[i]);
  return plugins;
}

static void
unload_plugins (GPtrArray *plugins)
{
  for (guint i = 0; i < plugins->len; i++)
    g_object_unref (((Plugin *) plugins->pdata[i])->run);
  g_ptr_array_unref (plugins);
}

/* The host, from plain code: each plugin in turn. */
static int
run_in_turn (GPtrArray  *plugins,
             const char *text)
{
  int status = 0;

  for (guint i = 0; i < plugins->len; i++)
    {
      Plugin *plugin = plugins->pdata[i];
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;

      if (sa_function_call_sync (plugin->run, NULL, &error, text, &out))
        g_print ("%s: %s\n", plugin->name, out);
      else
        {
          g_printerr ("%s failed: %s\n", plugin->name, error->message);
          status = 1;
        }
    }
  return status;
}

/* The host, from a main loop: all plugins at once. */
typedef struct
{
  GPtrArray *plugins;
  char **out;
  guint pending;
  int status;
  GMainLoop *loop;
} Round;

static void
on_plugin_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Round *round = user_data;
  g_auto(GValue) out = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  guint i;

  for (i = 0; ((Plugin *) round->plugins->pdata[i])->run != (gpointer) source; i++)
    ;
  if (sa_function_call_finish (SA_FUNCTION (source), result, &out, &error))
    round->out[i] = g_value_dup_string (&out);
  else
    {
      g_printerr ("%s failed: %s\n", sa_function_get_name (SA_FUNCTION (source)), error->message);
      round->status = 1;
    }
  if (--round->pending == 0)
    g_main_loop_quit (round->loop);
}

static int
run_at_once (GPtrArray  *plugins,
             const char *text)
{
  /* NULL-terminated, for g_strfreev(). */
  Round round = { plugins, g_new0 (char *, plugins->len + 1), 0, 0, g_main_loop_new (NULL, FALSE) };
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  for (guint i = 0; i < plugins->len; i++)
    {
      round.pending++;
      sa_function_call_async (((Plugin *) plugins->pdata[i])->run, NULL,
                              on_plugin_done, &round, text);
    }
  g_main_loop_run (round.loop);
  elapsed = g_get_monotonic_time () - start;

  for (guint i = 0; i < plugins->len; i++)
    if (round.out[i] != NULL)
      g_print ("%s: %s\n", ((Plugin *) plugins->pdata[i])->name, round.out[i]);
  g_printerr ("all plugins in %" G_GINT64_FORMAT " ms\n", elapsed / 1000);

  g_strfreev (round.out);
  g_main_loop_unref (round.loop);
  return round.status;
}

int
main (int   argc,
      char *argv[])
{
  gboolean loop = argc > 2 && g_str_equal (argv[1], "--loop");
  GPtrArray *plugins;
  int status;

  if (argc < 2)
    {
      g_printerr ("usage: %s [--loop] TEXT\n", argv[0]);
      return 2;
    }

  plugins = load_plugins ();
  status = loop ? run_at_once (plugins, argv[2]) : run_in_turn (plugins, argv[1]);
  unload_plugins (plugins);
  return status;
}
