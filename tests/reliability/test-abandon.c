/* test-abandon.c: deadlines bound the wait and leave nothing unsafe behind
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * At its deadline a sync call cancels the pair, gives it a short grace
 * period to complete with G_IO_ERROR_CANCELLED, then abandons it. An
 * abandoned pair must not write into the caller's memory afterwards, and
 * abandoned calls must cost no file descriptor each, no CPU while idle,
 * and must not delay each other's release.
 */

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <sys/resource.h>
#include <unistd.h>

#include "reliability-common.h"

#define RELEASE_MSEC 10000

/* Whether the stubborn pairs below may finish. */
static gint stop_stubborn;

/* A pair that keeps a source always ready in its context and ignores
 * cancellation until the test lets it finish. */
static gboolean
stubborn_spin (gpointer data)
{
  GTask *task = data;

  if (!g_atomic_int_get (&stop_stubborn))
    return G_SOURCE_CONTINUE;

  g_task_return_int (task, 1);
  return G_SOURCE_REMOVE;
}

static void
stubborn_async (RelToken            *token,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, stubborn_spin, task, g_object_unref);
  g_source_attach (idle, g_main_context_get_thread_default ());
  g_source_unref (idle);
}

static int
int_task_finish (GAsyncResult  *result,
                 GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* A pair that never completes by itself: the test completes its tasks. */
static GMutex held_lock;
static GPtrArray *held_tasks;

static void
never_async (RelToken            *token,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_mutex_lock (&held_lock);
  g_ptr_array_add (held_tasks, task);
  g_mutex_unlock (&held_lock);
}

static void
complete_held_tasks (void)
{
  g_autoptr(GPtrArray) tasks = NULL;

  g_mutex_lock (&held_lock);
  tasks = g_steal_pointer (&held_tasks);
  held_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&held_lock);

  /* From this thread: each completion is posted to its abandoned context. */
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_int (tasks->pdata[i], 99);
}

static SaFunction *
new_token_pair (const char *name,
                GCallback   async_func)
{
  return sa_function_new_async (name, async_func, G_CALLBACK (int_task_finish), 0,
                                G_TYPE_INT, 1, REL_TYPE_TOKEN);
}

static gboolean
call_with_deadline (SaFunction *fn,
                    int         timeout_msec,
                    GError    **error)
{
  g_autoptr(RelToken) token = rel_token_new ();
  int value = 0;

  return sa_function_call_sync_with_timeout (fn, timeout_msec, NULL, error, token, &value);
}

/* CPU time this process used, in microseconds. */
static gint64
process_cpu_usec (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static guint
open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Measured before the fix: 2000 ms for a 100 ms deadline, and forever when
 * the pair's work never ends. */
static void
test_deadline_bounds_an_always_ready_pair (void)
{
  g_autoptr(SaFunction) fn = new_token_pair ("stubborn", G_CALLBACK (stubborn_async));
  g_autoptr(SaFunction) never = new_token_pair ("never", G_CALLBACK (never_async));
  g_autoptr(GError) error = NULL;
  guint alive = rel_tokens_alive ();
  gint64 start;
  gint64 cpu_start;
  gint64 cpu_used;
  gint64 waited;

  g_atomic_int_set (&stop_stubborn, FALSE);
  start = rel_now ();
  g_assert_false (call_with_deadline (fn, 100, &error));
  waited = rel_now () - start;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_test_message ("a 100 ms deadline returned after %" G_GINT64_FORMAT " ms", waited / 1000);
  /* The deadline plus the grace period (at most 100 ms); the rest is a
   * loaded machine's slack. */
  g_assert_cmpint (waited, <, rel_time_bound (1000) * 1000);

  /* Abandoned, the spinning pair must not take a core. */
  cpu_start = process_cpu_usec ();
  start = rel_now ();
  g_usleep (rel_time_bound (500) * 1000);
  cpu_used = process_cpu_usec () - cpu_start;
  g_test_message ("abandoned always-ready pair: %" G_GINT64_FORMAT " ms of CPU in %"
                  G_GINT64_FORMAT " ms", cpu_used / 1000, (rel_now () - start) / 1000);
  g_assert_cmpint (cpu_used, <, (rel_now () - start) / 4);

  /* Nor delay the release of another abandoned call. */
  g_assert_false (call_with_deadline (never, 10, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  start = rel_now ();
  complete_held_tasks ();
  g_assert_true (rel_wait_for_tokens (alive + 1, RELEASE_MSEC));
  g_test_message ("the other abandoned call was released after %" G_GINT64_FORMAT " ms",
                  (rel_now () - start) / 1000);
  g_assert_cmpint (rel_now () - start, <, rel_time_bound (500) * 1000);

  g_atomic_int_set (&stop_stubborn, TRUE);
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC));
}

typedef struct
{
  SaFunction *fn;
  guint n_calls;
} Abandoner;

static gpointer
abandon_calls (gpointer data)
{
  Abandoner *abandoner = data;

  for (guint i = 0; i < abandoner->n_calls; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (call_with_deadline (abandoner->fn, 1, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    }
  return NULL;
}

/* Measured before the fix: an fd each (1100 abort the process under
 * ulimit -n 1024) and an sa-drain thread waking 100 times a second. */
static void
test_ten_thousand_abandoned_calls_cost_no_fd_each (void)
{
  g_autoptr(SaFunction) never = new_token_pair ("never", G_CALLBACK (never_async));
  enum { N_THREADS = 8 };
  GThread *threads[N_THREADS];
  Abandoner abandoner = { never, rel_scaled (10000) / N_THREADS };
  struct rlimit saved;
  struct rlimit limit;
  guint alive = rel_tokens_alive ();
  guint fds_before;
  guint fds_after;
  gint64 cpu_start;
  gint64 cpu_used;
  gint64 start;

  /* As under `ulimit -n 256`: an fd per abandoned call would hit it. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  limit = saved;
  limit.rlim_cur = 256;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);

  fds_before = open_fds ();
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("abandoner", abandon_calls, &abandoner);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  fds_after = open_fds ();
  g_test_message ("%u abandoned calls: %u fds before, %u after",
                  abandoner.n_calls * N_THREADS, fds_before, fds_after);
  g_assert_cmpuint (rel_tokens_alive (), ==, alive + abandoner.n_calls * N_THREADS);
  g_assert_cmpuint (fds_after, <=, fds_before + 2 * N_THREADS + 8);

  /* Idle: nothing spins for the abandoned calls. */
  cpu_start = process_cpu_usec ();
  start = rel_now ();
  g_usleep (rel_time_bound (500) * 1000);
  cpu_used = process_cpu_usec () - cpu_start;
  g_test_message ("idle with them abandoned: %" G_GINT64_FORMAT " ms of CPU in %"
                  G_GINT64_FORMAT " ms", cpu_used / 1000, (rel_now () - start) / 1000);
  g_assert_cmpint (cpu_used, <, (rel_now () - start) / 20);

  complete_held_tasks ();
  g_assert_true (rel_wait_for_tokens (alive, RELEASE_MSEC * 3));
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
}

/* A pair that writes into caller memory (g_input_stream_read_async()'s
 * buffer) must not have a deadline unless the caller promises to keep the
 * buffer; measured before the fix: 64 bytes written into a freed buffer. */
static SaFunction *
new_read_into (SaFunctionFlags flags)
{
  return sa_function_new_async ("read-into", G_CALLBACK (g_input_stream_read_async),
                                G_CALLBACK (g_input_stream_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE | flags,
                                G_TYPE_LONG, 4, G_TYPE_INPUT_STREAM, G_TYPE_POINTER,
                                G_TYPE_ULONG, G_TYPE_INT);
}

static void
test_raw_pointer_deadline_is_refused (void)
{
  g_autoptr(SaFunction) fn = new_read_into (0);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[64] = "";
  long n_read = -1;
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  stream = g_unix_input_stream_new (fds[0], TRUE);

  g_assert_false (sa_function_call_sync_with_timeout (fn, 100, NULL, &error, stream, buffer,
                                                      (gulong) sizeof buffer,
                                                      G_PRIORITY_DEFAULT, &n_read));
  g_assert_error (error, SA_ERROR, SA_ERROR_UNSAFE_DEADLINE);

  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, "*has_raw_pointers*");
  sa_function_set_timeout (fn, 100);
  g_test_assert_expected_messages ();
  g_assert_cmpint (sa_function_get_timeout (fn), <, 0);

  /* Without a deadline the read is the caller's to bound. */
  g_assert_cmpint (write (fds[1], "data", 4), ==, 4);
  g_clear_error (&error);
  g_assert_true (sa_function_call_sync (fn, NULL, &error, stream, buffer,
                                        (gulong) sizeof buffer, G_PRIORITY_DEFAULT,
                                        &n_read));
  g_assert_no_error (error);
  g_assert_cmpint (n_read, ==, 4);
  close (fds[1]);
}

/* With DEADLINE_SAFE the caller keeps the buffer; the pair is cancelled and
 * given its grace period, so a read that honours cancellation has ended
 * before the call returns and writes nothing later. */
static void
test_deadline_safe_read_ends_within_the_grace_period (void)
{
  g_autoptr(SaFunction) fn = new_read_into (SA_FUNCTION_FLAGS_DEADLINE_SAFE);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  char *buffer = g_malloc0 (64);
  long n_read = -1;
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  stream = g_unix_input_stream_new (fds[0], TRUE);

  g_assert_false (sa_function_call_sync_with_timeout (fn, 50, NULL, &error, stream, buffer,
                                                      (gulong) 64, G_PRIORITY_DEFAULT,
                                                      &n_read));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

  /* The read was cancelled in the grace period: data arriving now stays
   * in the pipe, and the stream is free for another read. */
  g_assert_cmpint (write (fds[1], "late", 4), ==, 4);
  g_usleep (50000);
  g_assert_cmpstr (buffer, ==, "");
  g_assert_false (g_input_stream_has_pending (stream));
  g_assert_cmpint (g_input_stream_read (stream, buffer, 63, NULL, NULL), ==, 4);
  g_assert_cmpstr (buffer, ==, "late");
  close (fds[1]);
  g_free (buffer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  held_tasks = g_ptr_array_new_with_free_func (g_object_unref);

  g_test_add_func ("/reliability/abandon/deadline-bounds-an-always-ready-pair",
                   test_deadline_bounds_an_always_ready_pair);
  g_test_add_func ("/reliability/abandon/ten-thousand-abandoned-calls-cost-no-fd-each",
                   test_ten_thousand_abandoned_calls_cost_no_fd_each);
  g_test_add_func ("/reliability/abandon/raw-pointer-deadline-is-refused",
                   test_raw_pointer_deadline_is_refused);
  g_test_add_func ("/reliability/abandon/deadline-safe-read-ends-within-the-grace-period",
                   test_deadline_safe_read_ends_within_the_grace_period);

  return g_test_run ();
}
