#pragma once
/* berth stats: argv[0] is the command name, the return value the exit code. */

int cmd_stats(int argc, char **argv);
