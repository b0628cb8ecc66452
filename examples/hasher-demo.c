/* hasher-demo.c: DemoHasher's sync and async API, side by side
 *
 *   hasher-demo FILE
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>

#include "demo-hasher.h"

typedef struct
{
  DemoHasher *hasher;
  GFile      *file;
  GMainLoop  *loop;
  char       *async_digest;
  guint       ticks;
} Demo;

static void
on_hashed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Demo *demo = data;
  g_autoptr(GError) error = NULL;

  g_assert (DEMO_IS_HASHER (source));
  demo->async_digest = demo_hasher_hash_file_finish (DEMO_HASHER (source), result, &error);
  if (demo->async_digest == NULL)
    g_printerr ("hasher-demo: %s\n", error->message);
  g_main_loop_quit (demo->loop);
}

static gboolean
count_tick (gpointer data)
{
  ((Demo *) data)->ticks++;
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sync_digest = NULL;
  Demo demo = { 0 };
  gboolean same;
  guint tick_id;

  if (argc != 2)
    {
      g_printerr ("usage: %s FILE\n", argv[0]);
      return 2;
    }

  demo.hasher = demo_hasher_new (G_CHECKSUM_SHA256);
  demo.file = g_file_new_for_commandline_arg (argv[1]);

  sync_digest = demo_hasher_hash_file_sync (demo.hasher, demo.file, NULL, &error);
  if (sync_digest == NULL)
    {
      g_printerr ("hasher-demo: %s\n", error->message);
      return 1;
    }
  g_print ("sync:  %s\n", sync_digest);

  demo.loop = g_main_loop_new (NULL, FALSE);
  tick_id = g_timeout_add (1, count_tick, &demo);
  demo_hasher_hash_file_async (demo.hasher, demo.file, NULL, on_hashed, &demo);
  g_main_loop_run (demo.loop);
  g_source_remove (tick_id);

  if (demo.async_digest == NULL)
    return 1;
  g_print ("async: %s\n", demo.async_digest);
  same = g_str_equal (sync_digest, demo.async_digest);
  g_print ("same:  %s\n", same ? "yes" : "no");

  g_free (demo.async_digest);
  g_main_loop_unref (demo.loop);
  g_object_unref (demo.file);
  g_object_unref (demo.hasher);
  return same ? 0 : 1;
}
