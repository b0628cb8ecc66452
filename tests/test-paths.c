/* test-paths.c: each dispatch path, on real GIO operations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sa-test-util.h"

/* What a callback saw. */
typedef struct
{
  GMainLoop    *loop;
  int           done;
  GThread      *thread;
  GMainContext *context;
  GValue        value;
  GError       *error;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  if (G_IS_VALUE (&o->value))
    g_value_unset (&o->value);
  g_clear_error (&o->error);
  g_clear_pointer (&o->context, g_main_context_unref);
  g_clear_pointer (&o->loop, g_main_loop_unref);
  memset (o, 0, sizeof *o);
}

static void
on_finished (GObject      *source,
             GAsyncResult *res,
             gpointer      data)
{
  Outcome *o = data;

  o->thread = g_thread_self ();
  g_clear_pointer (&o->context, g_main_context_unref);
  o->context = g_main_context_ref_thread_default ();
  sa_function_call_finish (SA_FUNCTION (source), res, &o->value, &o->error);
  o->done++;
  if (o->loop != NULL)
    g_main_loop_quit (o->loop);
}

static GThread *callable_thread;

static GBytes *
read_pipe_recording_thread (int           fd,
                            GCancellable *cancellable,
                            GError      **error)
{
  callable_thread = g_thread_self ();
  return sa_test_read_pipe_blocking (fd, cancellable, error);
}

static SaFunction *
new_pipe_reader (void)
{
  return sa_function_new_sync ("read-pipe", G_CALLBACK (read_pipe_recording_thread),
                               SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                               G_TYPE_BYTES, 1, G_TYPE_INT);
}

static SaFunction *
new_file_reader (void)
{
  return sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
                                G_CALLBACK (g_file_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_FILE_INPUT_STREAM, 2, G_TYPE_FILE, G_TYPE_INT);
}

static SaFunction *
new_bytes_reader (void)
{
  return sa_function_new_async ("read-bytes", G_CALLBACK (g_input_stream_read_bytes_async),
                                G_CALLBACK (g_input_stream_read_bytes_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_BYTES, 3, G_TYPE_INPUT_STREAM, G_TYPE_ULONG, G_TYPE_INT);
}

static void
assert_bytes_equal (GBytes     *bytes,
                    const char *expected)
{
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, strlen (expected));
}

static gboolean
flag_dispatch (gpointer data)
{
  gboolean *flag = data;

  *flag = TRUE;
  return G_SOURCE_CONTINUE;
}

/* Sync caller, blocking callable */

static void
test_path_sync_caller_blocking_callable_reads_a_pipe (void)
{
  g_autoptr(SaFunction) fn = new_pipe_reader ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SaTestPipe p;
  Outcome o = { 0 };

  sa_test_pipe_open (&p);

  /* The explicit sync call. */
  sa_test_pipe_write_later (&p, "first", 20);
  g_assert_true (sa_function_call_sync (fn, NULL, &error, p.read_fd, &bytes));
  g_assert_no_error (error);
  assert_bytes_equal (bytes, "first");
  g_assert_true (callable_thread == g_thread_self ());

  /* The smart call from plain code: done, callback included, on return. */
  sa_test_pipe_write_later (&p, "second", 20);
  res = sa_function_call (fn, NULL, on_finished, &o, p.read_fd);
  g_assert_cmpint (o.done, ==, 1);
  g_assert_no_error (o.error);
  assert_bytes_equal (g_value_get_boxed (&o.value), "second");
  g_assert_true (o.thread == g_thread_self ());
  g_assert_true (callable_thread == g_thread_self ());

  sa_test_pipe_close (&p);
  outcome_clear (&o);
}

/* Sync caller, async pair */

static void
test_path_sync_caller_async_pair_reads_a_temp_file (void)
{
  g_autoptr(SaFunction) read = new_file_reader ();
  g_autoptr(SaFunction) read_bytes = new_bytes_reader ();
  g_autoptr(GFile) file = sa_test_make_temp_file ("contents of a real file");
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gboolean caller_context_dispatched = FALSE;
  guint idle_id;

  /* Something ready in the caller's context: it must not be dispatched. */
  idle_id = g_idle_add (flag_dispatch, &caller_context_dispatched);

  g_assert_true (sa_function_call_sync (read, NULL, &error, file, G_PRIORITY_DEFAULT, &stream));
  g_assert_no_error (error);
  g_assert_true (G_IS_FILE_INPUT_STREAM (stream));

  g_assert_true (sa_function_call_sync (read_bytes, NULL, &error, stream, (gsize) 1024,
                                        G_PRIORITY_DEFAULT, &bytes));
  g_assert_no_error (error);
  assert_bytes_equal (bytes, "contents of a real file");

  g_assert_false (caller_context_dispatched);
  g_source_remove (idle_id);
  g_file_delete (file, NULL, NULL);
}

static void
test_path_sync_caller_async_pair_waits_for_a_subprocess (void)
{
  g_autoptr(SaFunction) wait = NULL;
  g_autoptr(GSubprocess) ok_process = NULL;
  g_autoptr(GSubprocess) failing_process = NULL;
  g_autoptr(GError) error = NULL;
  gboolean succeeded = FALSE;

  wait = sa_function_new_async ("wait-check", G_CALLBACK (g_subprocess_wait_check_async),
                                G_CALLBACK (g_subprocess_wait_check_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_BOOLEAN, 1, G_TYPE_SUBPROCESS);

  ok_process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sh", "-c", "sleep 0.05", NULL);
  g_assert_no_error (error);
  g_assert_true (sa_function_call_sync (wait, NULL, &error, ok_process, &succeeded));
  g_assert_no_error (error);
  g_assert_true (succeeded);

  /* The subprocess's own error domain and code come through untouched. */
  failing_process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sh", "-c", "exit 3", NULL);
  g_assert_no_error (error);
  g_assert_false (sa_function_call_sync (wait, NULL, &error, failing_process, &succeeded));
  g_assert_error (error, G_SPAWN_EXIT_ERROR, 3);
  g_assert_false (succeeded);
}

static void
test_path_sync_caller_async_pair_talks_to_a_socket_service (void)
{
  SaTestServer *server = sa_test_server_new ("hello from 127.0.0.1\n");
  g_autoptr(SaFunction) connect = NULL;
  g_autoptr(SaFunction) read_bytes = new_bytes_reader ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GBytes) greeting = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  connect = sa_function_new_async ("connect", G_CALLBACK (g_socket_client_connect_to_host_async),
                                   G_CALLBACK (g_socket_client_connect_to_host_finish),
                                   SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                   G_TYPE_SOCKET_CONNECTION, 3,
                                   G_TYPE_SOCKET_CLIENT, G_TYPE_STRING, G_TYPE_UINT);

  address = g_strdup_printf ("127.0.0.1:%u", sa_test_server_get_port (server));
  g_assert_true (sa_function_call_sync (connect, NULL, &error, client, address, 0, &connection));
  g_assert_no_error (error);

  g_assert_true (sa_function_call_sync (read_bytes, NULL, &error,
                                        g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                        (gsize) 1024, G_PRIORITY_DEFAULT, &greeting));
  g_assert_no_error (error);
  assert_bytes_equal (greeting, "hello from 127.0.0.1\n");

  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  sa_test_server_free (server);
}

/* Async caller, async pair */

typedef struct
{
  SaFunction *read;
  SaFunction *read_bytes;
  GFile      *file;
  Outcome     opened;
  Outcome     read_done;
  gboolean    pending_on_return;
} ChainedRead;

static void
on_read_bytes (GObject      *source,
               GAsyncResult *res,
               gpointer      data)
{
  ChainedRead *chain = data;

  on_finished (source, res, &chain->read_done);
}

static void
on_opened (GObject      *source,
           GAsyncResult *res,
           gpointer      data)
{
  ChainedRead *chain = data;

  on_finished (source, res, &chain->opened);
  g_assert_no_error (chain->opened.error);

  /* Still an async context: this one is started and comes back later. */
  g_object_unref (sa_function_call (chain->read_bytes, NULL, on_read_bytes, chain,
                                    g_value_get_object (&chain->opened.value),
                                    (gsize) 1024, G_PRIORITY_DEFAULT));
}

static gboolean
start_chained_read (gpointer data)
{
  ChainedRead *chain = data;
  g_autoptr(GAsyncResult) res = NULL;

  res = sa_function_call (chain->read, NULL, on_opened, chain, chain->file, G_PRIORITY_DEFAULT);
  chain->pending_on_return = G_IS_TASK (res) && !g_task_get_completed (G_TASK (res)) &&
                             chain->opened.done == 0;
  return G_SOURCE_REMOVE;
}

static void
test_path_async_caller_async_pair_reads_a_temp_file (void)
{
  ChainedRead chain = { 0 };

  chain.read = new_file_reader ();
  chain.read_bytes = new_bytes_reader ();
  chain.file = sa_test_make_temp_file ("read from a running loop");
  chain.read_done.loop = g_main_loop_new (NULL, FALSE);

  g_idle_add (start_chained_read, &chain);
  g_main_loop_run (chain.read_done.loop);

  g_assert_true (chain.pending_on_return);
  g_assert_cmpint (chain.opened.done, ==, 1);
  g_assert_cmpint (chain.read_done.done, ==, 1);
  g_assert_no_error (chain.read_done.error);
  assert_bytes_equal (g_value_get_boxed (&chain.read_done.value), "read from a running loop");
  g_assert_true (chain.read_done.thread == g_thread_self ());
  g_assert_true (chain.read_done.context == g_main_context_default ());

  g_file_delete (chain.file, NULL, NULL);
  g_object_unref (chain.file);
  g_object_unref (chain.read);
  g_object_unref (chain.read_bytes);
  outcome_clear (&chain.opened);
  outcome_clear (&chain.read_done);
}

/* Async caller, blocking callable */

typedef struct
{
  SaFunction *fn;
  int         fd;
  Outcome    *outcome;
  gboolean    pending_on_return;
} Start;

static gboolean
start_smart_call_on_fd (gpointer data)
{
  Start *start = data;
  g_autoptr(GAsyncResult) res = NULL;

  res = sa_function_call (start->fn, NULL, on_finished, start->outcome, start->fd);
  start->pending_on_return = start->outcome->done == 0;
  return G_SOURCE_REMOVE;
}

static void
test_path_async_caller_blocking_callable_reads_a_pipe_on_a_worker (void)
{
  g_autoptr(SaFunction) fn = new_pipe_reader ();
  Outcome o = { 0 };
  Start start = { fn, -1, &o, FALSE };
  SaTestPipe p;

  sa_test_pipe_open (&p);
  start.fd = p.read_fd;
  o.loop = g_main_loop_new (NULL, FALSE);
  callable_thread = NULL;

  g_idle_add (start_smart_call_on_fd, &start);
  sa_test_pipe_write_later (&p, "through a worker", 50);
  g_main_loop_run (o.loop);

  g_assert_true (start.pending_on_return);
  g_assert_cmpint (o.done, ==, 1);
  g_assert_no_error (o.error);
  assert_bytes_equal (g_value_get_boxed (&o.value), "through a worker");
  g_assert_nonnull (callable_thread);
  g_assert_true (callable_thread != g_thread_self ());
  g_assert_true (o.thread == g_thread_self ());
  g_assert_true (o.context == g_main_context_default ());

  sa_test_pipe_close (&p);
  outcome_clear (&o);
}

/* The explicit entry points, against the context */

static void
test_path_call_async_from_plain_code_completes_in_the_loop (void)
{
  g_autoptr(SaFunction) fn = new_pipe_reader ();
  Outcome o = { 0 };
  SaTestPipe p;

  sa_test_pipe_open (&p);
  sa_test_pipe_write_later (&p, "later", 10);
  o.loop = g_main_loop_new (NULL, FALSE);
  callable_thread = NULL;

  sa_function_call_async (fn, NULL, on_finished, &o, p.read_fd);
  g_assert_cmpint (o.done, ==, 0);

  g_main_loop_run (o.loop);
  g_assert_cmpint (o.done, ==, 1);
  assert_bytes_equal (g_value_get_boxed (&o.value), "later");
  g_assert_true (o.thread == g_thread_self ());
  /* The blocking read ran on a worker: this thread never blocked in it. */
  g_assert_nonnull (callable_thread);
  g_assert_true (callable_thread != g_thread_self ());

  sa_test_pipe_close (&p);
  outcome_clear (&o);
}

static void
test_path_call_async_never_calls_back_inside_the_call (void)
{
  g_autoptr(SaFunction) fn = new_pipe_reader ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GValue arg = G_VALUE_INIT;
  Outcome o = { 0 };

  /* Even failures known at once (bad arguments, cancelled) wait for the
   * loop, as GIO's contract says. */
  o.loop = g_main_loop_new (NULL, FALSE);
  g_value_init (&arg, G_TYPE_STRING);
  sa_function_call_asyncv (fn, &arg, 1, NULL, on_finished, &o);
  g_assert_cmpint (o.done, ==, 0);
  g_main_loop_run (o.loop);
  g_assert_error (o.error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
  g_value_unset (&arg);
  outcome_clear (&o);

  o.loop = g_main_loop_new (NULL, FALSE);
  g_cancellable_cancel (cancellable);
  sa_function_call_async (fn, cancellable, on_finished, &o, 0);
  g_assert_cmpint (o.done, ==, 0);
  g_main_loop_run (o.loop);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&o);
}

/* A pair that succeeds from an idle, whatever its cancellable says. */
static void
stubborn_async (int                  value,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_return_int (task, value);
}

static int
stubborn_finish (GAsyncResult  *result,
                 GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* A call_async() result is not a GTask, but keeps GTask's rules: a
 * cancellable cancelled before the callback runs makes the call fail
 * with CANCELLED even when the callable succeeded, and the callback runs
 * once, later, in the thread-default context of the calling thread. */
static void
test_path_call_async_result_keeps_gtask_rules (void)
{
  g_autoptr(SaFunction) fn = sa_function_new_async ("stubborn", G_CALLBACK (stubborn_async),
                                                    G_CALLBACK (stubborn_finish), 0,
                                                    G_TYPE_INT, 1, G_TYPE_INT);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  Outcome o = { 0 };

  o.loop = g_main_loop_new (NULL, FALSE);
  sa_function_call_async (fn, cancellable, on_finished, &o, 7);
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (o.done, ==, 0);
  g_main_loop_run (o.loop);
  g_assert_cmpint (o.done, ==, 1);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&o);

  /* Uncancelled: the value, in the context pushed when calling. */
  g_main_context_push_thread_default (context);
  o.loop = g_main_loop_new (context, FALSE);
  sa_function_call_async (fn, NULL, on_finished, &o, 8);
  g_assert_cmpint (o.done, ==, 0);
  g_main_loop_run (o.loop);
  g_main_context_pop_thread_default (context);
  g_assert_cmpint (o.done, ==, 1);
  g_assert_no_error (o.error);
  g_assert_cmpint (g_value_get_int (&o.value), ==, 8);
  g_assert_true (o.context == context);
  g_assert_true (o.thread == g_thread_self ());
  outcome_clear (&o);
}

/* A call_async() result is a GObject like any other to its callback:
 * what the callback attaches to it, and a reference it keeps, are treated
 * as GObject's rules say, whatever the library does with the results that
 * nobody holds any more. */

typedef struct
{
  GMainLoop    *loop;
  int           step;
  gpointer      weak;
  gboolean      data_freed;
  gboolean      handler_freed;
  GAsyncResult *kept;
  GAsyncResult *seen[4];
} Keeper;

static void
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
set_flag_of_closure (gpointer  data,
                     GClosure *closure)
{
  *(gboolean *) data = TRUE;
}

static void
never_notified (GObject    *object,
                GParamSpec *pspec,
                gpointer    data)
{
  g_assert_not_reached ();
}

static void
assert_result_of (GAsyncResult *res,
                  GObject      *source,
                  gpointer      user_data)
{
  g_autoptr(GObject) from_result = g_async_result_get_source_object (res);

  g_assert_true (from_result == source);
  g_assert_true (g_async_result_get_user_data (res) == user_data);
  g_assert_true (g_async_result_is_tagged (res, sa_function_call_async));
}

static void
on_finished_keeping (GObject      *source,
                     GAsyncResult *res,
                     gpointer      data)
{
  Keeper *k = data;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  assert_result_of (res, source, k);
  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), res, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, k->step);
  g_assert_true (res != k->kept);

  switch (k->step)
    {
    case 0:
      k->weak = res;
      g_object_add_weak_pointer (G_OBJECT (res), &k->weak);
      g_object_set_data_full (G_OBJECT (res), "flag", &k->data_freed, set_flag);
      break;
    case 1:
      g_signal_connect_data (res, "notify", G_CALLBACK (never_notified),
                             &k->handler_freed, set_flag_of_closure, 0);
      break;
    case 2:
      k->kept = g_object_ref (res);
      break;
    default:
      break;
    }

  k->seen[k->step] = res;
  g_main_loop_quit (k->loop);
}

static void
test_path_call_async_result_lives_as_gobject_rules_say (void)
{
  g_autoptr(SaFunction) fn = sa_function_new_async ("stubborn", G_CALLBACK (stubborn_async),
                                                    G_CALLBACK (stubborn_finish), 0,
                                                    G_TYPE_INT, 1, G_TYPE_INT);
  Keeper k = { 0 };

  k.loop = g_main_loop_new (NULL, FALSE);
  for (k.step = 0; k.step < 4; k.step++)
    {
      sa_function_call_async (fn, NULL, on_finished_keeping, &k, k.step);
      g_main_loop_run (k.loop);
      g_assert_nonnull (k.seen[k.step]);

      switch (k.step)
        {
        case 0:
          /* Finalized once the callback returned. */
          g_assert_null (k.weak);
          g_assert_true (k.data_freed);
          break;
        case 1:
          g_assert_true (k.handler_freed);
          break;
        default:
          /* The kept result still answers for its own call. */
          assert_result_of (k.kept, G_OBJECT (fn), &k);
          break;
        }
    }

  g_object_unref (k.kept);
  g_main_loop_unref (k.loop);
}

typedef struct
{
  SaFunction *delay;
  SaFunction *reader;
  int         ticks_before;
  int         ticks_after;
  int         ticks;
  int         value;
  GMainLoop  *loop;
} SyncInLoop;

static gboolean
tick (gpointer data)
{
  int *ticks = data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
call_sync_inside_the_loop (gpointer data)
{
  SyncInLoop *s = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sa_context_is_async ());

  /* Blocks, and never iterates the loop's context meanwhile. */
  s->ticks_before = s->ticks;
  g_assert_true (sa_function_call_sync (s->delay, NULL, &error, 7, 60, &s->value));
  g_assert_no_error (error);
  s->ticks_after = s->ticks;

  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

static void
test_path_call_sync_inside_a_loop_never_iterates_it (void)
{
  SyncInLoop s = { 0 };
  guint tick_id;

  s.delay = sa_function_new_async ("delay", G_CALLBACK (sa_test_delay_async),
                                   G_CALLBACK (sa_test_delay_finish), 0,
                                   G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  s.loop = g_main_loop_new (NULL, FALSE);
  tick_id = g_timeout_add (1, tick, &s.ticks);
  g_idle_add (call_sync_inside_the_loop, &s);
  g_main_loop_run (s.loop);

  g_assert_cmpint (s.value, ==, 7);
  g_assert_cmpint (s.ticks_after, ==, s.ticks_before);

  g_source_remove (tick_id);
  g_main_loop_unref (s.loop);
  g_object_unref (s.delay);
}

static void
on_finished_checking_source (GObject      *source,
                             GAsyncResult *res,
                             gpointer      data)
{
  Outcome *o = data;
  g_autoptr(GObject) from_result = g_async_result_get_source_object (res);

  /* The library object the call was made for, not the SaFunction. */
  g_assert_true (G_IS_FILE (source));
  g_assert_true (from_result == source);
  g_assert_true (g_task_is_valid (res, source));

  o->thread = g_thread_self ();
  o->done++;
  g_assert_true (sa_function_call_finish (g_object_get_data (source, "fn"), res,
                                          &o->value, &o->error));
  g_main_loop_quit (o->loop);
}

static void
test_path_call_async_with_source_reports_that_source (void)
{
  g_autoptr(SaFunction) fn = new_pipe_reader ();
  g_autoptr(GFile) owner = g_file_new_for_path ("/");
  Outcome o = { 0 };
  SaTestPipe p;

  sa_test_pipe_open (&p);
  sa_test_pipe_write_later (&p, "on behalf of", 10);
  o.loop = g_main_loop_new (NULL, FALSE);
  g_object_set_data (G_OBJECT (owner), "fn", fn);

  sa_function_call_async_with_source (fn, owner, NULL, on_finished_checking_source, &o, p.read_fd);
  g_main_loop_run (o.loop);

  g_assert_cmpint (o.done, ==, 1);
  assert_bytes_equal (g_value_get_boxed (&o.value), "on behalf of");

  sa_test_pipe_close (&p);
  outcome_clear (&o);
}

/* The smart call's own contract */

static void
test_path_smart_call_from_plain_code_is_complete_on_return (void)
{
  g_autoptr(SaFunction) delay = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  delay = sa_function_new_async ("delay", G_CALLBACK (sa_test_delay_async),
                                 G_CALLBACK (sa_test_delay_finish), 0,
                                 G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);

  res = sa_function_call (delay, NULL, NULL, NULL, 11, 10);
  g_assert_true (g_async_result_is_tagged (res, sa_function_call_async));
  g_assert_true (sa_function_call_finish (delay, res, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, 11);
}

static gboolean
smart_call_with_mode_sync (gpointer data)
{
  Start *start = data;
  g_autoptr(GAsyncResult) res = NULL;

  sa_function_set_mode (start->fn, SA_MODE_SYNC);
  res = sa_function_call (start->fn, NULL, on_finished, start->outcome, start->fd);
  start->pending_on_return = start->outcome->done == 0;
  g_main_loop_quit (start->outcome->loop);
  return G_SOURCE_REMOVE;
}

static void
test_path_mode_forces_either_path (void)
{
  g_autoptr(SaFunction) fn = new_pipe_reader ();
  Outcome o = { 0 };
  Start start = { fn, -1, &o, FALSE };
  g_autoptr(GAsyncResult) res = NULL;
  SaTestPipe p;

  sa_test_pipe_open (&p);
  start.fd = p.read_fd;

  /* Forced sync inside a running loop: complete on return. */
  o.loop = g_main_loop_new (NULL, FALSE);
  sa_test_pipe_write_later (&p, "forced sync", 10);
  g_idle_add (smart_call_with_mode_sync, &start);
  g_main_loop_run (o.loop);
  g_assert_false (start.pending_on_return);
  g_assert_cmpint (o.done, ==, 1);
  assert_bytes_equal (g_value_get_boxed (&o.value), "forced sync");
  outcome_clear (&o);

  /* Forced async from plain code: pending until the loop runs. */
  sa_function_set_mode (fn, SA_MODE_ASYNC);
  o.loop = g_main_loop_new (NULL, FALSE);
  sa_test_pipe_write_later (&p, "forced async", 10);
  res = sa_function_call (fn, NULL, on_finished, &o, p.read_fd);
  g_assert_cmpint (o.done, ==, 0);
  g_main_loop_run (o.loop);
  g_assert_cmpint (o.done, ==, 1);
  assert_bytes_equal (g_value_get_boxed (&o.value), "forced async");

  sa_test_pipe_close (&p);
  outcome_clear (&o);
}

/* A thread with no context of its own starts a GIO pair in the global
 * default context, which the main thread runs: completing there is GIO's
 * contract kept, not a callback on the wrong thread. */

typedef struct
{
  SaFunction *read;
  GFile      *file;
  Outcome    *outcome;
} ThreadStart;

static gpointer
start_read_from_plain_thread (gpointer data)
{
  ThreadStart *start = data;

  g_assert_null (g_main_context_get_thread_default ());
  sa_function_call_async (start->read, NULL, on_finished, start->outcome,
                          start->file, G_PRIORITY_DEFAULT);
  return NULL;
}

static void
test_path_call_async_from_a_thread_without_a_context (void)
{
  g_autoptr(SaFunction) read = new_file_reader ();
  g_autoptr(GFile) file = sa_test_make_temp_file ("read from another thread");
  Outcome o = { 0 };
  ThreadStart start = { read, file, &o };

  o.loop = g_main_loop_new (NULL, FALSE);
  g_thread_join (g_thread_new ("starter", start_read_from_plain_thread, &start));
  g_main_loop_run (o.loop);

  /* No critical (they are fatal here), and the result is in the default
   * context, on the thread that runs it. */
  g_assert_cmpint (o.done, ==, 1);
  g_assert_no_error (o.error);
  g_assert_true (G_IS_FILE_INPUT_STREAM (g_value_get_object (&o.value)));
  g_assert_true (o.thread == g_thread_self ());
  g_assert_true (o.context == g_main_context_default ());

  outcome_clear (&o);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/path/sync-caller/blocking-callable/reads-a-pipe",
                   test_path_sync_caller_blocking_callable_reads_a_pipe);
  g_test_add_func ("/path/sync-caller/async-pair/reads-a-temp-file",
                   test_path_sync_caller_async_pair_reads_a_temp_file);
  g_test_add_func ("/path/sync-caller/async-pair/waits-for-a-subprocess",
                   test_path_sync_caller_async_pair_waits_for_a_subprocess);
  g_test_add_func ("/path/sync-caller/async-pair/talks-to-a-socket-service",
                   test_path_sync_caller_async_pair_talks_to_a_socket_service);
  g_test_add_func ("/path/async-caller/async-pair/reads-a-temp-file",
                   test_path_async_caller_async_pair_reads_a_temp_file);
  g_test_add_func ("/path/async-caller/blocking-callable/reads-a-pipe-on-a-worker",
                   test_path_async_caller_blocking_callable_reads_a_pipe_on_a_worker);
  g_test_add_func ("/path/call-async/from-plain-code-completes-in-the-loop",
                   test_path_call_async_from_plain_code_completes_in_the_loop);
  g_test_add_func ("/path/call-async/from-a-thread-without-a-context-completes-in-the-default-one",
                   test_path_call_async_from_a_thread_without_a_context);
  g_test_add_func ("/path/call-async/never-calls-back-inside-the-call",
                   test_path_call_async_never_calls_back_inside_the_call);
  g_test_add_func ("/path/call-async/result-keeps-gtask-rules",
                   test_path_call_async_result_keeps_gtask_rules);
  g_test_add_func ("/path/call-async/result-lives-as-gobject-rules-say",
                   test_path_call_async_result_lives_as_gobject_rules_say);
  g_test_add_func ("/path/call-async/with-source-reports-that-source",
                   test_path_call_async_with_source_reports_that_source);
  g_test_add_func ("/path/call-sync/inside-a-loop-never-iterates-it",
                   test_path_call_sync_inside_a_loop_never_iterates_it);
  g_test_add_func ("/path/smart-call/from-plain-code-is-complete-on-return",
                   test_path_smart_call_from_plain_code_is_complete_on_return);
  g_test_add_func ("/path/mode/forces-either-path",
                   test_path_mode_forces_either_path);

  return g_test_run ();
}
