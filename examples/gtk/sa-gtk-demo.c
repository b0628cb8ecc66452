/* sa-gtk-demo.c: a GTK 4 window that stays responsive while it runs a
 * blocking call, reads the clipboard (an async-only API) from its
 * `activate` handler, and cancels with a button.
 *
 *   sa-gtk-demo                   the demo
 *   sa-gtk-demo --self-test=PNG   clicks through it, checks that frames
 *                                 kept coming, saves a screenshot to PNG
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gtk/gtk.h>
#include <smartasync-glib.h>

#define WORK_STEPS 40           /* of 50 ms each: a 2 s blocking call */

typedef struct
{
  GtkApplication *app;
  GtkWidget *window;
  GtkWidget *spinner;
  GtkWidget *progress;
  GtkWidget *run_button;
  GtkWidget *cancel_button;
  GtkWidget *status;
  GtkWidget *clipboard_label;

  SaFunction *slow_work;        /* a blocking function */
  SaFunction *read_clipboard;   /* an async-only GDK API */
  GCancellable *cancellable;    /* of the running blocking call */

  guint64 frames;               /* counted by a tick callback */
  gboolean in_activate;

  /* --self-test */
  char *screenshot;
  int checks;
  int failures;
  gboolean activate_call_was_pending;
  gint64 started_at;
  guint64 frames_at_start;
  guint self_test_step;
} Demo;

/* The blocking call: stands in for any blocking library function. It
 * honours its cancellable between steps, as GIO's blocking calls do. */
static guint
slow_work (guint          steps,
           GCancellable  *cancellable,
           GError       **error)
{
  for (guint i = 0; i < steps; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return 0;
      g_usleep (50 * G_TIME_SPAN_MILLISECOND);
    }
  return steps;
}

static void
check (Demo       *demo,
       gboolean    ok,
       const char *what)
{
  demo->checks++;
  if (!ok)
    demo->failures++;
  g_print ("%s %d - %s\n", ok ? "ok" : "not ok", demo->checks, what);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Demo *demo = user_data;

  demo->frames++;
  if (demo->cancellable != NULL)
    gtk_progress_bar_pulse (GTK_PROGRESS_BAR (demo->progress));
  return G_SOURCE_CONTINUE;
}

static void self_test_next (Demo *demo);

static void
set_busy (Demo     *demo,
          gboolean  busy)
{
  gtk_spinner_set_spinning (GTK_SPINNER (demo->spinner), busy);
  gtk_widget_set_sensitive (demo->run_button, !busy);
  gtk_widget_set_sensitive (demo->cancel_button, busy);
  if (!busy)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (demo->progress), 0.0);
}

static void
on_work_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Demo *demo = user_data;
  g_auto(GValue) steps = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &steps, &error))
    text = g_strdup_printf ("Done: %u steps, %" G_GUINT64_FORMAT " frames drawn meanwhile",
                            g_value_get_uint (&steps), demo->frames - demo->frames_at_start);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    text = g_strdup ("Cancelled");
  else
    text = g_strdup_printf ("Failed: %s", error->message);

  gtk_label_set_text (GTK_LABEL (demo->status), text);
  g_clear_object (&demo->cancellable);
  set_busy (demo, FALSE);

  if (demo->screenshot != NULL)
    self_test_next (demo);
}

/* A button's handler runs in the main loop: the smart call runs the
 * blocking function on a worker thread and on_work_done() here, later. */
static void
on_run_clicked (GtkButton *button,
                gpointer   user_data)
{
  Demo *demo = user_data;
  gint64 before = g_get_monotonic_time ();

  demo->cancellable = g_cancellable_new ();
  demo->frames_at_start = demo->frames;
  demo->started_at = g_get_monotonic_time ();
  set_busy (demo, TRUE);
  gtk_label_set_text (GTK_LABEL (demo->status), "Working…");
  g_object_unref (sa_function_call (demo->slow_work, demo->cancellable,
                                    on_work_done, demo, (guint) WORK_STEPS));

  if (demo->screenshot != NULL)
    check (demo, g_get_monotonic_time () - before < 200 * G_TIME_SPAN_MILLISECOND,
           "the Run button's handler returned at once");
}

static void
on_cancel_clicked (GtkButton *button,
                   gpointer   user_data)
{
  Demo *demo = user_data;

  if (demo->cancellable != NULL)
    g_cancellable_cancel (demo->cancellable);
}

static void
on_clipboard_read (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Demo *demo = user_data;
  g_auto(GValue) text = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &text, &error))
    label = g_strdup_printf ("Clipboard: %s", g_value_get_string (&text));
  else
    label = g_strdup_printf ("Clipboard: %s", error->message);
  gtk_label_set_text (GTK_LABEL (demo->clipboard_label), label);

  if (demo->screenshot != NULL)
    {
      check (demo, demo->activate_call_was_pending,
             "the smart call in activate returned a pending result");
      check (demo, !demo->in_activate, "its callback ran after activate returned");
      check (demo, g_strcmp0 (g_value_get_string (&text), "smartasync-glib self-test") == 0,
             "it read the clipboard");
      self_test_next (demo);
    }
}

static gboolean
on_self_test_timeout (gpointer user_data)
{
  g_printerr ("the self-test did not finish in time\n");
  exit (1);
}

static void
on_activate (GtkApplication *app,
             gpointer        user_data)
{
  Demo *demo = user_data;
  GtkWidget *box;
  GtkWidget *buttons;
  GdkClipboard *clipboard;
  g_autoptr(GAsyncResult) pending = NULL;

  demo->in_activate = TRUE;
  if (demo->screenshot != NULL)
    g_timeout_add_seconds (60, on_self_test_timeout, NULL);

  demo->window = gtk_application_window_new (app);
  gtk_window_set_title (GTK_WINDOW (demo->window), "smartasync-glib GTK demo");
  gtk_window_set_default_size (GTK_WINDOW (demo->window), 420, -1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_window_set_child (GTK_WINDOW (demo->window), box);

  demo->clipboard_label = gtk_label_new ("Clipboard: …");
  gtk_box_append (GTK_BOX (box), demo->clipboard_label);
  demo->spinner = gtk_spinner_new ();
  gtk_widget_set_size_request (demo->spinner, 32, 32);
  gtk_box_append (GTK_BOX (box), demo->spinner);
  demo->progress = gtk_progress_bar_new ();
  gtk_progress_bar_set_pulse_step (GTK_PROGRESS_BAR (demo->progress), 0.02);
  gtk_box_append (GTK_BOX (box), demo->progress);
  demo->status = gtk_label_new ("Idle");
  gtk_box_append (GTK_BOX (box), demo->status);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  demo->run_button = gtk_button_new_with_label ("Run blocking call");
  g_signal_connect (demo->run_button, "clicked", G_CALLBACK (on_run_clicked), demo);
  gtk_box_append (GTK_BOX (buttons), demo->run_button);
  demo->cancel_button = gtk_button_new_with_label ("Cancel");
  g_signal_connect (demo->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), demo);
  gtk_box_append (GTK_BOX (buttons), demo->cancel_button);
  gtk_box_append (GTK_BOX (box), buttons);
  set_busy (demo, FALSE);

  gtk_widget_add_tick_callback (demo->window, on_tick, demo, NULL);
  gtk_window_present (GTK_WINDOW (demo->window));

  clipboard = gtk_widget_get_clipboard (demo->window);
  if (demo->screenshot != NULL)
    gdk_clipboard_set_text (clipboard, "smartasync-glib self-test");

  /* activate runs before g_application_run() iterates its loop, and
   * SmartAsync counts it as an async context: the smart call returns at
   * once and on_clipboard_read() runs from the loop. */
  pending = sa_function_call (demo->read_clipboard, NULL, on_clipboard_read, demo,
                              clipboard);
  demo->activate_call_was_pending = !g_task_get_completed (G_TASK (pending));
  demo->in_activate = FALSE;
}

/* --self-test: the steps, each started when the previous one is seen done. */

static void
save_screenshot (Demo *demo)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (demo->window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gdk_paintable_get_intrinsic_width (paintable);
  int height = gdk_paintable_get_intrinsic_height (paintable);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (demo->window));

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  check (demo, width > 0 && height > 0 && gdk_texture_save_to_png (texture, demo->screenshot),
         "saved a screenshot");
}

static gboolean
click_cancel (gpointer user_data)
{
  Demo *demo = user_data;

  save_screenshot (demo);
  gtk_widget_activate (demo->cancel_button);
  return G_SOURCE_REMOVE;
}

static gboolean
click_run (gpointer user_data)
{
  Demo *demo = user_data;

  /* A button's activation clicks it from a timeout, as a key press does. */
  gtk_widget_activate (demo->run_button);
  return G_SOURCE_REMOVE;
}

static void
self_test_next (Demo *demo)
{
  guint64 frames = demo->frames - demo->frames_at_start;
  gint64 elapsed = g_get_monotonic_time () - demo->started_at;

  switch (demo->self_test_step++)
    {
    case 0:                     /* the clipboard was read */
      g_timeout_add (300, click_run, demo);
      break;

    case 1:                     /* the blocking call finished */
      g_print ("# %" G_GUINT64_FORMAT " frames in %" G_GINT64_FORMAT " ms of blocking call\n",
               frames, elapsed / 1000);
      check (demo, g_str_has_prefix (gtk_label_get_text (GTK_LABEL (demo->status)), "Done"),
             "the blocking call completed");
      /* 60 frames a second would give 120: even a loaded machine under
       * valgrind gives more than 10, a stalled loop at most 1. */
      check (demo, frames >= 10, "frames kept coming during the blocking call");
      g_timeout_add (300, click_run, demo);
      g_timeout_add (300 + 600, click_cancel, demo);
      break;

    case 2:                     /* the second call was cancelled */
      check (demo, g_str_equal (gtk_label_get_text (GTK_LABEL (demo->status)), "Cancelled"),
             "Cancel cancelled the blocking call");
      check (demo, elapsed < WORK_STEPS * 50 * G_TIME_SPAN_MILLISECOND,
             "the cancelled call ended before its full length");
      g_print ("1..%d\n", demo->checks);
      g_application_quit (G_APPLICATION (demo->app));
      break;

    default:
      g_assert_not_reached ();
    }
}

int
main (int   argc,
      char *argv[])
{
  Demo demo = { 0, };
  GOptionEntry options[] = {
    { "self-test", 0, 0, G_OPTION_ARG_FILENAME, &demo.screenshot,
      "Click through the demo, check it, save a screenshot", "PNG" },
    { NULL }
  };
  int status;

  demo.slow_work = sa_function_new_sync ("slow_work", G_CALLBACK (slow_work),
                                         SA_FUNCTION_FLAGS_CANCELLABLE |
                                         SA_FUNCTION_FLAGS_THROWS,
                                         G_TYPE_UINT, 1, G_TYPE_UINT);
  demo.read_clipboard = sa_function_new_async ("read_clipboard",
                                               G_CALLBACK (gdk_clipboard_read_text_async),
                                               G_CALLBACK (gdk_clipboard_read_text_finish),
                                               SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                               G_TYPE_STRING, 1, GDK_TYPE_CLIPBOARD);

  demo.app = gtk_application_new ("org.smartasync.GtkDemo", G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (demo.app), options);
  g_signal_connect (demo.app, "activate", G_CALLBACK (on_activate), &demo);

  status = g_application_run (G_APPLICATION (demo.app), argc, argv);
  if (demo.screenshot != NULL && (demo.failures > 0 || demo.checks == 0))
    status = 1;

  g_object_unref (demo.app);
  g_object_unref (demo.slow_work);
  g_object_unref (demo.read_clipboard);
  g_free (demo.screenshot);
  return status;
}
