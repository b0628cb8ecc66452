/* sa-invoke.c: running the wrapped callable, in each of its four forms
 *
 * A C function through libffi (blocking, or a GIO _async/_finish pair) or
 * a GValue callback from a binding (blocking, or completing a GTask). The
 * dispatch paths in sa-function.c only ever see "invoke it now and block"
 * and "start it; it completes through sa_call_complete()".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-private.h"
#include "sa-error.h"
#include "sa-signature-private.h"

/* Turns what a C function returned into @result or @error. @throws: the
 * function reports failure through a GError, and a gboolean FALSE without
 * one is a bug worth naming. */
static gboolean
take_native_return (SaFunction  *self,
                    SaSlot      *ret,
                    gboolean     throws,
                    GError      *local_error,
                    GValue      *result,
                    GError     **error)
{
  if (self->return_type == G_TYPE_NONE)
    sa_value_init_result (result, G_TYPE_NONE);
  else
    sa_value_from_slot (result, self->return_type, ret,
                        !(self->flags & SA_FUNCTION_FLAGS_RETURNS_UNOWNED));

  if (local_error != NULL)
    {
      g_value_unset (result);
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (throws && G_TYPE_FUNDAMENTAL (self->return_type) == G_TYPE_BOOLEAN &&
      !g_value_get_boolean (result))
    {
      g_value_unset (result);
      g_set_error (error, SA_ERROR, SA_ERROR_FAILED,
                   "Function “%s” failed without setting an error", self->name);
      return FALSE;
    }

  return TRUE;
}

static guint
fill_slots (SaFunction *self,
            GValue     *args,
            SaSlot     *slots,
            void      **values)
{
  for (guint i = 0; i < self->n_params; i++)
    {
      sa_slot_from_value (&slots[i], &args[i]);
      values[i] = &slots[i];
    }

  return self->n_params;
}

static gboolean
invoke_native_sync (SaFunction    *self,
                    GValue        *args,
                    GCancellable  *cancellable,
                    GValue        *result,
                    GError       **error)
{
  SaSlot slots[SA_FUNCTION_MAX_PARAMS + 2];
  void *values[SA_FUNCTION_MAX_PARAMS + 2];
  SaSlot ret = { 0 };
  GError *local_error = NULL;
  gboolean throws = (self->flags & SA_FUNCTION_FLAGS_THROWS) != 0;
  guint n;

  n = fill_slots (self, args, slots, values);
  if (self->flags & SA_FUNCTION_FLAGS_CANCELLABLE)
    {
      slots[n].v_pointer = cancellable;
      values[n] = &slots[n];
      n++;
    }
  if (throws)
    {
      slots[n].v_pointer = &local_error;
      values[n] = &slots[n];
      n++;
    }

  ffi_call (&self->callable.native_sync.cif,
            FFI_FN (self->callable.native_sync.func), &ret, values);

  return take_native_return (self, &ret, throws, local_error, result, error);
}

/* Bindings get the GValue shape; their quirks are handled here: a callback
 * may return TRUE *and* set an error (GJS), or FALSE with no error (a
 * Python exception that was not a GLib.Error, a GJS thread refusal). */
static gboolean
invoke_value_sync (SaFunction    *self,
                   GValue        *args,
                   GCancellable  *cancellable,
                   GValue        *result,
                   GError       **error)
{
  g_auto(GValue) returned = G_VALUE_INIT;
  GError *local_error = NULL;
  gboolean ok;

  sa_value_init_result (&returned, self->return_type);
  ok = self->callable.value_sync.func (args, self->n_params, &returned,
                                       cancellable, self->user_data, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (!ok)
    {
      g_set_error (error, SA_ERROR, SA_ERROR_FAILED,
                   "Function “%s” failed without setting an error", self->name);
      return FALSE;
    }

  if (self->return_type == G_TYPE_NONE)
    {
      sa_value_init_result (result, G_TYPE_NONE);
      return TRUE;
    }

  if (!G_IS_VALUE (&returned))
    {
      g_set_error (error, SA_ERROR, SA_ERROR_RESULT_TYPE,
                   "Function “%s” returned no value, expected %s",
                   self->name, g_type_name (self->return_type));
      return FALSE;
    }

  if (!sa_value_coerce (&returned, self->return_type, result,
                        SA_ERROR_RESULT_TYPE, error))
    {
      g_prefix_error (error, "Function “%s”: result: ", self->name);
      return FALSE;
    }

  return TRUE;
}

/* Runs a blocking callable on this thread. @result must be zeroed; it holds
 * the value on success and is left unset on failure. */
gboolean
sa_function_invoke_sync (SaFunction    *self,
                         GValue        *args,
                         GCancellable  *cancellable,
                         GValue        *result,
                         GError       **error)
{
  switch (self->callable_type)
    {
    case SA_CALLABLE_NATIVE_SYNC:
      return invoke_native_sync (self, args, cancellable, result, error);
    case SA_CALLABLE_VALUE_SYNC:
      return invoke_value_sync (self, args, cancellable, result, error);
    case SA_CALLABLE_NATIVE_ASYNC:
    case SA_CALLABLE_VALUE_ASYNC:
    case SA_CALLABLE_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* Calling an async pair without libffi.
 *
 * ffi_call() classifies every argument again on every call, which costs
 * about as much as all the rest of our side of a call to a pair that
 * completes at once. GLib's generated marshallers (gmarshal.c) call C
 * functions through function pointers of the right shape instead, passing
 * pointers of any type as gpointer and gint-sized integers (gint,
 * gboolean, enums) as gint; the shapes async pairs mostly have are called
 * that way here, and libffi does everything else. A shape is the number
 * of leading arguments (at most 3) and one bit per argument, set for a
 * gint. */
enum
{
  SHAPE_NONE = 0,
  SHAPE_P    = 0,  /* a pointer of any type */
  SHAPE_I    = 1,  /* gint, gboolean or an enum */
};

#define SHAPE0()        (1)
#define SHAPE1(a)       (2 | SHAPE_##a)
#define SHAPE2(a, b)    (4 | SHAPE_##a | SHAPE_##b << 1)
#define SHAPE3(a, b, c) (8 | SHAPE_##a | SHAPE_##b << 1 | SHAPE_##c << 2)

/* -1: neither */
static int
shape_class (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_ENUM:
      return SHAPE_I;
    default:
      return sa_signature_type_is_pointer_like (type) ? SHAPE_P : -1;
    }
}

static guint
shape_of (const GType *types,
          guint        n_types)
{
  guint shape;

  if (n_types > 3)
    return SHAPE_NONE;

  shape = 1u << n_types;
  for (guint i = 0; i < n_types; i++)
    {
      int klass = shape_class (types[i]);

      if (klass < 0)
        return SHAPE_NONE;
      shape |= (guint) klass << i;
    }

  return shape;
}

typedef gpointer ShapeType_P;
typedef gint     ShapeType_I;
#define SHAPE_ARG_P(i) (args[i].v_pointer)
#define SHAPE_ARG_I(i) (args[i].v_int)

#define START(...) \
  ((void (*) (__VA_ARGS__, GCancellable *, GAsyncReadyCallback, gpointer)) func)
#define START_TAIL cancellable, callback, user_data

/* Calls @func (args..., cancellable, callback, user_data) if its
 * parameters have one of the common shapes. */
static gboolean
start_directly (GCallback            func,
                guint                shape,
                const SaSlot        *args,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  switch (shape)
    {
#define CASE1(a) \
    case SHAPE1 (a): \
      START (ShapeType_##a) (SHAPE_ARG_##a (0), START_TAIL); \
      return TRUE;
#define CASE2(a, b) \
    case SHAPE2 (a, b): \
      START (ShapeType_##a, ShapeType_##b) (SHAPE_ARG_##a (0), SHAPE_ARG_##b (1), START_TAIL); \
      return TRUE;
#define CASE3(a, b, c) \
    case SHAPE3 (a, b, c): \
      START (ShapeType_##a, ShapeType_##b, ShapeType_##c) \
        (SHAPE_ARG_##a (0), SHAPE_ARG_##b (1), SHAPE_ARG_##c (2), START_TAIL); \
      return TRUE;

    case SHAPE0 ():
      ((void (*) (GCancellable *, GAsyncReadyCallback, gpointer)) func) (START_TAIL);
      return TRUE;
    CASE1 (P) CASE1 (I)
    CASE2 (P, P) CASE2 (P, I) CASE2 (I, P) CASE2 (I, I)
    CASE3 (P, P, P) CASE3 (P, P, I) CASE3 (P, I, P) CASE3 (P, I, I)
    CASE3 (I, P, P) CASE3 (I, P, I) CASE3 (I, I, P) CASE3 (I, I, I)

#undef CASE1
#undef CASE2
#undef CASE3
    default:
      return FALSE;
    }
}

#undef START
#undef START_TAIL

/* The shape of a _finish function: its return class times 3 plus its
 * source's class, with 2 for none; -1 when libffi must call it. */
static int
finish_shape_of (GType        return_type,
                 const GType *source_type)
{
  int return_class = return_type == G_TYPE_NONE ? 2 : shape_class (return_type);
  int source_class = source_type == NULL ? 2 : shape_class (*source_type);

  if (return_class < 0 || source_class < 0)
    return -1;
  return return_class * 3 + source_class;
}

/* Works out once, at construction, how the pair can be called without
 * libffi. */
void
sa_function_prepare_pair_shapes (SaFunction *self)
{
  gboolean takes_source = (self->flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE) != 0;

  self->callable.native_async.start_shape = shape_of (self->param_types, self->n_params);
  self->callable.native_async.finish_shape =
    finish_shape_of (self->return_type, takes_source ? &self->param_types[0] : NULL);
}

/* Calls @func ([source,] result, error) if it has one of the shapes
 * finish_shape_of() knows; the return value goes to @ret as libffi would
 * put it there. */
static gboolean
finish_directly (GCallback      func,
                 int            shape,
                 const SaSlot  *source,
                 GAsyncResult  *result,
                 GError       **error,
                 SaSlot        *ret)
{
  if (shape < 0)
    return FALSE;

#define FINISH(R, ...) ((R (*) (__VA_ARGS__, GAsyncResult *, GError **)) func)
#define FINISH0(R) ((R (*) (GAsyncResult *, GError **)) func)

  switch (shape)
    {
    case SHAPE_P * 3 + SHAPE_P:
      ret->v_pointer = FINISH (gpointer, gpointer) (source->v_pointer, result, error);
      break;
    case SHAPE_P * 3 + SHAPE_I:
      ret->v_pointer = FINISH (gpointer, gint) (source->v_int, result, error);
      break;
    case SHAPE_P * 3 + 2:
      ret->v_pointer = FINISH0 (gpointer) (result, error);
      break;
    case SHAPE_I * 3 + SHAPE_P:
      ret->v_ffi_arg = (ffi_arg) (ffi_sarg) FINISH (gint, gpointer) (source->v_pointer, result, error);
      break;
    case SHAPE_I * 3 + SHAPE_I:
      ret->v_ffi_arg = (ffi_arg) (ffi_sarg) FINISH (gint, gint) (source->v_int, result, error);
      break;
    case SHAPE_I * 3 + 2:
      ret->v_ffi_arg = (ffi_arg) (ffi_sarg) FINISH0 (gint) (result, error);
      break;
    case 2 * 3 + SHAPE_P:
      FINISH (void, gpointer) (source->v_pointer, result, error);
      break;
    case 2 * 3 + SHAPE_I:
      FINISH (void, gint) (source->v_int, result, error);
      break;
    case 2 * 3 + 2:
      FINISH0 (void) (result, error);
      break;
    default:
      g_assert_not_reached ();
    }

#undef FINISH
#undef FINISH0

  return TRUE;
}

/* Completion tokens
 *
 * A native pair's callback gets a token as its user data, not the call: a
 * slot index and that slot's generation, packed into the pointer. The slot
 * holds the pair's reference on the call until the first completion takes
 * it and moves the generation on, so a second completion, however late and
 * with whatever result, finds a token that no longer matches and is
 * reported instead of touching a call that may be gone. Slots are reused
 * (the table only grows to the most calls ever in flight at once, 16 bytes
 * each) and a slot just left remembers its function's name for that
 * report.
 *
 * This costs two uncontended lock round trips per call, where holding the
 * reference as object data on the result cost about 600 instructions and
 * only covered a second completion with the same result object. */

#define TOKEN_INDEX_BITS (GLIB_SIZEOF_VOID_P == 8 ? 32 : 20)
#define TOKEN_INDEX_LIMIT (((guintptr) 1) << TOKEN_INDEX_BITS)
#define TOKEN_GENERATION_MASK ((guint) (G_MAXSIZE >> TOKEN_INDEX_BITS))

/* The generation is odd while a call holds the slot, even while it is
 * free; a free slot keeps the name of the call that just left it. */
typedef struct
{
  union
  {
    SaCall     *call;
    const char *last_name;  /* interned */
  };
  guint         generation;
  guint         next_free;
} PairSlot;

static GMutex pair_slots_lock;
static PairSlot *pair_slots;
static guint n_pair_slots;
static guint pair_slots_size;
static guint pair_slots_free = G_MAXUINT;

/* Takes over @call (a reference) until pair_token_take(). */
static gpointer
pair_token_new (SaCall *call)
{
  PairSlot *slot;
  guint index;
  guint generation;

  g_mutex_lock (&pair_slots_lock);
  if (pair_slots_free != G_MAXUINT)
    {
      index = pair_slots_free;
      pair_slots_free = pair_slots[index].next_free;
    }
  else
    {
      if (G_UNLIKELY (n_pair_slots == TOKEN_INDEX_LIMIT - 1))
        g_error ("SmartAsync: more async pair calls in flight at once than "
                 "%" G_GSIZE_FORMAT, (gsize) TOKEN_INDEX_LIMIT - 1);
      if (n_pair_slots == pair_slots_size)
        {
          pair_slots_size = MAX (64, pair_slots_size * 2);
          pair_slots = g_renew (PairSlot, pair_slots, pair_slots_size);
        }
      index = n_pair_slots++;
      pair_slots[index].generation = 0;
    }
  slot = &pair_slots[index];
  slot->call = call;
  generation = ++slot->generation & TOKEN_GENERATION_MASK;
  g_mutex_unlock (&pair_slots_lock);

  return (gpointer) (((guintptr) generation << TOKEN_INDEX_BITS) | index);
}

/* The call @token stands for, the first time; then NULL, with the name of
 * the function it was a call of as long as the slot has not been reused. */
static SaCall *
pair_token_take (gpointer     token,
                 const char **late_name)
{
  guintptr bits = (guintptr) token;
  guint index = (guint) (bits & (TOKEN_INDEX_LIMIT - 1));
  guint generation = (guint) (bits >> TOKEN_INDEX_BITS);
  SaCall *call = NULL;

  *late_name = NULL;

  g_mutex_lock (&pair_slots_lock);
  if (G_LIKELY (index < n_pair_slots))
    {
      PairSlot *slot = &pair_slots[index];

      if ((slot->generation & TOKEN_GENERATION_MASK) == generation &&
          (generation & 1) == 1)
        {
          call = slot->call;
          slot->last_name = call->function->interned_name;
          slot->generation++;
          slot->next_free = pair_slots_free;
          pair_slots_free = index;
        }
      else if (((slot->generation - 1) & TOKEN_GENERATION_MASK) == generation &&
               (slot->generation & 1) == 0)
        *late_name = slot->last_name;
    }
  g_mutex_unlock (&pair_slots_lock);

  return call;
}

/* GIO's contract names a context, not a thread: a pair started on a thread
 * with no context of its own (the global default one) rightly completes on
 * whichever thread runs that context. */
static gboolean
dispatched_by_start_context (SaCall *call)
{
  GSource *dispatching = g_main_current_source ();
  GMainContext *expected = call->start_context;

  if (expected == NULL)
    expected = g_main_context_default ();

  return dispatching != NULL && g_source_get_context (dispatching) == expected;
}

static void
native_async_ready (GObject      *source_object,
                    GAsyncResult *res,
                    gpointer      user_data)
{
  const char *late_name;
  g_autoptr(SaCall) call = pair_token_take (user_data, &late_name);
  SaFunction *self;
  SaSlot slots[3];
  void *values[3];
  SaSlot ret = { 0 };
  GError *local_error = NULL;
  guint n = 0;

  if (G_UNLIKELY (call == NULL))
    {
      if (late_name != NULL)
        g_critical ("Function “%s”: its async function invoked the callback "
                    "more than once; only the first completion counts",
                    late_name);
      else
        g_critical ("An async function invoked the callback of a SmartAsync "
                    "call that has ended (a second time, or with data that "
                    "is not its own); ignored");
      return;
    }

  self = call->function;
  g_atomic_int_inc (&call->completions);

  if (call->start_thread != g_thread_self () &&
      g_atomic_int_get (&call->state) == SA_CALL_PENDING &&
      !dispatched_by_start_context (call))
    g_critical ("Function “%s”: its async function called back on another "
                "thread, outside the thread-default main context it was "
                "started in; GIO async functions must call back in the "
                "caller's thread-default main context",
                self->name);

  if (self->flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE)
    {
      sa_slot_from_value (&slots[n], &call->args[0]);
      values[n] = &slots[n];
      n++;
    }

  if (!finish_directly (self->callable.native_async.finish_func,
                        self->callable.native_async.finish_shape, &slots[0],
                        res, &local_error, &ret))
    {
      slots[n].v_pointer = res;
      values[n] = &slots[n];
      n++;
      slots[n].v_pointer = &local_error;
      values[n] = &slots[n];

      ffi_call (&self->callable.native_async.finish_cif,
                FFI_FN (self->callable.native_async.finish_func), &ret, values);
    }

  take_native_return (self, &ret, TRUE, local_error, &call->result, &call->error);
  sa_call_complete (call);
}

static void
start_native_async (SaFunction *self,
                    SaCall     *call)
{
  SaSlot slots[SA_FUNCTION_MAX_PARAMS + 3];
  void *values[SA_FUNCTION_MAX_PARAMS + 3];
  SaSlot ret = { 0 };
  gpointer pair_ref = pair_token_new (sa_call_ref (call));
  guint n;

  n = fill_slots (self, call->args, slots, values);
  if (start_directly (self->callable.native_async.async_func,
                      self->callable.native_async.start_shape, slots,
                      call->op_cancellable, native_async_ready, pair_ref))
    return;

  slots[n].v_pointer = call->op_cancellable;
  values[n] = &slots[n];
  n++;
  slots[n].v_pointer = (gpointer) native_async_ready;
  values[n] = &slots[n];
  n++;
  slots[n].v_pointer = pair_ref;
  values[n] = &slots[n];

  ffi_call (&self->callable.native_async.async_cif,
            FFI_FN (self->callable.native_async.async_func), &ret, values);
}

static void
value_async_ready (GObject      *source_object,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  SaCall *call = user_data;
  SaFunction *self = call->function;
  g_auto(GValue) returned = G_VALUE_INIT;

  g_atomic_int_inc (&call->completions);

  if (!g_task_propagate_value (G_TASK (res), &returned, &call->error))
    {
      if (call->error == NULL)
        g_set_error (&call->error, SA_ERROR, SA_ERROR_FAILED,
                     "Function “%s” completed its task without a value; "
                     "use g_task_return_value()", self->name);
    }
  else if (self->return_type == G_TYPE_NONE)
    {
      sa_value_init_result (&call->result, G_TYPE_NONE);
    }
  else if (!sa_value_coerce (&returned, self->return_type, &call->result,
                             SA_ERROR_RESULT_TYPE, &call->error))
    {
      g_prefix_error (&call->error, "Function “%s”: result: ", self->name);
    }

  sa_call_complete (call);
}

static gboolean
complete_dropped_call (gpointer data)
{
  sa_call_complete (data);
  return G_SOURCE_REMOVE;
}

/* The task's last reference went away. If it was never completed (a
 * binding callback that raised, or forgot), the call still must end. */
static void
value_async_task_gone (gpointer  data,
                       GObject  *where_the_object_was)
{
  SaCall *call = data;

  if (g_atomic_int_get (&call->completions) == 0)
    {
      g_autoptr(GSource) idle = g_idle_source_new ();

      g_set_error (&call->error, SA_ERROR, SA_ERROR_FAILED,
                   "Function “%s” dropped its task without completing it",
                   call->function->name);

      /* This runs wherever the task was finalized, possibly inside a
       * binding's garbage collector, where GJS refuses to run the caller's
       * JS callback that completing the caller's task could invoke at
       * once. Complete from the caller's context instead. */
      g_source_set_callback (idle, complete_dropped_call, sa_call_ref (call),
                             (GDestroyNotify) sa_call_unref);
      g_source_set_static_name (idle, "[smartasync] dropped task");
      g_source_attach (idle, call->wait_context != NULL
                               ? call->wait_context
                               : g_task_get_context (call->task));
    }

  sa_call_unref (call);
}

static void
start_value_async (SaFunction *self,
                   SaCall     *call)
{
  GTask *task;

  task = g_task_new (self, call->op_cancellable, value_async_ready, call);
  g_task_set_source_tag (task, start_value_async);
  g_object_weak_ref (G_OBJECT (task), value_async_task_gone, sa_call_ref (call));

  self->callable.value_async.func (call->args, self->n_params,
                                   call->op_cancellable, task, self->user_data);
  g_object_unref (task);
}

/* Starts an async callable here, in this thread's thread-default context. */
void
sa_function_start_here (SaFunction *self,
                        SaCall     *call)
{
  call->start_thread = g_thread_self ();
  call->start_context = g_main_context_get_thread_default ();

  switch (self->callable_type)
    {
    case SA_CALLABLE_NATIVE_ASYNC:
      start_native_async (self, call);
      break;
    case SA_CALLABLE_VALUE_ASYNC:
      start_value_async (self, call);
      break;
    case SA_CALLABLE_NATIVE_SYNC:
    case SA_CALLABLE_VALUE_SYNC:
    case SA_CALLABLE_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* Starts the callable so that it completes through sa_call_complete(). A
 * blocking callable is only ever started this way to reach its owner
 * thread; an owner-thread callable is started there too. */
void
sa_function_start (SaFunction *self,
                   SaCall     *call)
{
  if (sa_function_kind (self) == SA_FUNCTION_KIND_SYNC ||
      ((self->flags & SA_FUNCTION_FLAGS_OWNER_THREAD) &&
       !sa_function_is_owner_thread (self)))
    sa_call_post_to_owner (call);
  else
    sa_function_start_here (self, call);
}
