/* test-shapes.c: pair shapes and declarations real libraries have
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "sa-test-util.h"

/* libsecret's secret_password_clear_finish(): FALSE means "nothing was
 * removed", a value, not a failure. A FALSE with a GError is a failure. */
static void
clear_async (int                  n_items,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  if (n_items < 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             "the keyring is locked");
  else
    g_task_return_boolean (task, n_items > 0);
  g_object_unref (task);
}

static gboolean
clear_finish (GAsyncResult  *result,
              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_false_without_error_is_a_value (void)
{
  g_autoptr(SaFunction) clear = NULL;
  g_autoptr(GError) error = NULL;
  gboolean removed = TRUE;

  clear = sa_function_new_async ("clear", G_CALLBACK (clear_async), G_CALLBACK (clear_finish),
                                 SA_FUNCTION_FLAGS_NONE, G_TYPE_BOOLEAN, 1, G_TYPE_INT);

  g_assert_true (sa_function_call_sync (clear, NULL, &error, 0, &removed));
  g_assert_no_error (error);
  g_assert_false (removed);

  g_assert_true (sa_function_call_sync (clear, NULL, &error, 2, &removed));
  g_assert_true (removed);

  g_assert_false (sa_function_call_sync (clear, NULL, &error, -1, &removed));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
}

/* The same rule for a blocking C function: secret_password_clear_sync()
 * returns FALSE for "nothing removed" too. The GError decides. */
static gboolean
clear_blocking (int       n_items,
                GError  **error)
{
  if (n_items < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "the keyring is locked");
      return FALSE;
    }
  return n_items > 0;
}

static void
test_blocking_false_without_error_is_a_value (void)
{
  g_autoptr(SaFunction) clear = NULL;
  g_autoptr(GError) error = NULL;
  gboolean removed = TRUE;

  clear = sa_function_new_sync ("clear-blocking", G_CALLBACK (clear_blocking),
                                SA_FUNCTION_FLAGS_THROWS, G_TYPE_BOOLEAN, 1, G_TYPE_INT);
  g_assert_true (sa_function_call_sync (clear, NULL, &error, 0, &removed));
  g_assert_no_error (error);
  g_assert_false (removed);
  g_assert_false (sa_function_call_sync (clear, NULL, &error, -1, &removed));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
}

/* A small library, FooClient, that offers foo_client_fetch_async() and
 * _finish() built on one SaFunction, as a GIO library would write them. */
#define FOO_TYPE_CLIENT (foo_client_get_type ())
G_DECLARE_FINAL_TYPE (FooClient, foo_client, FOO, CLIENT, GObject)

struct _FooClient
{
  GObject parent_instance;
  SaFunction *fetch;
};

G_DEFINE_FINAL_TYPE (FooClient, foo_client, G_TYPE_OBJECT)

static void
foo_client_finalize (GObject *object)
{
  g_clear_object (&FOO_CLIENT (object)->fetch);
  G_OBJECT_CLASS (foo_client_parent_class)->finalize (object);
}

static void
foo_client_class_init (FooClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = foo_client_finalize;
}

static void
foo_client_init (FooClient *self)
{
  self->fetch = sa_function_new_async ("foo-fetch", G_CALLBACK (sa_test_delay_async),
                                       G_CALLBACK (sa_test_delay_finish), 0,
                                       G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

static void
foo_client_fetch_async (FooClient           *self,
                        int                  id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  sa_function_call_async_full (self->fetch, self, foo_client_fetch_async,
                               "foo_client_fetch_async", cancellable, callback, user_data,
                               id, 5);
}

static int
foo_client_fetch_finish (FooClient     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_return_val_if_fail (g_async_result_is_tagged (result, foo_client_fetch_async), -1);

  if (!sa_function_call_finish (self->fetch, result, &value, error))
    return -1;
  return g_value_get_int (&value);
}

typedef struct
{
  GMainLoop *loop;
  FooClient *client;
  int id;
  gboolean tagged;
  char *task_name;
  gpointer source_object;
} Fetched;

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetched *fetched = user_data;
  g_autoptr(GError) error = NULL;
  GObject *result_source = g_async_result_get_source_object (result);

  fetched->source_object = source;
  fetched->tagged = g_async_result_is_tagged (result, foo_client_fetch_async);
  fetched->task_name = g_strdup (g_task_get_name (G_TASK (result)));
  g_assert_true (result_source == source);
  g_object_unref (result_source);
  fetched->id = foo_client_fetch_finish (FOO_CLIENT (source), result, &error);
  g_assert_no_error (error);
  g_main_loop_quit (fetched->loop);
}

static void
test_library_sets_source_tag_and_task_name (void)
{
  g_autoptr(FooClient) client = g_object_new (FOO_TYPE_CLIENT, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Fetched fetched = { loop, client, 0, FALSE, NULL, NULL };

  foo_client_fetch_async (client, 17, NULL, on_fetched, &fetched);
  g_main_loop_run (loop);

  g_assert_true (fetched.source_object == (gpointer) client);
  g_assert_true (fetched.tagged);
  g_assert_cmpstr (fetched.task_name, ==, "foo_client_fetch_async");
  g_assert_cmpint (fetched.id, ==, 17);
  g_free (fetched.task_name);
}

/* A plain call_async() hands its callback a result tagged with
 * sa_function_call_async and sourced from the function, but no GTask:
 * delivery is all it needs one for. call_async_full() always makes a task,
 * named after the function unless it is given a name. */
static void
on_plain_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetched *fetched = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GObject) from_result = g_async_result_get_source_object (result);

  g_assert_true (from_result == source);
  fetched->task_name = G_IS_TASK (result) ? g_strdup (g_task_get_name (G_TASK (result))) : NULL;
  fetched->tagged = g_async_result_is_tagged (result, sa_function_call_async);
  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), result, &value, NULL));
  g_main_loop_quit (fetched->loop);
}

static void
test_plain_result_and_named_task (void)
{
  g_autoptr(FooClient) client = g_object_new (FOO_TYPE_CLIENT, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Fetched fetched = { loop, client, 0, FALSE, NULL, NULL };

  sa_function_call_async (client->fetch, NULL, on_plain_done, &fetched, 1, 1);
  g_main_loop_run (loop);
  g_assert_null (fetched.task_name);
  g_assert_true (fetched.tagged);

  fetched.tagged = FALSE;
  sa_function_call_async_full (client->fetch, client->fetch, NULL, NULL, NULL,
                               on_plain_done, &fetched, 1, 1);
  g_main_loop_run (loop);
  g_assert_cmpstr (fetched.task_name, ==, "foo-fetch");
  g_assert_true (fetched.tagged);
  g_free (fetched.task_name);
}

static int
takes_an_int (int value)
{
  return value;
}

static void
test_abstract_types_are_refused (void)
{
  const GType abstract[] = { G_TYPE_BOXED, G_TYPE_ENUM, G_TYPE_FLAGS, G_TYPE_INTERFACE };

  for (guint i = 0; i < G_N_ELEMENTS (abstract); i++)
    {
      SaFunction *fn;

      g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, "*abstract*");
      fn = sa_function_new_sync ("abstract-param", G_CALLBACK (takes_an_int), 0,
                                 G_TYPE_INT, 1, abstract[i]);
      g_test_assert_expected_messages ();
      g_assert_null (fn);

      if (abstract[i] == G_TYPE_INTERFACE)
        continue;
      g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, "*abstract*");
      fn = sa_function_new_sync ("abstract-return", G_CALLBACK (takes_an_int), 0,
                                 abstract[i], 1, G_TYPE_INT);
      g_test_assert_expected_messages ();
      g_assert_null (fn);
    }
}

static void
test_name_must_be_utf8 (void)
{
  SaFunction *fn;

  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, "*valid UTF-8*bad*name*");
  fn = sa_function_new_sync ("bad\377name", G_CALLBACK (takes_an_int), 0,
                             G_TYPE_INT, 1, G_TYPE_INT);
  g_test_assert_expected_messages ();
  g_assert_null (fn);
}

/* G_MESSAGES_DEBUG set after the first function was made still turns
 * tracing on (a debugger or a REPL sets it late). */
static void
test_tracing_turned_on_after_the_first_function (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(SaFunction) early = NULL;
      g_autoptr(SaFunction) delay = NULL;
      int out = 0;

      early = sa_function_new_sync ("early", G_CALLBACK (takes_an_int), 0,
                                    G_TYPE_INT, 1, G_TYPE_INT);
      delay = sa_function_new_async ("early-delay", G_CALLBACK (sa_test_delay_async),
                                     G_CALLBACK (sa_test_delay_finish), 0,
                                     G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
      g_assert_true (sa_function_call_sync (early, NULL, NULL, 1, &out));

      g_setenv ("G_MESSAGES_DEBUG", "SmartAsync", TRUE);
      /* Calls look again at least every few dozen calls. */
      for (int i = 0; i < 200; i++)
        g_assert_true (sa_function_call_sync (early, NULL, NULL, i, &out));
      g_assert_true (sa_function_call_sync (delay, NULL, NULL, 2, 0, &out));
      return;
    }

  g_unsetenv ("G_MESSAGES_DEBUG");
  g_test_trap_subprocess (NULL, 0, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*early: call_sync from a sync context*direct call*"
                             "early-delay: call_sync from a sync context*private context*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/shapes/finish/false-without-error-is-a-value",
                   test_false_without_error_is_a_value);
  g_test_add_func ("/shapes/blocking/false-without-error-is-a-value",
                   test_blocking_false_without_error_is_a_value);
  g_test_add_func ("/shapes/library/sets-source-tag-and-task-name",
                   test_library_sets_source_tag_and_task_name);
  g_test_add_func ("/shapes/library/plain-result-or-named-task",
                   test_plain_result_and_named_task);
  g_test_add_func ("/shapes/declarations/abstract-types-are-refused",
                   test_abstract_types_are_refused);
  g_test_add_func ("/shapes/declarations/name-must-be-utf8",
                   test_name_must_be_utf8);
  g_test_add_func ("/shapes/tracing/turned-on-after-the-first-function",
                   test_tracing_turned_on_after_the_first_function);

  return g_test_run ();
}
