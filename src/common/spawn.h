#pragma once
/* Runs helper programs (runc, berth-untar) with posix_spawn and captures their output. */
#include <sys/types.h>
#include "error.h"

/* Runs argv[0] (a path) with `stdin_fd` (-1 for /dev/null) as stdin; collects stdout and
 * stderr into NUL-terminated buffers (either ret may be NULL to discard). Returns 0 and the
 * wait status in *ret_status when the program ran; -1 with err when it could not be run. */
int spawn_run(char *const argv[], int stdin_fd, char **ret_out, char **ret_err, int *ret_status,
	      eng_error_t *err);
