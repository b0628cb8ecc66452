/* sa-signature-private.h: GTypes to C calling conventions and back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <ffi.h>
#include <glib-object.h>

G_BEGIN_DECLS

/* One argument or return slot as libffi reads and writes it. Small integer
 * returns are widened to ffi_arg by libffi, hence that member. */
typedef union
{
  gint     v_int;
  guint    v_uint;
  gint8    v_int8;
  guint8   v_uint8;
  glong    v_long;
  gulong   v_ulong;
  gint64   v_int64;
  guint64  v_uint64;
  gfloat   v_float;
  gdouble  v_double;
  gpointer v_pointer;
  ffi_arg  v_ffi_arg;
} SaSlot;

gboolean  sa_signature_type_is_supported (GType         type);
gboolean  sa_signature_type_is_pointer_like (GType      type);
ffi_type *sa_signature_ffi_type          (GType         type);
gboolean  sa_signature_prepare_cif       (ffi_cif      *cif,
                                          ffi_type    **arg_types,
                                          guint         n_args,
                                          GType         return_type);

void      sa_slot_from_value             (SaSlot       *slot,
                                          const GValue *value);
void      sa_value_from_slot             (GValue       *value,
                                          GType         type,
                                          SaSlot       *slot,
                                          gboolean      take_ownership);

gboolean  sa_value_coerce                (const GValue *src,
                                          GType         dest_type,
                                          GValue       *dest,
                                          int           error_code,
                                          GError      **error);
gboolean  sa_signature_coerce_args       (const char   *function_name,
                                          const GType  *param_types,
                                          guint         n_params,
                                          const GValue *args,
                                          guint         n_args,
                                          GValue       *out_args,
                                          GError      **error);
void      sa_value_init_result           (GValue       *value,
                                          GType         return_type);
void      sa_value_clear                 (GValue       *value);

/* Whether values of @type own nothing: unsetting them only clears them.
 * These are GLib's own fundamental types with no value_free(), and the
 * enums and flags, which share their fundamental's value table. (A type
 * derived from G_TYPE_POINTER may bring a value table of its own, as GType
 * does: those go through g_value_unset().) */
static inline gboolean
sa_type_owns_nothing (GType type)
{
  if (G_LIKELY (type <= G_TYPE_FUNDAMENTAL_MAX))
    return (type >= G_TYPE_CHAR && type <= G_TYPE_DOUBLE) || type == G_TYPE_POINTER;

  return G_TYPE_IS_ENUM (type) || G_TYPE_IS_FLAGS (type);
}


G_END_DECLS
