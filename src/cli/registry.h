#pragma once
/* berth login, logout, push; registry credentials from docker's config.json. */

int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_push(int argc, char **argv);
/* Makes the next requests carry X-Registry-Auth for the registry of image `ref`. */
void cli_registry_auth_for(const char *ref);
