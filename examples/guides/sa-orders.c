/* sa-orders.c: a sync codebase in the middle of its migration to async.
 *
 * process_order() is the old blocking code, unchanged in shape. One of
 * its steps, charging the card, has moved to an async-only API
 * (payments_charge_async()); the old code keeps calling it as a blocking
 * call. The new service entry point runs in a main loop and calls the
 * whole of process_order() without blocking, several orders at once.
 *
 *   sa-orders             the old batch entry point: one order after another
 *   sa-orders --service   the new main-loop entry point: all orders at once
 *
 * Both print the same lines. The guide: docs/guides/migration.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#define N_ORDERS 6

/* Still blocking, as they always were (stand-ins for a database lookup
 * and a mail client). */

static char *
load_order (guint    id,
            GError **error)
{
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  return g_strdup_printf ("order %u: %u books", id, id % 3 + 2);
}

static gboolean
send_receipt (const char  *order,
              GError     **error)
{
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  return TRUE;
}

/* Migrated: the payment provider's client is async-only now. */

static gboolean
charge_done (gpointer user_data)
{
  GTask *task = user_data;
  guint cents = GPOINTER_TO_UINT (g_task_get_task_data (task));

  g_task_return_pointer (task, g_strdup_printf ("ch_%u", cents), g_free);
  return G_SOURCE_REMOVE;
}

static void
payments_charge_async (guint                cents,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GSource *reply = g_timeout_source_new (200);    /* the provider's latency */

  g_task_set_source_tag (task, payments_charge_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (cents), NULL);
  g_source_set_callback (reply, charge_done, task, g_object_unref);
  g_source_attach (reply, g_main_context_get_thread_default ());
  g_source_unref (reply);
}

static char *
payments_charge_finish (GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static struct
{
  SaFunction *load_order;
  SaFunction *charge;
  SaFunction *send_receipt;
  SaFunction *process_order;
} fns;

/* The old code. Only the charge line changed: it used to call the
 * provider's blocking charge_card(). */
static char *
process_order (guint    id,
               GError **error)
{
  g_autofree char *order = NULL;
  g_autofree char *charge = NULL;
  gboolean sent;

  if (!sa_function_call_sync (fns.load_order, NULL, error, id, &order) ||
      !sa_function_call_sync (fns.charge, NULL, error, 1000 + id, &charge) ||
      !sa_function_call_sync (fns.send_receipt, NULL, error, order, &sent))
    return NULL;
  return g_strdup_printf ("%s, charged %s, receipt sent", order, charge);
}

static void
wrap_functions (void)
{
  fns.load_order = sa_function_new_sync ("load_order", G_CALLBACK (load_order),
                                         SA_FUNCTION_FLAGS_THROWS, G_TYPE_STRING, 1, G_TYPE_UINT);
  fns.charge = sa_function_new_async ("charge", G_CALLBACK (payments_charge_async),
                                      G_CALLBACK (payments_charge_finish),
                                      SA_FUNCTION_FLAGS_NONE, G_TYPE_STRING, 1, G_TYPE_UINT);
  fns.send_receipt = sa_function_new_sync ("send_receipt", G_CALLBACK (send_receipt),
                                           SA_FUNCTION_FLAGS_THROWS,
                                           G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  fns.process_order = sa_function_new_sync ("process_order", G_CALLBACK (process_order),
                                            SA_FUNCTION_FLAGS_THROWS, G_TYPE_STRING, 1, G_TYPE_UINT);
}

/* The old entry point. */
static int
run_batch (void)
{
  for (guint id = 1; id <= N_ORDERS; id++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *done = process_order (id, &error);

      if (done == NULL)
        {
          g_printerr ("sa-orders: %s\n", error->message);
          return 1;
        }
      g_print ("%s\n", done);
    }
  return 0;
}

/* The new entry point: a service whose loop must keep answering. */
typedef struct
{
  GMainLoop *loop;
  char *done[N_ORDERS + 1];
  guint pending;
  guint beats;
  int status;
} Service;

typedef struct
{
  Service *service;
  guint id;
} Job;

static void
on_processed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree Job *job = user_data;
  g_auto(GValue) done = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &done, &error))
    job->service->done[job->id] = g_value_dup_string (&done);
  else
    {
      g_printerr ("sa-orders: %s\n", error->message);
      job->service->status = 1;
    }
  if (--job->service->pending == 0)
    g_main_loop_quit (job->service->loop);
}

static gboolean
take_orders (gpointer user_data)
{
  Service *service = user_data;

  for (guint id = 1; id <= N_ORDERS; id++)
    {
      Job *job = g_new (Job, 1);

      job->service = service;
      job->id = id;
      service->pending++;
      g_object_unref (sa_function_call (fns.process_order, NULL, on_processed, job, id));
    }
  return G_SOURCE_REMOVE;
}

static gboolean
beat (gpointer user_data)
{
  ((Service *) user_data)->beats++;
  return G_SOURCE_CONTINUE;
}

static int
run_service (void)
{
  Service service = { g_main_loop_new (NULL, FALSE), };
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  guint timer;

  timer = g_timeout_add (20, beat, &service);
  g_idle_add (take_orders, &service);
  g_main_loop_run (service.loop);
  elapsed = g_get_monotonic_time () - start;
  g_source_remove (timer);
  g_main_loop_unref (service.loop);

  for (guint id = 1; id <= N_ORDERS; id++)
    {
      if (service.done[id] != NULL)
        g_print ("%s\n", service.done[id]);
      g_free (service.done[id]);
    }

  /* One order sleeps 400 ms; one after another they take at least 2.4 s
   * however fast the machine, at once about 0.4 s however loaded it is
   * (1.2 s under memcheck beside other work). */
  g_printerr ("service: %u orders in %" G_GINT64_FORMAT " ms, %u heartbeats\n",
              N_ORDERS, elapsed / 1000, service.beats);
  if (elapsed >= N_ORDERS * 400 * G_TIME_SPAN_MILLISECOND || service.beats < 5)
    {
      g_printerr ("sa-orders: the orders did not run at once, or the loop stalled\n");
      service.status = 1;
    }
  return service.status;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  wrap_functions ();
  if (argc > 1 && g_str_equal (argv[1], "--service"))
    status = run_service ();
  else
    status = run_batch ();

  g_object_unref (fns.load_order);
  g_object_unref (fns.charge);
  g_object_unref (fns.send_receipt);
  g_object_unref (fns.process_order);
  return status;
}
