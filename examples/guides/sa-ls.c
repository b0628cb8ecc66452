/* sa-ls.c: a command-line tool written in plain sync code on top of GIO's
 * async API: it lists a directory, largest entries first, with
 * g_file_enumerate_children_async(), g_file_enumerator_next_files_async()
 * and g_file_enumerator_close_async(), and no main loop.
 *
 *   sa-ls [DIRECTORY]
 *
 * The guide: docs/guides/command-line-tool.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>

#include <smartasync-glib.h>

typedef struct
{
  SaFunction *enumerate;
  SaFunction *next_files;
  SaFunction *close;
} Ops;

static Ops *
ops_wrap (void)
{
  Ops *ops = g_new0 (Ops, 1);

  ops->enumerate = sa_function_new_async ("enumerate_children",
                                          G_CALLBACK (g_file_enumerate_children_async),
                                          G_CALLBACK (g_file_enumerate_children_finish),
                                          SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                          G_TYPE_FILE_ENUMERATOR, 4,
                                          G_TYPE_FILE, G_TYPE_STRING,
                                          G_TYPE_FILE_QUERY_INFO_FLAGS, G_TYPE_INT);
  /* The GList of GFileInfos travels as a pointer: this code owns it. */
  ops->next_files = sa_function_new_async ("next_files",
                                           G_CALLBACK (g_file_enumerator_next_files_async),
                                           G_CALLBACK (g_file_enumerator_next_files_finish),
                                           SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                           G_TYPE_POINTER, 3,
                                           G_TYPE_FILE_ENUMERATOR, G_TYPE_INT, G_TYPE_INT);
  ops->close = sa_function_new_async ("close",
                                      G_CALLBACK (g_file_enumerator_close_async),
                                      G_CALLBACK (g_file_enumerator_close_finish),
                                      SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                      G_TYPE_BOOLEAN, 2,
                                      G_TYPE_FILE_ENUMERATOR, G_TYPE_INT);

  /* A directory on a stalled network mount fails after 10 s instead of
   * hanging the tool. */
  sa_function_set_timeout (ops->enumerate, 10000);
  sa_function_set_timeout (ops->next_files, 10000);
  return ops;
}

static void
ops_free (Ops *ops)
{
  g_object_unref (ops->enumerate);
  g_object_unref (ops->next_files);
  g_object_unref (ops->close);
  g_free (ops);
}

static int
by_size_then_name (gconstpointer a,
                   gconstpointer b)
{
  GFileInfo *x = *(GFileInfo **) a;
  GFileInfo *y = *(GFileInfo **) b;
  goffset xs = g_file_info_get_size (x);
  goffset ys = g_file_info_get_size (y);

  if (xs != ys)
    return xs > ys ? -1 : 1;
  return g_strcmp0 (g_file_info_get_name (x), g_file_info_get_name (y));
}

static GPtrArray *
list_directory (Ops          *ops,
                GFile        *directory,
                GError      **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean closed;

  if (!sa_function_call_sync (ops->enumerate, NULL, error, directory,
                              G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                              G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, &children))
    return NULL;

  for (;;)
    {
      GList *batch = NULL;

      if (!sa_function_call_sync (ops->next_files, NULL, error, children, 64,
                                  G_PRIORITY_DEFAULT, &batch))
        return NULL;
      if (batch == NULL)
        break;
      for (GList *l = batch; l != NULL; l = l->next)
        g_ptr_array_add (infos, l->data);
      g_list_free (batch);
    }

  if (!sa_function_call_sync (ops->close, NULL, error, children, G_PRIORITY_DEFAULT, &closed))
    return NULL;

  g_ptr_array_sort (infos, by_size_then_name);
  return g_steal_pointer (&infos);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GFile) directory = g_file_new_for_commandline_arg (argc > 1 ? argv[1] : ".");
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  Ops *ops = ops_wrap ();
  goffset total = 0;

  infos = list_directory (ops, directory, &error);
  ops_free (ops);
  if (infos == NULL)
    {
      g_printerr ("sa-ls: %s\n", error->message);
      return 1;
    }

  for (guint i = 0; i < infos->len; i++)
    {
      GFileInfo *info = infos->pdata[i];

      g_print ("%10" G_GOFFSET_FORMAT "  %s\n", g_file_info_get_size (info),
               g_file_info_get_name (info));
      total += g_file_info_get_size (info);
    }
  g_print ("%u entries, %" G_GOFFSET_FORMAT " bytes\n", infos->len, total);
  return 0;
}
