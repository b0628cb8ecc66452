/* sa-ticker.c: a main-loop program calling a blocking function without
 * freezing.
 *
 * run_command_blocking() is an ordinary blocking C function. Called with
 * the smart call from a main-loop callback, it runs on a worker thread
 * while the loop keeps dispatching: the ticks printed meanwhile prove it.
 *
 *   sa-ticker [COMMAND]     (default: "sh -c 'sleep 1; echo done'")
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

/* A blocking function, as legacy code has them. */
static char *
run_command_blocking (const char    *command_line,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  char *output = NULL;

  if (!g_shell_parse_argv (command_line, NULL, &argv, error))
    return NULL;

  process = g_subprocess_newv ((const char * const *) argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, cancellable, &output, NULL, error))
    return NULL;

  /* A command that failed or was killed is an error, not its output. */
  if (!g_spawn_check_wait_status (g_subprocess_get_status (process), error))
    {
      g_free (output);
      return NULL;
    }

  return output;
}

typedef struct
{
  SaFunction *run;
  const char *command;
  GMainLoop  *loop;
  guint       ticks;
  int         status;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *t = data;

  g_print ("tick %u\n", ++t->ticks);
  return G_SOURCE_CONTINUE;
}

static void
on_output (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Ticker *t = data;
  g_auto(GValue) output = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &output, &error))
    g_print ("output: %s", g_value_get_string (&output));
  else
    {
      g_printerr ("sa-ticker: %s\n", error->message);
      t->status = 1;
    }

  g_print ("the loop ticked %u times while the command ran\n", t->ticks);
  g_main_loop_quit (t->loop);
}

static gboolean
start (gpointer data)
{
  Ticker *t = data;

  /* Inside the loop: an async context, so the blocking function goes to a
   * worker thread and on_output() runs here, in this thread, later. */
  g_print ("async context: %s\n", sa_context_is_async () ? "yes" : "no");
  g_object_unref (sa_function_call (t->run, NULL, on_output, t, t->command));
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  Ticker t = { 0 };
  guint tick_id;

  t.command = argc > 1 ? argv[1] : "sh -c 'sleep 1; echo done'";
  t.run = sa_function_new_sync ("run-command", G_CALLBACK (run_command_blocking),
                                SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                                G_TYPE_STRING, 1, G_TYPE_STRING);
  t.loop = g_main_loop_new (NULL, FALSE);

  tick_id = g_timeout_add (100, tick, &t);
  g_idle_add (start, &t);
  g_main_loop_run (t.loop);

  g_source_remove (tick_id);
  g_main_loop_unref (t.loop);
  g_object_unref (t.run);
  return t.status;
}
