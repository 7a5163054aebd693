#pragma once
/* Values of flags several commands share, turned into the API's JSON as the docker CLI
 * does. Errors are printed here; the callers return docker's exit code. */
#include <jansson.h>

/* --env-file files, then -e values ("VAR" alone takes our environment's value), appended
 * to the JSON array `env`. Returns 0 or -1. */
int cli_env(json_t *env, char **env_files, char **env_flags);

/* {"k": "v"} from k=v strings ("k" alone maps to ""); new reference. */
json_t *cli_kv_object(char **list);

/* --restart "name[:max]" into hc's RestartPolicy. Returns 0 or -1. */
int cli_restart_policy(const char *s, json_t *hc);

/* The escaped `filters` query value from repeated --filter key=value (plus key=value when
 * both are set), "" for none; NULL after printing the error for a filter without '='. */
char *cli_filters_query(char **filters, const char *key, const char *value);

/* --since/--until VALUE (a time or a duration before now) as the API's "secs.nanos" into
 * out[48], "" when `v` is NULL. Returns 0 or -1 after printing the error. */
int cli_time_arg(const char *flag, const char *v, char out[48]);

