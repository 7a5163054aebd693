#pragma once
/* docker push from the image store (see push.c). */
#include "store.h"

struct registry_options;
struct registry_auth;

/* Pushes the image named `name` ("localhost:5000/app:v1") to its registry, with docker's
 * progress messages; RepoDigests gains name@<manifest digest>. */
int image_push(struct image_store *s, const struct registry_options *o, const char *name,
               const struct registry_auth *auth, image_progress_fn progress, void *ctx,
               eng_error_t *err);
