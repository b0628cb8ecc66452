/* sa-wc.c: counts the words of files with wc-counter's API, both ways:
 * wc_counter_count_sync() from plain code, then wc_counter_count_async()
 * for all files at once from a main loop. Checks that both agree and
 * that the async results are the library's own (source object, source
 * tag, task name).
 *
 *   sa-wc FILE...
 *
 * The guide: docs/guides/library.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "wc-counter.h"

typedef struct
{
  WcCounter *counter;
  GMainLoop *loop;
  gint64 *words;
  guint pending;
  int status;
} Counting;

typedef struct
{
  Counting *counting;
  guint index;
} Job;

static void
on_counted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree Job *job = user_data;
  Counting *counting = job->counting;
  g_autoptr(GError) error = NULL;
  gint64 words;

  /* What a debugger, sysprof or a _finish sees: the library's names. */
  if (!g_async_result_is_tagged (result, wc_counter_count_async) ||
      g_strcmp0 (g_task_get_name (G_TASK (result)), "wc_counter_count_async") != 0 ||
      g_task_get_source_object (G_TASK (result)) != (gpointer) counting->counter)
    {
      g_printerr ("sa-wc: the result is not wc_counter_count_async's\n");
      counting->status = 1;
    }

  words = wc_counter_count_finish (WC_COUNTER (source), result, &error);
  if (words != counting->words[job->index])
    {
      g_printerr ("sa-wc: async count %" G_GINT64_FORMAT " differs from sync count %"
                  G_GINT64_FORMAT "%s%s\n", words, counting->words[job->index],
                  error ? ": " : "", error ? error->message : "");
      counting->status = 1;
    }
  if (--counting->pending == 0)
    g_main_loop_quit (counting->loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(WcCounter) counter = wc_counter_new ();
  g_autofree gint64 *words = g_new0 (gint64, argc);
  Counting counting = { counter, NULL, words, 0, 0 };

  /* The sync API, from plain code. */
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[i]);
      g_autoptr(GError) error = NULL;

      words[i] = wc_counter_count_sync (counter, file, NULL, &error);
      if (error != NULL)
        {
          g_printerr ("sa-wc: %s\n", error->message);
          counting.status = 1;
        }
      else
        g_print ("%8" G_GINT64_FORMAT " %s\n", words[i], argv[i]);
    }

  /* The async API, every file at once, from a main loop. */
  counting.loop = g_main_loop_new (NULL, FALSE);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[i]);
      Job *job = g_new (Job, 1);

      job->counting = &counting;
      job->index = i;
      counting.pending++;
      wc_counter_count_async (counter, file, NULL, on_counted, job);
    }
  if (counting.pending > 0)
    g_main_loop_run (counting.loop);
  g_main_loop_unref (counting.loop);

  if (counting.status == 0)
    g_print ("the async API agrees, with wc_counter_count_async's tag and name\n");
  return counting.status;
}
