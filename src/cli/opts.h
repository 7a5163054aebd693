#pragma once
/* pflag-like option parsing for the CLI: --long, --long=v, -s v, -sv, bundled -it,
 * `--` ends the flags. Flag errors print docker's message and mean exit 125, like the
 * docker CLI's FlagErrorFunc; wrong argument counts mean exit 1. */
#include <stdbool.h>

enum opt_type {
	OPT_BOOL,   /* bool *; accepts --x=false */
	OPT_STRING, /* const char ** (borrowed from argv) */
	OPT_LIST,   /* char *** strv, repeatable; caller frees */
	OPT_INT,    /* long long *, *set flag not tracked */
};

struct cli_opt {
	const char *lname; /* without "--" */
	char sname;        /* 0 when none */
	enum opt_type type;
	void *ptr;
	const char *help;
};

struct cli_cmd_ctx {
	const char *name; /* "run", "container ls" ... for messages */
	const char *usage;
};

/* Parses argv[1..]; positional arguments are returned in *ret_args (strv, caller frees).
 * When `stop_at_positional`, the first positional ends flag parsing (run's IMAGE COMMAND...).
 * Returns 0 to go on, or 1 + the exit code after printing help (0) or an error (125). */
int cli_parse(const struct cli_cmd_ctx *ctx, int argc, char **argv, const struct cli_opt *opts,
              bool stop_at_positional, char ***ret_args);

/* Prints "<msg>", the usage line and "Run 'berth <cmd> --help'..."; returns 125. */
int cli_usage_error(const struct cli_cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Checks the positional count like cobra's Exact/Min/Requires; prints docker's message.
 * max < 0 for unlimited. Returns 0 or the exit code. */
int cli_check_args(const struct cli_cmd_ctx *ctx, char **args, int min, int max);

/* Returns from the calling command when cli_parse says stop. */
#define CLI_PARSE(ctx, argc, argv, opts, stop, args)                                               \
	do {                                                                                       \
		int _r = cli_parse(ctx, argc, argv, opts, stop, args);                             \
		if (_r)                                                                            \
			return _r - 1;                                                             \
	} while (0)
