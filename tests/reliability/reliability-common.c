/* reliability-common.c: what the reliability tests share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#ifdef HAVE_VALGRIND_H
# include <valgrind/valgrind.h>
#endif

#include "reliability-common.h"

gboolean
rel_running_on_valgrind (void)
{
#ifdef HAVE_VALGRIND_H
  if (RUNNING_ON_VALGRIND)
    return TRUE;
#endif
  /* Without the header, valgrind still shows in the preload list. */
  return strstr (g_getenv ("LD_PRELOAD") ? g_getenv ("LD_PRELOAD") : "", "vgpreload") != NULL;
}

guint
rel_scale_percent (void)
{
  static guint percent = 0;
  const char *env;

  if (percent != 0)
    return percent;

  env = g_getenv ("SA_TEST_SCALE");
  if (env != NULL && atoi (env) > 0)
    percent = atoi (env);
  else if (rel_running_on_valgrind ())
    percent = 20;
  else
    percent = 100;

  return percent;
}

guint
rel_scaled (guint full)
{
  guint64 n = (guint64) full * rel_scale_percent () / 100;

  return (guint) CLAMP (n, 1, G_MAXUINT);
}

gboolean
rel_running_under_asan (void)
{
#if defined (__SANITIZE_ADDRESS__)
  return TRUE;
#elif defined (__has_feature)
# if __has_feature (address_sanitizer)
  return TRUE;
# else
  return FALSE;
# endif
#else
  return FALSE;
#endif
}

guint
rel_time_bound (guint native_msec)
{
  if (rel_running_on_valgrind ())
    return native_msec * 4;
  if (rel_running_under_asan ())
    return native_msec * 2;
  return native_msec;
}

/* Watchdog */

static struct
{
  GMutex   mutex;
  GCond    cond;
  GThread *thread;
  gboolean stopped;
  guint    timeout_msec;
} watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  const char *test = data;
  gint64 deadline;

  g_mutex_lock (&watchdog.mutex);
  deadline = g_get_monotonic_time () + (gint64) watchdog.timeout_msec * 1000;
  while (!watchdog.stopped)
    {
      if (!g_cond_wait_until (&watchdog.cond, &watchdog.mutex, deadline))
        g_error ("%s: still running after %u ms: hung", test, watchdog.timeout_msec);
    }
  g_mutex_unlock (&watchdog.mutex);

  return NULL;
}

void
rel_watchdog_start (guint timeout_msec)
{
  g_assert_null (watchdog.thread);

  watchdog.stopped = FALSE;
  watchdog.timeout_msec = timeout_msec;
  g_test_message ("bounded to %u ms", timeout_msec);
  watchdog.thread = g_thread_new ("watchdog", watchdog_thread,
                                  (gpointer) g_test_get_path ());
}

void
rel_watchdog_stop (void)
{
  g_assert_nonnull (watchdog.thread);

  g_mutex_lock (&watchdog.mutex);
  watchdog.stopped = TRUE;
  g_cond_signal (&watchdog.cond);
  g_mutex_unlock (&watchdog.mutex);

  g_thread_join (g_steal_pointer (&watchdog.thread));
}

/* Tokens */

struct _RelToken
{
  GObject parent_instance;
};

static int tokens_alive;

G_DEFINE_FINAL_TYPE (RelToken, rel_token, G_TYPE_OBJECT)

static void
rel_token_finalize (GObject *object)
{
  g_atomic_int_dec_and_test (&tokens_alive);

  G_OBJECT_CLASS (rel_token_parent_class)->finalize (object);
}

static void
rel_token_class_init (RelTokenClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rel_token_finalize;
}

static void
rel_token_init (RelToken *self)
{
  g_atomic_int_inc (&tokens_alive);
}

RelToken *
rel_token_new (void)
{
  return g_object_new (REL_TYPE_TOKEN, NULL);
}

guint
rel_tokens_alive (void)
{
  return (guint) g_atomic_int_get (&tokens_alive);
}

static gboolean
set_flag (gpointer data)
{
  g_atomic_int_set ((int *) data, 1);
  return G_SOURCE_REMOVE;
}

gboolean
rel_iterate_until (GMainContext *context,
                   const int    *flag,
                   guint         timeout_msec)
{
  int timed_out = 0;
  GSource *timeout;

  timeout = g_timeout_source_new (timeout_msec);
  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!g_atomic_int_get (flag) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);

  return g_atomic_int_get (flag) != 0;
}

gboolean
rel_wait_for_tokens (guint expected_alive,
                     guint timeout_msec)
{
  gint64 deadline = rel_now () + (gint64) timeout_msec * 1000;

  while (rel_tokens_alive () != expected_alive && rel_now () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }

  return rel_tokens_alive () == expected_alive;
}

/* Pairs */

void
rel_add_async (int                  a,
               int                  b,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rel_add_async);
  /* GTask never calls back from inside this function, and checks the
   * cancellable in _finish. */
  g_task_return_int (task, a + b);
}

int
rel_add_finish (GAsyncResult  *result,
                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  g_return_val_if_fail (g_async_result_is_tagged (result, rel_add_async), -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

int
rel_add_blocking (int            a,
                  int            b,
                  GCancellable  *cancellable,
                  GError       **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  return a + b;
}

gboolean
rel_spin (guint         usec,
          GCancellable *cancellable)
{
  gint64 end = rel_now () + usec;

  while (rel_now () < end)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
    }

  return TRUE;
}

guint32
rel_random (guint32 *state)
{
  /* xorshift32: per-thread, no locking, good enough to pick race points. */
  guint32 x = *state ? *state : 0x9e3779b9u;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;

  return x;
}
