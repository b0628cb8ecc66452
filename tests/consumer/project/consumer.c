/* consumer.c: reads the file given, through a GIO pair wrapped by
 * smartasync-glib, from plain sync code. */
#include <smartasync-glib.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaFunction) load = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (argc == 2, 2);
  load = sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
                                G_CALLBACK (g_file_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_FILE_INPUT_STREAM, 2, G_TYPE_FILE, G_TYPE_INT);
  file = g_file_new_for_path (argv[1]);
  if (!sa_function_call_sync (load, NULL, &error, file, G_PRIORITY_DEFAULT, &stream))
    g_error ("%s", error->message);
  bytes = g_input_stream_read_bytes (G_INPUT_STREAM (stream), 64, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (bytes, NULL), "/* consumer.c"));
  g_print ("smartasync-glib %s as a subproject: read %s\n", SA_VERSION_S, argv[1]);
  return 0;
}
