/* demo-hasher.c: a sync and an async API from one implementation
 *
 * The work is written once, as a blocking function. One SaFunction wraps
 * it; _sync calls it directly, _async runs it on a worker thread and
 * completes in the caller's main context, as GIO's contract requires.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "demo-hasher.h"

struct _DemoHasher
{
  GObject        parent_instance;

  GChecksumType  checksum_type;
  SaFunction    *hash_file;
};

G_DEFINE_FINAL_TYPE (DemoHasher, demo_hasher, G_TYPE_OBJECT)

/* The one implementation. */
static char *
hash_file_blocking (DemoHasher    *self,
                    GFile         *file,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (self->checksum_type);
  g_autoptr(GFileInputStream) stream = NULL;
  guchar buffer[16384];
  gssize n;

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;

  while ((n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, sizeof buffer,
                                   cancellable, error)) > 0)
    g_checksum_update (checksum, buffer, n);

  if (n < 0)
    return NULL;

  return g_strdup (g_checksum_get_string (checksum));
}

static void
demo_hasher_finalize (GObject *object)
{
  DemoHasher *self = DEMO_HASHER (object);

  g_clear_object (&self->hash_file);

  G_OBJECT_CLASS (demo_hasher_parent_class)->finalize (object);
}

static void
demo_hasher_class_init (DemoHasherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = demo_hasher_finalize;
}

static void
demo_hasher_init (DemoHasher *self)
{
  self->hash_file = sa_function_new_sync ("demo-hasher-hash-file",
                                          G_CALLBACK (hash_file_blocking),
                                          SA_FUNCTION_FLAGS_CANCELLABLE |
                                          SA_FUNCTION_FLAGS_THROWS,
                                          G_TYPE_STRING, 2,
                                          DEMO_TYPE_HASHER, G_TYPE_FILE);
}

DemoHasher *
demo_hasher_new (GChecksumType checksum_type)
{
  DemoHasher *self = g_object_new (DEMO_TYPE_HASHER, NULL);

  self->checksum_type = checksum_type;
  return self;
}

char *
demo_hasher_hash_file_sync (DemoHasher    *self,
                            GFile         *file,
                            GCancellable  *cancellable,
                            GError       **error)
{
  char *digest = NULL;

  g_return_val_if_fail (DEMO_IS_HASHER (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  sa_function_call_sync (self->hash_file, cancellable, error, self, file, &digest);
  return digest;
}

void
demo_hasher_hash_file_async (DemoHasher          *self,
                             GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (DEMO_IS_HASHER (self));
  g_return_if_fail (G_IS_FILE (file));

  /* On behalf of @self: the callback sees @self as the source object. */
  sa_function_call_async_with_source (self->hash_file, self, cancellable,
                                      callback, user_data, self, file);
}

char *
demo_hasher_hash_file_finish (DemoHasher    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_auto(GValue) digest = G_VALUE_INIT;

  g_return_val_if_fail (DEMO_IS_HASHER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!sa_function_call_finish (self->hash_file, result, &digest, error))
    return NULL;
  return g_value_dup_string (&digest);
}
