#pragma once
/* docker import's `changes`: Dockerfile lines applied to an image config. */
#include <jansson.h>
#include "../common/error.h"

/* Applies one line (CMD, ENTRYPOINT, ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, ONBUILD,
 * STOPSIGNAL) to `cfg`, the docker-style "config" object. ERR_INVALID with docker's
 * "<cmd> is not a valid change command" for anything else. */
int image_apply_change(json_t *cfg, const char *line, eng_error_t *err);
