/* sa-collect.c: C arguments and results, through varargs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gobject/gvaluecollector.h>
#include <string.h>

#include "sa-collect-private.h"
#include "sa-error.h"
#include "sa-signature-private.h"

/* G_VALUE_COLLECT_INIT() with the value table already at hand (what
 * G_VALUE_COLLECT_INIT2() of GLib 2.74 allows; GLib 2.72 is supported). */
static inline char *
collect_value (GValue                 *value,
               GType                   type,
               const GTypeValueTable  *table,
               va_list                *var_args,
               guint                   collect_flags)
{
  GTypeCValue collected[G_VALUE_COLLECT_FORMAT_MAX_LENGTH];
  guint n = 0;

  value->g_type = type;
  memset (value->data, 0, sizeof (value->data));

  for (const char *format = table->collect_format; *format != '\0'; format++)
    {
      GTypeCValue *c = &collected[n++];

      switch (*format)
        {
        case G_VALUE_COLLECT_INT:
          c->v_int = va_arg (*var_args, gint);
          break;
        case G_VALUE_COLLECT_LONG:
          c->v_long = va_arg (*var_args, glong);
          break;
        case G_VALUE_COLLECT_INT64:
          c->v_int64 = va_arg (*var_args, gint64);
          break;
        case G_VALUE_COLLECT_DOUBLE:
          c->v_double = va_arg (*var_args, gdouble);
          break;
        case G_VALUE_COLLECT_POINTER:
          c->v_pointer = va_arg (*var_args, gpointer);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return table->collect_value (value, n, collected, collect_flags);
}

gboolean
sa_collect_args (SaFunction  *self,
                 GValue      *args,
                 va_list     *var_args,
                 guint        collect_flags,
                 GError     **error)
{
  for (guint i = 0; i < self->n_params; i++)
    {
      g_autofree char *message = NULL;

      message = collect_value (&args[i], self->param_types[i],
                               self->param_vtables[i], var_args, collect_flags);
      if (message != NULL)
        {
          /* The broken value is left alone, as g_signal_emit() does: it
           * may not be in a state that can be unset. */
          g_critical ("Function “%s”: argument %u: %s", self->name, i + 1, message);
          g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                       "Function “%s”: argument %u: %s", self->name, i + 1, message);
          while (i-- > 0)
            g_value_unset (&args[i]);
          return FALSE;
        }
    }

  return TRUE;
}

/* An introspected function's several results, one return location each:
 * each value is copied out of the array, which is then freed. */
static void
store_results (SaFunction *self,
               GValue     *result,
               va_list    *var_args)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GValueArray *array = g_value_get_boxed (result);

  for (guint i = 0; i < self->n_results; i++)
    {
      g_autofree char *message = NULL;
      GValue *value = array != NULL && i < array->n_values ? &array->values[i] : NULL;
      GValue empty = G_VALUE_INIT;

      if (value == NULL)
        {
          sa_value_init_result (&empty, self->result_types[i]);
          value = &empty;
        }
      G_VALUE_LCOPY (value, *var_args, 0, &message);
      if (G_IS_VALUE (&empty))
        g_value_unset (&empty);
      if (message != NULL)
        {
          g_critical ("Function “%s”: return location %u: %s", self->name, i + 1, message);
          break;
        }
    }
  G_GNUC_END_IGNORE_DEPRECATIONS

  g_value_unset (result);
}

/* Stores a call's result through the C return location that follows the
 * arguments in @var_args, handing over ownership. */
/* Stores @result, a number, at the location next in @var_args as
 * G_VALUE_LCOPY() would, without the type system's lookups and checks.
 * FALSE, with @var_args untouched, for any other value and for a NULL
 * location, which the general path reports. */
static gboolean
store_number (GValue  *result,
              va_list *var_args)
{
  /* These fundamental types have no derived types to look for. */
  GType type = G_VALUE_TYPE (result);
  gpointer location;
  va_list peek;

  switch (type)
    {
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
    case G_TYPE_DOUBLE:
      break;
    default:
      return FALSE;
    }

  va_copy (peek, *var_args);
  location = va_arg (peek, gpointer);
  va_end (peek);
  if (location == NULL)
    return FALSE;

  location = va_arg (*var_args, gpointer);
  switch (type)
    {
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_UINT:
      *(gint *) location = result->data[0].v_int;
      break;
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
      *(gint64 *) location = result->data[0].v_int64;
      break;
    case G_TYPE_DOUBLE:
      *(double *) location = result->data[0].v_double;
      break;
    default:
      g_assert_not_reached ();
    }

  memset (result, 0, sizeof (GValue));
  return TRUE;
}

void
sa_collect_store_result (SaFunction *self,
                         GValue     *result,
                         va_list    *var_args)
{
  g_autofree char *message = NULL;

  if (self->return_type == G_TYPE_NONE)
    return;

  /* Zeroed or initialised, as every caller's result is. */
  if (G_VALUE_TYPE (result) == G_TYPE_INVALID)
    sa_value_init_result (result, self->return_type);

  if (self->n_results > 1)
    {
      store_results (self, result, var_args);
      return;
    }

  if (store_number (result, var_args))
    return;

  /* Contents the value does not own (an interned or static string, static
   * boxed data: what a binding's callable may set) are copied for the
   * caller, who will free them; the rest is handed over as it is. */
  if (result->data[1].v_uint & G_VALUE_NOCOPY_CONTENTS &&
      (G_VALUE_HOLDS_STRING (result) || G_VALUE_HOLDS_BOXED (result)))
    {
      G_VALUE_LCOPY (result, *var_args, 0, &message);
      g_value_unset (result);
    }
  else
    {
      G_VALUE_LCOPY (result, *var_args, G_VALUE_NOCOPY_CONTENTS, &message);
      if (message == NULL)
        memset (result, 0, sizeof (GValue));  /* the caller owns it now */
    }

  if (message != NULL)
    {
      g_critical ("Function “%s”: return location: %s", self->name, message);
      if (G_IS_VALUE (result))
        g_value_unset (result);
    }
}

