/* sa-test-util.c: real operations for the tests to wrap
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <glib-unix.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "sa-test-util.h"

int sa_test_invocations;

void
sa_test_pipe_open (SaTestPipe *p)
{
  int fds[2];
  g_autoptr(GError) error = NULL;

  g_unix_open_pipe (fds, FD_CLOEXEC, &error);
  g_assert_no_error (error);
  p->read_fd = fds[0];
  p->write_fd = fds[1];
}

void
sa_test_pipe_close (SaTestPipe *p)
{
  if (p->read_fd >= 0)
    close (p->read_fd);
  if (p->write_fd >= 0)
    close (p->write_fd);
  p->read_fd = p->write_fd = -1;
}

typedef struct
{
  int    fd;
  char  *text;
  guint  delay_ms;
} LateWrite;

static gpointer
late_write_thread (gpointer data)
{
  LateWrite *w = data;

  g_usleep (w->delay_ms * 1000);
  g_assert_cmpint (write (w->fd, w->text, strlen (w->text)), ==, (gssize) strlen (w->text));
  g_free (w->text);
  g_free (w);
  return NULL;
}

void
sa_test_pipe_write_later (SaTestPipe *p,
                          const char *text,
                          guint       delay_ms)
{
  LateWrite *w = g_new0 (LateWrite, 1);

  w->fd = p->write_fd;
  w->text = g_strdup (text);
  w->delay_ms = delay_ms;
  g_thread_unref (g_thread_new ("late-write", late_write_thread, w));
}

/* Waits for @fd (if >= 0) or the cancellable, at most @timeout_ms. */
static gboolean
wait_readable (int           fd,
               int           timeout_ms,
               GCancellable *cancellable,
               GError      **error)
{
  GPollFD fds[2];
  guint n = 0;
  int ret;

  if (fd >= 0)
    {
      fds[n].fd = fd;
      fds[n].events = G_IO_IN | G_IO_HUP | G_IO_ERR;
      fds[n].revents = 0;
      n++;
    }
  if (g_cancellable_make_pollfd (cancellable, &fds[n]))
    n++;

  do
    ret = g_poll (fds, n, timeout_ms);
  while (ret < 0 && errno == EINTR);

  g_cancellable_release_fd (cancellable);

  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

GBytes *
sa_test_read_pipe_blocking (int           fd,
                            GCancellable *cancellable,
                            GError      **error)
{
  char buffer[4096];
  gssize n;

  g_atomic_int_inc (&sa_test_invocations);

  if (!wait_readable (fd, -1, cancellable, error))
    return NULL;

  n = read (fd, buffer, sizeof buffer);
  if (n < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "read: %s", g_strerror (saved_errno));
      return NULL;
    }

  return g_bytes_new (buffer, n);
}

int
sa_test_sleep_blocking (int           ms,
                        GCancellable *cancellable,
                        GError      **error)
{
  g_atomic_int_inc (&sa_test_invocations);

  if (!wait_readable (-1, ms, cancellable, error))
    return -1;

  return ms;
}

gboolean
sa_test_fail_blocking (const char   *message,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_atomic_int_inc (&sa_test_invocations);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, message);
  return FALSE;
}

gboolean
sa_test_fail_silently (GError **error)
{
  g_atomic_int_inc (&sa_test_invocations);
  return FALSE;
}

typedef struct
{
  GSource *timer;
  GSource *cancel;
  int      value;
} Delay;

static void
delay_free (Delay *delay)
{
  if (delay->timer != NULL)
    {
      g_source_destroy (delay->timer);
      g_source_unref (delay->timer);
    }
  if (delay->cancel != NULL)
    {
      g_source_destroy (delay->cancel);
      g_source_unref (delay->cancel);
    }
  g_free (delay);
}

static gboolean
delay_elapsed (gpointer data)
{
  GTask *task = data;
  Delay *delay = g_task_get_task_data (task);

  if (delay->cancel != NULL)
    g_source_destroy (delay->cancel);

  if (delay->value < 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "negative value %d", delay->value);
  else
    g_task_return_int (task, delay->value);

  return G_SOURCE_REMOVE;
}

static gboolean
delay_cancelled (GCancellable *cancellable,
                 gpointer      data)
{
  GTask *task = data;
  Delay *delay = g_task_get_task_data (task);

  g_source_destroy (delay->timer);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

void
sa_test_delay_async (int                  value,
                     int                  ms,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Delay *delay;

  g_atomic_int_inc (&sa_test_invocations);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sa_test_delay_async);

  delay = g_new0 (Delay, 1);
  delay->value = value;
  g_task_set_task_data (task, delay, (GDestroyNotify) delay_free);

  delay->timer = g_timeout_source_new (ms);
  g_task_attach_source (task, delay->timer, delay_elapsed);

  if (cancellable != NULL)
    {
      delay->cancel = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, delay->cancel, G_SOURCE_FUNC (delay_cancelled));
    }
}

int
sa_test_delay_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  g_return_val_if_fail (g_async_result_is_tagged (result, sa_test_delay_async), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

GFile *
sa_test_make_temp_file (const char *contents)
{
  g_autoptr(GFileIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GFile *file;

  file = g_file_new_tmp ("smartasync-test-XXXXXX", &stream, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (stream)),
                             contents, strlen (contents), NULL, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (stream), NULL, &error);
  g_assert_no_error (error);

  return file;
}

struct _SaTestServer
{
  char         *greeting;
  guint16       port;
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  GMutex        lock;
  GCond         ready_cond;
  gboolean      ready;
};

static gboolean
server_incoming (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source_object,
                 SaTestServer      *server)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, server->greeting, strlen (server->greeting),
                             NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  SaTestServer *server = data;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (server->context);

  service = g_socket_service_new ();
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (server_incoming), server);
  g_socket_service_start (service);

  g_mutex_lock (&server->lock);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  server->ready = TRUE;
  g_cond_signal (&server->ready_cond);
  g_mutex_unlock (&server->lock);

  g_main_loop_run (server->loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

SaTestServer *
sa_test_server_new (const char *greeting)
{
  SaTestServer *server = g_new0 (SaTestServer, 1);

  server->greeting = g_strdup (greeting);
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  g_mutex_init (&server->lock);
  g_cond_init (&server->ready_cond);
  server->thread = g_thread_new ("test-server", server_thread, server);

  g_mutex_lock (&server->lock);
  while (!server->ready)
    g_cond_wait (&server->ready_cond, &server->lock);
  g_mutex_unlock (&server->lock);

  return server;
}

guint16
sa_test_server_get_port (SaTestServer *server)
{
  return server->port;
}

void
sa_test_server_free (SaTestServer *server)
{
  g_main_loop_quit (server->loop);
  g_thread_join (server->thread);
  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->ready_cond);
  g_free (server->greeting);
  g_free (server);
}

void
sa_test_wait_for (gboolean *flag)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (!g_atomic_int_get (flag))
    g_main_context_iteration (context, TRUE);
}

void
sa_test_wait_for_count (int *counter,
                        int  target)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (g_atomic_int_get (counter) < target)
    g_main_context_iteration (context, TRUE);
}

gboolean
sa_test_slow_machine (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return g_getenv ("SA_TEST_SLOW_MACHINE") != NULL ||
         (preload != NULL && strstr (preload, "vgpreload") != NULL);
}
