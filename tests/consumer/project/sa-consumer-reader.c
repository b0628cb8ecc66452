/* sa-consumer-reader.c */
#include "sa-consumer-reader.h"

/**
 * sa_consumer_reader_new_function:
 *
 * Wraps g_file_read_async() and g_file_read_finish().
 *
 * Returns: (transfer full): a function that reads a #GFile
 */
SaFunction *
sa_consumer_reader_new_function (void)
{
  return sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
                                G_CALLBACK (g_file_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_FILE_INPUT_STREAM, 2, G_TYPE_FILE, G_TYPE_INT);
}
