/* test-gtk-application.c: a smart call in a GtkApplication's activate
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What every GTK application does: build the window in activate and start
 * loading its content there. The smart call must start the operation and
 * return, the window must be drawn while it runs, and the result must
 * arrive in the same main context, on the UI thread.
 */

#include <gtk/gtk.h>
#include <smartasync-glib.h>

#define DELAY_MS 400

typedef struct
{
  SaFunction *delay;
  GtkWidget *label;
  GThread *ui_thread;
  guint frames;
  guint frames_at_delivery;
  guint n_delivered;
  gboolean was_async;
  gboolean returned_before_completion;
  int value;
} App;

/* The pair the window waits for: a timeout standing in for a real load. */
static gboolean
complete_delay (gpointer data)
{
  GTask *task = data;

  g_task_return_int (task, GPOINTER_TO_INT (g_task_get_task_data (task)));
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
delay_async (int                  value,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_task_data (task, GINT_TO_POINTER (value), NULL);
  g_timeout_add (DELAY_MS, complete_delay, task);
}

static int
delay_finish (GAsyncResult  *result,
              GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  App *app = user_data;

  app->frames++;
  return G_SOURCE_CONTINUE;
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  App *app = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_thread_self () == app->ui_thread);
  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error));
  g_assert_no_error (error);

  app->n_delivered++;
  app->value = g_value_get_int (&value);
  app->frames_at_delivery = app->frames;

  text = g_strdup_printf ("loaded %d", app->value);
  gtk_label_set_text (GTK_LABEL (app->label), text);
  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (app->label)));
}

static void
on_activate (GtkApplication *application,
             App            *app)
{
  GtkWidget *window = gtk_application_window_new (application);
  g_autoptr(GAsyncResult) result = NULL;

  app->label = gtk_label_new ("loading");
  gtk_window_set_child (GTK_WINDOW (window), app->label);
  gtk_widget_add_tick_callback (app->label, count_frame, app, NULL);
  gtk_window_present (GTK_WINDOW (window));

  app->was_async = sa_context_is_async ();
  result = sa_function_call (app->delay, NULL, on_loaded, app, 42);
  app->returned_before_completion = app->n_delivered == 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkApplication) application = NULL;
  App app = { 0 };
  int status;

  app.ui_thread = g_thread_self ();
  app.delay = sa_function_new_async ("delay", G_CALLBACK (delay_async),
                                     G_CALLBACK (delay_finish), 0,
                                     G_TYPE_INT, 1, G_TYPE_INT);

  application = gtk_application_new ("org.smartasync.TestGtkApplication",
                                     G_APPLICATION_NON_UNIQUE);
  g_signal_connect (application, "activate", G_CALLBACK (on_activate), &app);

  printf ("1..1\n");
  status = g_application_run (G_APPLICATION (application), 1, argv);

  g_assert_cmpint (status, ==, 0);
  g_assert_true (app.was_async);
  g_assert_true (app.returned_before_completion);
  g_assert_cmpuint (app.n_delivered, ==, 1);
  g_assert_cmpint (app.value, ==, 42);
  /* The window was drawn while the call was in flight. */
  g_assert_cmpuint (app.frames_at_delivery, >=, 2);
  g_object_unref (app.delay);

  printf ("ok 1 /gtk-application/activate/smart-call-keeps-the-window-drawing "
          "(%u frames before delivery)\n", app.frames_at_delivery);
  return 0;
}
