#pragma once
/* Copy-up: a new volume mounted over image content starts with that content. */
#include "../common/error.h"

/* Copies the content of `src_in_root` (resolved inside `rootfs`, never leaving it) into the
 * directory `dst` when `dst` is empty, keeping owners, modes, times, symlinks and special
 * files. The root of `dst` takes the owner and mode of the source directory, as docker does.
 * 0 also when there is nothing to copy (no such path in the image, or `dst` not empty). */
int volume_copy_up(const char *rootfs, const char *src_in_root, const char *dst,
		   eng_error_t *err);
