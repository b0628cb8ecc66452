/* demo-hasher.h: a small library type with a sync and an async API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DEMO_TYPE_HASHER (demo_hasher_get_type ())

G_DECLARE_FINAL_TYPE (DemoHasher, demo_hasher, DEMO, HASHER, GObject)

DemoHasher *demo_hasher_new               (GChecksumType         checksum_type);
char       *demo_hasher_hash_file_sync    (DemoHasher           *self,
                                           GFile                *file,
                                           GCancellable         *cancellable,
                                           GError              **error);
void        demo_hasher_hash_file_async   (DemoHasher           *self,
                                           GFile                *file,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
char       *demo_hasher_hash_file_finish  (DemoHasher           *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
