/* sa-example-checksum.c: a C library's blocking function, for the GJS example
 *
 * JavaScript cannot leave GJS's main thread, so the blocking work a GJS
 * application hands off is C code from some library. This one offers a
 * slow, blocking checksum once, as an SaFunction: C and every binding get
 * a sync and an async way to call it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sa-example-checksum.h"

static char *
slow_checksum (const char    *path,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  /* Pretend this is slow work. */
  for (guint i = 0; i < 30; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

/**
 * sa_example_new_slow_checksum:
 *
 * `char *slow_checksum (const char *path, GCancellable *, GError **)`:
 * the SHA-256 of a file, computed slowly and blocking.
 *
 * Returns: (transfer full): the function
 */
SaFunction *
sa_example_new_slow_checksum (void)
{
  return sa_function_new_sync ("slow_checksum", G_CALLBACK (slow_checksum),
                               SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                               G_TYPE_STRING, 1, G_TYPE_STRING);
}
