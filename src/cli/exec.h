#pragma once
/* berth exec: argv[0] is the command name, the return value the exit code. */

int cmd_exec(int argc, char **argv);
