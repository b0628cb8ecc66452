/* sa-call-result.c: the result of a smart call made in a sync context
 *
 * A smart call in a sync context has completed before it returns, and its
 * callback runs before it returns too; nothing may be left for the
 * caller's main context to dispatch later. A GTask would insist on
 * delivering through that context, so the completed result is this small
 * GAsyncResult instead. sa_function_call_finish() accepts both.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-result-private.h"

struct _SaCallResult
{
  GObject   parent_instance;

  SaCall   *call;
  gpointer  user_data;
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

static void
sa_call_result_finalize (GObject *object)
{
  SaCallResult *self = SA_CALL_RESULT (object);

  g_clear_pointer (&self->call, sa_call_unref);

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
  SaCallResult *self;

  self = g_object_new (SA_TYPE_CALL_RESULT, NULL);
  self->call = sa_call_ref (call);
  self->user_data = user_data;

  return self;
}

SaCall *
sa_call_result_call (SaCallResult *self)
{
  return self->call;
}
