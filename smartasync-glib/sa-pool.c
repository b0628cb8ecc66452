/* sa-pool.c: a bounded set of worker threads for blocking callables
 *
 * Async callers of a blocking callable run it on a thread of the
 * function's pool (sa_pool_get_default() unless the function's pool
 * property names another). The pools are ours, never GTask's: GIO runs
 * its own blocking work (file queries, DNS, ...) in GTask's pool, and a
 * burst of slow calls there kept it waiting for as long as the burst
 * lasted.
 *
 * A pool is a FIFO queue and up to max-threads threads, started on
 * demand and ended after a while without work. A call that its caller
 * cancels while it waits in the queue ends at once and never runs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-callable-private.h"
#include "sa-pool-private.h"

/* How long an idle thread waits for work before it ends. */
#define IDLE_USEC (10 * G_USEC_PER_SEC)

/* Threads of the default pool: enough for many slow calls at once, while
 * a runaway burst cannot create threads without bound. */
#define DEFAULT_MAX_THREADS 32

/* Queued calls */

enum
{
  QUEUED,
  TAKEN,
  CANCELLED,
};

struct _SaQueued
{
  gatomicrefcount    ref_count;
  int                state;  /* atomic */
  SaCall            *call;
  SaQueuedStartFunc  start;
  gboolean           in_context;  /* start in the caller's task's context */
  gulong             handler_id;
};

static SaQueued *
sa_queued_ref (SaQueued *queued)
{
  g_atomic_ref_count_inc (&queued->ref_count);
  return queued;
}

void
sa_queued_unref (SaQueued *queued)
{
  if (!g_atomic_ref_count_dec (&queued->ref_count))
    return;

  sa_call_unref (queued->call);
  g_free (queued);
}

/* The caller cancelled: if nobody has taken the call from its queue yet,
 * it ends now, and whoever reaches it in the queue skips it. */
static void
queued_cancelled (GCancellable *cancellable,
                  SaQueued     *queued)
{
  SaCall *call = queued->call;

  if (!g_atomic_int_compare_and_exchange (&queued->state, QUEUED, CANCELLED))
    return;

  g_set_error (&call->error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
               "Function “%s” was cancelled while it waited", call->function->name);
  sa_call_complete (call);
}

SaQueued *
sa_queued_new (SaCall            *call,
               SaQueuedStartFunc  start,
               gboolean           in_context)
{
  SaQueued *queued = g_new0 (SaQueued, 1);

  g_atomic_ref_count_init (&queued->ref_count);
  queued->state = QUEUED;
  queued->call = sa_call_ref (call);
  queued->start = start;
  queued->in_context = in_context;

  /* The handler holds a reference, dropped when it is disconnected and
   * no longer running anywhere. */
  if (call->cancellable != NULL)
    queued->handler_id = g_cancellable_connect (call->cancellable,
                                                G_CALLBACK (queued_cancelled),
                                                sa_queued_ref (queued),
                                                (GDestroyNotify) sa_queued_unref);

  return queued;
}

/* Takes the call out of waiting. Returns FALSE when its caller cancelled
 * it first (it has ended already). Any thread, once per queued call. */
gboolean
sa_queued_take (SaQueued *queued)
{
  gboolean taken;

  taken = g_atomic_int_compare_and_exchange (&queued->state, QUEUED, TAKEN);

  /* Not g_cancellable_disconnect(), which waits for a handler running in
   * another thread and deadlocks in its own: a handler that runs anyway
   * finds the call taken, and holds its own reference. */
  if (queued->handler_id != 0)
    {
      g_signal_handler_disconnect (queued->call->cancellable, queued->handler_id);
      queued->handler_id = 0;
    }

  return taken;
}

SaCall *
sa_queued_call (SaQueued *queued)
{
  return queued->call;
}

gboolean
sa_queued_in_context (SaQueued *queued)
{
  return queued->in_context;
}

void
sa_queued_start (SaQueued *queued)
{
  queued->start (queued->call);
}

/* Pools */

/* What the threads share with the pool object, which may go first. */
/* An idle thread, waiting to be handed work. */
typedef struct
{
  GCond     cond;
  gboolean  woken;
} Idler;

typedef struct
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GQueue           queue;      /* of SaQueued */
  /* Idle threads, the most recently idle last: woken last in, first out,
   * so that a chain of calls keeps to one warm thread and the others
   * reach their idle timeout. */
  GPtrArray       *idle;       /* of Idler, on their threads' stacks */
  guint            max_threads;
  guint            n_threads;
  gboolean         closed;
} PoolCore;

struct _SaPool
{
  GObject    parent_instance;
  PoolCore  *core;
};

enum
{
  PROP_0,
  PROP_MAX_THREADS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SaPool, sa_pool, G_TYPE_OBJECT)

static PoolCore *
pool_core_ref (PoolCore *core)
{
  g_atomic_ref_count_inc (&core->ref_count);
  return core;
}

static void
pool_core_unref (PoolCore *core)
{
  if (!g_atomic_ref_count_dec (&core->ref_count))
    return;

  g_assert (g_queue_is_empty (&core->queue));
  g_assert (core->idle->len == 0);
  g_ptr_array_unref (core->idle);
  g_mutex_clear (&core->lock);
  g_free (core);
}

static void
run_queued (SaQueued *queued)
{
  SaCall *call = sa_queued_call (queued);

  if (sa_queued_take (queued))
    {
      if (!g_cancellable_set_error_if_cancelled (call->op_cancellable, &call->error))
        sa_callable_invoke (call->function, call->args, call->op_cancellable,
                            &call->result, &call->error);
      sa_call_complete (call);
    }
  sa_queued_unref (queued);
}

static gpointer
pool_thread (gpointer data)
{
  PoolCore *core = data;
  Idler idler;

  g_mutex_lock (&core->lock);
  for (;;)
    {
      SaQueued *queued = g_queue_pop_head (&core->queue);
      gint64 end;

      if (queued != NULL)
        {
          g_mutex_unlock (&core->lock);
          run_queued (queued);
          g_mutex_lock (&core->lock);
          continue;
        }

      if (core->closed)
        break;

      g_cond_init (&idler.cond);
      idler.woken = FALSE;
      g_ptr_array_add (core->idle, &idler);
      end = g_get_monotonic_time () + IDLE_USEC;
      while (!idler.woken)
        if (!g_cond_wait_until (&idler.cond, &core->lock, end))
          break;
      if (!idler.woken)
        g_ptr_array_remove (core->idle, &idler);
      g_cond_clear (&idler.cond);

      /* Timed out, or woken for a call another thread took first. */
      if (g_queue_is_empty (&core->queue) && !idler.woken)
        break;
    }
  core->n_threads--;
  g_mutex_unlock (&core->lock);

  pool_core_unref (core);
  return NULL;
}

void
sa_pool_run_call (SaPool *pool,
                  SaCall *call)
{
  PoolCore *core = pool->core;
  SaQueued *queued = sa_queued_new (call, NULL, FALSE);
  gboolean spawn = FALSE;

  g_mutex_lock (&core->lock);
  g_queue_push_tail (&core->queue, queued);
  /* The most recently idle thread takes it; with none idle, a thread more
   * while there may be; otherwise it waits for a busy one. */
  if (core->idle->len > 0)
    {
      Idler *idler = g_ptr_array_steal_index_fast (core->idle, core->idle->len - 1);

      idler->woken = TRUE;
      g_cond_signal (&idler->cond);
    }
  else if (core->n_threads < core->max_threads)
    {
      core->n_threads++;
      spawn = TRUE;
    }
  g_mutex_unlock (&core->lock);

  if (spawn)
    g_thread_unref (g_thread_new ("sa-pool", pool_thread, pool_core_ref (core)));
}

static void
sa_pool_finalize (GObject *object)
{
  SaPool *self = SA_POOL (object);
  PoolCore *core = self->core;

  /* Idle threads end now; busy ones once the queue is empty. */
  g_mutex_lock (&core->lock);
  core->closed = TRUE;
  while (core->idle->len > 0)
    {
      Idler *idler = g_ptr_array_steal_index_fast (core->idle, core->idle->len - 1);

      idler->woken = TRUE;
      g_cond_signal (&idler->cond);
    }
  g_mutex_unlock (&core->lock);
  pool_core_unref (core);

  G_OBJECT_CLASS (sa_pool_parent_class)->finalize (object);
}

static void
sa_pool_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  SaPool *self = SA_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_THREADS:
      g_value_set_uint (value, self->core->max_threads);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sa_pool_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  SaPool *self = SA_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_THREADS:
      self->core->max_threads = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sa_pool_class_init (SaPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sa_pool_finalize;
  object_class->get_property = sa_pool_get_property;
  object_class->set_property = sa_pool_set_property;

  /**
   * SaPool:max-threads:
   *
   * The most threads the pool runs at once; calls beyond wait in order.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_THREADS] =
    g_param_spec_uint ("max-threads", NULL, NULL,
                       1, G_MAXUINT16, DEFAULT_MAX_THREADS,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sa_pool_init (SaPool *self)
{
  self->core = g_new0 (PoolCore, 1);
  g_atomic_ref_count_init (&self->core->ref_count);
  g_mutex_init (&self->core->lock);
  g_queue_init (&self->core->queue);
  self->core->idle = g_ptr_array_new ();
  self->core->max_threads = DEFAULT_MAX_THREADS;
}

/**
 * SaPool:
 *
 * A bounded set of worker threads for the blocking callables of
 * [class@Function]s.
 *
 * An async caller of a function that wraps a blocking callable gets its
 * loop back at once while the callable runs on a thread of the function's
 * pool ([property@Function:pool]). Calls beyond the pool's
 * [property@Pool:max-threads] wait in a queue, in the order they were
 * made; a call cancelled while it waits ends at once with
 * %G_IO_ERROR_CANCELLED and never runs. Threads are started when calls
 * need them and end after ten seconds without work.
 *
 * Every function uses [func@Pool.get_default] unless given another pool:
 * a function whose calls can block for long (or forever, until
 * cancelled) is best given a pool of its own, so that it cannot hold up
 * other functions' calls. GIO's own thread-using operations never wait
 * for these pools.
 *
 * Dropping the last reference to a pool with calls queued is safe: the
 * queued calls still run, and the threads end after them.
 *
 * Since: 0.2
 */

/**
 * sa_pool_new:
 * @max_threads: the most threads the pool runs at once, at least 1
 *
 * Makes a pool of at most @max_threads threads.
 *
 * Returns: (transfer full): a new pool
 *
 * Since: 0.2
 */
SaPool *
sa_pool_new (guint max_threads)
{
  g_return_val_if_fail (max_threads >= 1 && max_threads <= G_MAXUINT16, NULL);

  return g_object_new (SA_TYPE_POOL, "max-threads", max_threads, NULL);
}

/**
 * sa_pool_get_default:
 *
 * Gets the pool that functions use unless given another one: at most 32
 * threads, shared by every function of the process.
 *
 * Returns: (transfer none): the default pool
 *
 * Since: 0.2
 */
SaPool *
sa_pool_get_default (void)
{
  static SaPool *default_pool;

  if (g_once_init_enter (&default_pool))
    g_once_init_leave (&default_pool, sa_pool_new (DEFAULT_MAX_THREADS));

  return default_pool;
}

/**
 * sa_pool_get_max_threads:
 * @self: a pool
 *
 * Gets [property@Pool:max-threads].
 *
 * Returns: the most threads the pool runs at once
 *
 * Since: 0.2
 */
guint
sa_pool_get_max_threads (SaPool *self)
{
  g_return_val_if_fail (SA_IS_POOL (self), 0);

  return self->core->max_threads;
}

/**
 * sa_pool_get_n_threads:
 * @self: a pool
 *
 * Gets how many threads the pool has now, busy or idle.
 *
 * Returns: the number of threads
 *
 * Since: 0.2
 */
guint
sa_pool_get_n_threads (SaPool *self)
{
  guint n;

  g_return_val_if_fail (SA_IS_POOL (self), 0);

  g_mutex_lock (&self->core->lock);
  n = self->core->n_threads;
  g_mutex_unlock (&self->core->lock);

  return n;
}

/**
 * sa_pool_get_n_queued:
 * @self: a pool
 *
 * Gets how many calls wait for a thread of the pool, counting calls
 * cancelled while they waited until a thread reaches them.
 *
 * Returns: the number of queued calls
 *
 * Since: 0.2
 */
guint
sa_pool_get_n_queued (SaPool *self)
{
  guint n;

  g_return_val_if_fail (SA_IS_POOL (self), 0);

  g_mutex_lock (&self->core->lock);
  n = self->core->queue.length;
  g_mutex_unlock (&self->core->lock);

  return n;
}
