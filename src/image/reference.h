#pragma once
/* Docker image references: parsing, normalisation and the familiar form docker prints.
 *   "busybox"                      -> docker.io/library/busybox:latest, familiar "busybox:latest"
 *   "localhost:5000/a/b:v1"        -> domain localhost:5000, path a/b, tag v1
 *   "busybox@sha256:<hex>"         -> digest reference */
#include "../common/error.h"

struct image_ref {
	char *domain; /* "docker.io" when none was given */
	char *path;   /* "library/busybox" */
	char *tag;    /* NULL when none was given */
	char *digest; /* "sha256:..." or NULL */
};

/* ERR_INVALID with docker's messages ("invalid reference format", "invalid reference format:
 * repository name (library/Busybox) must be lowercase"). */
int ref_parse(const char *s, struct image_ref *ret, eng_error_t *err);
void ref_free(struct image_ref *r);
/* "busybox", "localhost:5000/a/b" (caller frees). */
char *ref_familiar_name(const struct image_ref *r);
/* familiar name plus ":tag" (":latest" when neither tag nor digest) or "@digest". */
char *ref_familiar_string(const struct image_ref *r);
/* True for a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}). */
int ref_tag_valid(const char *tag);
