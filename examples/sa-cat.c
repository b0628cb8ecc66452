/* sa-cat.c: print files, reading them through GIO's async API from plain
 * sync code.
 *
 * g_file_read_async() and g_input_stream_read_bytes_async() are wrapped as
 * they are; sa_function_call_sync() runs each to completion in a private
 * main context. No main loop, no callbacks.
 *
 *   sa-cat FILE-OR-URI...
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>

#include <smartasync-glib.h>

static gboolean
cat_one (SaFunction  *read,
         SaFunction  *read_bytes,
         const char  *arg,
         GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (arg);
  g_autoptr(GFileInputStream) stream = NULL;

  if (!sa_function_call_sync (read, NULL, error, file, G_PRIORITY_DEFAULT, &stream))
    return FALSE;

  for (;;)
    {
      g_autoptr(GBytes) chunk = NULL;
      gsize size;
      const char *data;

      if (!sa_function_call_sync (read_bytes, NULL, error, stream, (gsize) 8192,
                                  G_PRIORITY_DEFAULT, &chunk))
        return FALSE;

      data = g_bytes_get_data (chunk, &size);
      if (size == 0)
        return TRUE;
      fwrite (data, 1, size, stdout);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SaFunction) read = NULL;
  g_autoptr(SaFunction) read_bytes = NULL;
  int status = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s FILE-OR-URI...\n", argv[0]);
      return 2;
    }

  read = sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
                                G_CALLBACK (g_file_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_FILE_INPUT_STREAM, 2,
                                G_TYPE_FILE, G_TYPE_INT);
  read_bytes = sa_function_new_async ("read-bytes", G_CALLBACK (g_input_stream_read_bytes_async),
                                      G_CALLBACK (g_input_stream_read_bytes_finish),
                                      SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                      G_TYPE_BYTES, 3,
                                      G_TYPE_INPUT_STREAM, G_TYPE_ULONG, G_TYPE_INT);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!cat_one (read, read_bytes, argv[i], &error))
        {
          g_printerr ("sa-cat: %s: %s\n", argv[i], error->message);
          status = 1;
        }
    }

  return status;
}
