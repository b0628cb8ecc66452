/* sa-call-result.c: the GAsyncResult of a call that needs no GTask
 *
 * Two kinds of call hand out this small result instead of a GTask:
 *
 * - A smart call in a sync context has completed before it returns, and
 *   its callback runs before it returns too; nothing may be left for the
 *   caller's main context to dispatch later, where a GTask would insist on
 *   delivering.
 * - An async caller's plain call_async(): all it needs of a GTask is
 *   GIO's delivery rule (in the caller's thread-default context, never
 *   from inside the _async call), which is a few lines here
 *   (sa_call_result_deliver()) and a GTask's cost is not.
 *
 * sa_function_call_finish() accepts both this and a GTask. A result
 * released by its delivery with nothing else holding or attached to it is
 * kept for the thread's next call (release()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-result-private.h"

struct _SaCallResult
{
  GObject              parent_instance;

  SaCall              *call;
  GAsyncReadyCallback  callback;
  gpointer             user_data;

  /* Pending results only: where, and after which iteration, the callback
   * may run. */
  GMainContext        *context;
  gint64               creation_time;
};

static void sa_call_result_async_result_iface_init (GAsyncResultIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SaCallResult, sa_call_result, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      sa_call_result_async_result_iface_init))

static gpointer
sa_call_result_get_user_data (GAsyncResult *result)
{
  return SA_CALL_RESULT (result)->user_data;
}

static GObject *
sa_call_result_get_source_object (GAsyncResult *result)
{
  return g_object_ref (G_OBJECT (SA_CALL_RESULT (result)->call->function));
}

static gboolean
sa_call_result_is_tagged (GAsyncResult *result,
                          gpointer      source_tag)
{
  return source_tag == sa_function_call_async;
}

static void
sa_call_result_async_result_iface_init (GAsyncResultIface *iface)
{
  iface->get_user_data = sa_call_result_get_user_data;
  iface->get_source_object = sa_call_result_get_source_object;
  iface->is_tagged = sa_call_result_is_tagged;
}

/* Each thread keeps the last result it let go of for its next call: a
 * GObject's creation, disposal and finalization cost more than the rest
 * of a result's life. Only a result nobody else can reach is kept: ours
 * the only reference, nothing attached (weak references, toggle
 * references and bindings' wrappers are all object data) and its signal
 * handlers destroyed as GObject would. A kept result never goes to
 * another thread; a thread's is finalized when the thread exits. */
enum
{
  SPARE_UNUSED,
  SPARE_IN_USE,   /* the thread's exit will let the spare go */
  SPARE_CLOSED,   /* the thread is exiting: nothing more is kept */
};

static __thread SaCallResult *spare;
static __thread int spare_state;

static void
drop_spare (gpointer data)
{
  spare_state = SPARE_CLOSED;
  g_clear_object (&spare);
}

static GPrivate spare_private = G_PRIVATE_INIT (drop_spare);

/* Only our reference, and nothing attached: no other thread can take a
 * reference either. */
static gboolean
is_unreachable (SaCallResult *self)
{
  GObject *object = (GObject *) self;

  return g_atomic_int_get (&object->ref_count) == 1 &&
         g_atomic_pointer_get (&object->qdata) == NULL;
}

/* Drops our reference to @self, keeping it for this thread's next result
 * where it can. */
static void
release (gpointer data)
{
  SaCallResult *self = data;

  if (spare == NULL && spare_state != SPARE_CLOSED && is_unreachable (self))
    {
      g_signal_handlers_destroy (self);
      g_clear_pointer (&self->call, sa_call_unref);
      g_clear_pointer (&self->context, g_main_context_unref);

      /* Letting the call go can run code (the finalization of its
       * arguments) that keeps a result of its own. */
      if (G_LIKELY (spare == NULL && is_unreachable (self)))
        {
          if (spare_state == SPARE_UNUSED)
            {
              g_private_set (&spare_private, &spare_private);
              spare_state = SPARE_IN_USE;
            }
          spare = self;
          return;
        }
    }

  g_object_unref (self);
}

static void
sa_call_result_finalize (GObject *object)
{
  SaCallResult *self = (SaCallResult *) object;

  g_clear_pointer (&self->call, sa_call_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sa_call_result_parent_class)->finalize (object);
}

static void
sa_call_result_class_init (SaCallResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sa_call_result_finalize;
}

static void
sa_call_result_init (SaCallResult *self)
{
}

/* @call must have completed. */
SaCallResult *
sa_call_result_new (SaCall   *call,
                    gpointer  user_data)
{
  SaCallResult *self = g_steal_pointer (&spare);

  if (self == NULL)
    self = g_object_new (SA_TYPE_CALL_RESULT, NULL);
  self->call = sa_call_ref (call);
  self->callback = NULL;
  self->user_data = user_data;
  self->context = NULL;
  self->creation_time = 0;

  return self;
}

/* The result of an async caller's call, handed to @callback by
 * sa_call_result_deliver() once the call is settled. The call holds it
 * until then (call->pending), and it holds the call. */
SaCallResult *
sa_call_result_new_pending (SaCall              *call,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SaCallResult *self = sa_call_result_new (call, user_data);
  GSource *current = g_main_current_source ();

  self->callback = callback;
  self->context = g_main_context_ref_thread_default ();
  self->creation_time = current != NULL ? g_source_get_time (current) : 0;

  return self;
}

SaCall *
sa_call_result_call (SaCallResult *self)
{
  return self->call;
}

/* Where a pending result is delivered; NULL for a sync caller's. */
GMainContext *
sa_call_result_context (SaCallResult *self)
{
  return self->context;
}

static void
invoke (SaCallResult *self)
{
  if (self->callback != NULL)
    self->callback ((GObject *) self->call->function, (GAsyncResult *) self,
                    self->user_data);
}

static gboolean
invoke_in_idle (gpointer data)
{
  invoke (data);
  return G_SOURCE_REMOVE;
}

/* Runs the callback now where GTask would (dispatched by the caller's
 * context, in a later iteration than the call began, and not inside a
 * "cancelled" emission), else from an idle source there. Takes over
 * @self. */
void
sa_call_result_deliver (SaCallResult *self)
{
  GSource *current = g_main_current_source ();
  GCancellable *cancellable = self->call->cancellable;
  GMainContext *context;
  GSource *idle;

  if (current != NULL &&
      g_source_get_context (current) == self->context &&
      g_source_get_time (current) > self->creation_time &&
      (cancellable == NULL || !g_cancellable_is_cancelled (cancellable)))
    {
      invoke (self);
      release (self);
      return;
    }

  /* The context is held until the source is let go of: once attached,
   * the callback may run and drop the result, and with it the context's
   * last reference, before g_source_unref() locks that context. */
  context = g_main_context_ref (self->context);
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, invoke_in_idle, self, release);
  g_source_set_static_name (idle, "[smartasync] deliver");
  g_source_attach (idle, context);
  g_source_unref (idle);
  g_main_context_unref (context);
}
