/* sa-http.c: one libsoup 3 client call, used synchronously from a script
 * and concurrently from a main loop.
 *
 * soup_session_send_and_read_async()/_finish() are wrapped once. The
 * script part fetches URLs one after another with plain sync calls; the
 * loop part starts all its requests at once with the smart call from a
 * loop callback. A SoupServer on 127.0.0.1, in a thread of its own,
 * answers /hello?name=NAME&delay=MS after MS milliseconds.
 *
 *   sa-http
 *
 * The guide: docs/guides/http-client.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <libsoup/soup.h>
#include <smartasync-glib.h>

#define N_CONCURRENT 6
#define DELAY_MS 500

/* The server: its own thread and context, so that it answers whatever
 * the client's thread is doing. */

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GAsyncQueue *ready;
  char *base;
} Server;

static gboolean
answer (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  const char *name = g_object_get_data (G_OBJECT (msg), "name");
  g_autofree char *body = g_strdup_printf ("hello %s", name != NULL ? name : "world");

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body, strlen (body));
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
on_hello (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Server *self = user_data;
  const char *delay = query ? g_hash_table_lookup (query, "delay") : NULL;
  GSource *timeout = g_timeout_source_new (delay ? atoi (delay) : 0);

  g_object_set_data_full (G_OBJECT (msg), "name",
                          g_strdup (query ? g_hash_table_lookup (query, "name") : NULL), g_free);
  soup_server_message_pause (msg);
  g_source_set_callback (timeout, answer, g_object_ref (msg), g_object_unref);
  g_source_attach (timeout, self->context);
  g_source_unref (timeout);
}

static gpointer
serve (gpointer user_data)
{
  Server *self = user_data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/hello", on_hello, self, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("cannot listen on 127.0.0.1: %s", error->message);
  uris = soup_server_get_uris (server);
  self->base = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_async_queue_push (self->ready, self);

  g_main_loop_run (self->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static Server *
server_start (void)
{
  Server *self = g_new0 (Server, 1);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->ready = g_async_queue_new ();
  self->thread = g_thread_new ("server", serve, self);
  g_async_queue_pop (self->ready);
  return self;
}

static void
server_stop (Server *self)
{
  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_async_queue_unref (self->ready);
  g_free (self->base);
  g_free (self);
}

/* The client. */

static SaFunction *
wrap_send_and_read (void)
{
  return sa_function_new_async ("send_and_read", G_CALLBACK (soup_session_send_and_read_async),
                                G_CALLBACK (soup_session_send_and_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_BYTES, 3, SOUP_TYPE_SESSION, SOUP_TYPE_MESSAGE, G_TYPE_INT);
}

/* The script: plain sync code. */
static gboolean
fetch_in_turn (SaFunction   *send_and_read,
               SoupSession  *session,
               const char   *base,
               GError      **error)
{
  const char *names[] = { "ada", "grace", "barbara" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *url = g_strdup_printf ("%shello?name=%s&delay=50", base, names[i]);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = NULL;

      if (!sa_function_call_sync (send_and_read, NULL, error, session, msg,
                                  G_PRIORITY_DEFAULT, &body))
        return FALSE;
      g_print ("%u %.*s\n", soup_message_get_status (msg), (int) g_bytes_get_size (body),
               (const char *) g_bytes_get_data (body, NULL));
    }
  return TRUE;
}

/* The loop: all requests at once. */
typedef struct
{
  GMainLoop *loop;
  guint pending;
  guint ok;
} Batch;

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Batch *batch = user_data;
  g_auto(GValue) body = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &body, &error))
    batch->ok++;
  else
    g_printerr ("sa-http: %s\n", error->message);
  if (--batch->pending == 0)
    g_main_loop_quit (batch->loop);
}

typedef struct
{
  SaFunction *send_and_read;
  SoupSession *session;
  const char *base;
  Batch *batch;
} Start;

static gboolean
start_all (gpointer user_data)
{
  Start *start = user_data;

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autofree char *url = g_strdup_printf ("%shello?name=%u&delay=%d", start->base, i,
                                              DELAY_MS);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

      start->batch->pending++;
      g_object_unref (sa_function_call (start->send_and_read, NULL, on_fetched, start->batch,
                                        start->session, msg, G_PRIORITY_DEFAULT));
    }
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  Server *server = server_start ();
  g_autoptr(SaFunction) send_and_read = wrap_send_and_read ();
  /* libsoup's default is 2 connections per host. */
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns-per-host",
                                                                  N_CONCURRENT, NULL);
  g_autoptr(GError) error = NULL;
  Batch batch = { g_main_loop_new (NULL, FALSE), 0, 0 };
  Start start = { send_and_read, session, server->base, &batch };
  gint64 began;
  gint64 elapsed;
  int status = 0;

  if (!fetch_in_turn (send_and_read, session, server->base, &error))
    {
      g_printerr ("sa-http: %s\n", error->message);
      status = 1;
    }

  began = g_get_monotonic_time ();
  g_idle_add (start_all, &start);
  g_main_loop_run (batch.loop);
  elapsed = g_get_monotonic_time () - began;
  g_print ("%u of %u concurrent requests answered\n", batch.ok, N_CONCURRENT);
  g_printerr ("%d requests of %d ms each took %" G_GINT64_FORMAT " ms together\n",
              N_CONCURRENT, DELAY_MS, elapsed / 1000);

  /* One after another they would take N_CONCURRENT * DELAY_MS. */
  if (batch.ok != N_CONCURRENT ||
      elapsed > N_CONCURRENT * DELAY_MS * G_TIME_SPAN_MILLISECOND / 2)
    status = 1;

  g_main_loop_unref (batch.loop);
  server_stop (server);
  return status;
}
