/* wc-counter.c: one blocking implementation, wrapped once in an
 * SaFunction, behind a GIO-style API: wc_counter_count_sync() and
 * wc_counter_count_async()/_finish(), whose results carry this library's
 * source object, source tag and task name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "wc-counter.h"

struct _WcCounter
{
  GObject parent_instance;

  SaFunction *count;
};

G_DEFINE_FINAL_TYPE (WcCounter, wc_counter, G_TYPE_OBJECT)

/* The one implementation: plain blocking code. It runs on the caller's
 * thread for wc_counter_count_sync() and on a worker thread for
 * wc_counter_count_async(). */
static gint64
count_words (WcCounter     *self,
             GFile         *file,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  gint64 words = 0;

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return -1;
  lines = g_data_input_stream_new (G_INPUT_STREAM (stream));

  for (;;)
    {
      g_autofree char *line = NULL;
      g_autoptr(GError) local_error = NULL;
      g_auto(GStrv) tokens = NULL;

      line = g_data_input_stream_read_line_utf8 (lines, NULL, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return -1;
        }
      if (line == NULL)
        return words;

      tokens = g_strsplit_set (line, " \t\r\f\v", -1);
      for (guint i = 0; tokens[i] != NULL; i++)
        words += tokens[i][0] != '\0';
    }
}

static void
wc_counter_finalize (GObject *object)
{
  WcCounter *self = WC_COUNTER (object);

  g_clear_object (&self->count);
  G_OBJECT_CLASS (wc_counter_parent_class)->finalize (object);
}

static void
wc_counter_class_init (WcCounterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wc_counter_finalize;
}

static void
wc_counter_init (WcCounter *self)
{
  /* The instance is passed as an argument, not bound: the function holds
   * no reference to it, so there is no cycle. */
  self->count = sa_function_new_sync ("wc_counter_count", G_CALLBACK (count_words),
                                      SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                                      G_TYPE_INT64, 2, WC_TYPE_COUNTER, G_TYPE_FILE);
}

WcCounter *
wc_counter_new (void)
{
  return g_object_new (WC_TYPE_COUNTER, NULL);
}

gint64
wc_counter_count_sync (WcCounter     *self,
                       GFile         *file,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gint64 words = -1;

  g_return_val_if_fail (WC_IS_COUNTER (self), -1);
  g_return_val_if_fail (G_IS_FILE (file), -1);

  if (!sa_function_call_sync (self->count, cancellable, error, self, file, &words))
    return -1;
  return words;
}

void
wc_counter_count_async (WcCounter           *self,
                        GFile               *file,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (WC_IS_COUNTER (self));
  g_return_if_fail (G_IS_FILE (file));

  sa_function_call_async_full (self->count, self, wc_counter_count_async,
                               "wc_counter_count_async", cancellable,
                               callback, user_data, self, file);
}

gint64
wc_counter_count_finish (WcCounter     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_auto(GValue) words = G_VALUE_INIT;

  g_return_val_if_fail (WC_IS_COUNTER (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_async_result_is_tagged (result, wc_counter_count_async), -1);

  if (!sa_function_call_finish (self->count, result, &words, error))
    return -1;
  return g_value_get_int64 (&words);
}
