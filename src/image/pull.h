#pragma once
/* docker pull into the image store (see pull.c). */
#include "store.h"

struct registry_options;
struct registry_auth;

struct image_pull_result {
	char id[72];     /* image ID */
	char digest[72]; /* digest of the manifest (or index) the reference named */
	char *reference; /* familiar "name:tag" (or "name@digest") now naming it; caller frees */
	int updated;     /* the name moved (docker's "Downloaded newer image") */
};

/* Pulls `name` (with `tag`: a tag or "sha256:..." digest, may be NULL) for `platform`
 * ("os/arch[/variant]", NULL for this host's). Progress goes to `progress` once the
 * registry has answered with a manifest; an error before that was sent nothing. Registry
 * errors come with docker's messages ("manifest for X not found: ...", "pull access
 * denied for X, ..."). `cancel` (may be NULL) is polled as data arrives: set, the pull
 * stops and fails, as docker cancels a pull whose client went away. */
int image_pull(struct image_store *s, const struct registry_options *o, const char *name,
               const char *tag, const char *platform, const struct registry_auth *auth,
               image_progress_fn progress, void *ctx, const int *cancel,
               struct image_pull_result *ret, eng_error_t *err);

/* The tags of repository `name` in its registry (for `docker pull --all-tags`); strv. */
int image_remote_tags(const struct registry_options *o, const char *name,
                      const struct registry_auth *auth, char ***ret, eng_error_t *err);
