/* sa-pair-token.c: completion tokens for C async pairs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-private.h"
#include "sa-callable-private.h"

/* A C pair's callback gets a token as its user data, not the call: a
 * slot index and that slot's generation, packed into the pointer. The slot
 * holds the pair's reference on the call until the first completion takes
 * it and moves the generation on, so a second completion, however late and
 * with whatever result, finds a token that no longer matches and is
 * reported instead of touching a call that may be gone. Slots are reused
 * (the table only grows to the most calls ever in flight at once, 16 bytes
 * each) and a slot just left remembers its function's name for that
 * report. */

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

/* Takes over @call (a reference) until sa_pair_token_take(). */
gpointer
sa_pair_token_new (SaCall *call)
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
SaCall *
sa_pair_token_take (gpointer     token,
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
          slot->last_name = sa_function_interned_name (call->function);
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
