#pragma once
/* Registry credentials: berth login / logout keep them in ~/.berth/config.json (docker's
 * config.json "auths" layout; $BERTH_CONFIG names another directory), and pull / push send
 * them as X-Registry-Auth. */

int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_push(int argc, char **argv);

/* The X-Registry-Auth value for pulling or pushing `ref` (base64url JSON, "e30=" when we
 * hold no credentials for its registry); caller frees. */
char *registry_auth_header(const char *ref);
