#include "opts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/strv.h"

static void print_usage_tail(const struct cli_cmd_ctx *ctx, const char *verb)
{
	fprintf(stderr, "\nUsage:  berth %s\n\n%s 'berth %s --help' for more information\n",
	        ctx->usage, verb, ctx->name);
}

int cli_usage_error(const struct cli_cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage_tail(ctx, "Run");
	return 125;
}

int cli_check_args(const struct cli_cmd_ctx *ctx, char **args, int min, int max)
{
	int n = (int)strv_len(args);
	const char *plural;

	if (n >= min && (max < 0 || n <= max))
		return 0;
	if (min == max) {
		plural = min == 1 ? "argument" : "arguments";
		if (min == 1)
			fprintf(stderr, "berth: 'berth %s' requires 1 argument\n", ctx->name);
		else
			fprintf(stderr, "berth: 'berth %s' requires %d %s\n", ctx->name, min,
			        plural);
	} else if (n < min) {
		plural = min == 1 ? "argument" : "arguments";
		fprintf(stderr, "berth: 'berth %s' requires at least %d %s\n", ctx->name, min,
		        plural);
	} else {
		plural = max == 1 ? "argument" : "arguments";
		fprintf(stderr, "berth: 'berth %s' accepts at most %d %s\n", ctx->name, max,
		        plural);
	}
	print_usage_tail(ctx, "See");
	return 1;
}

static void print_help(const struct cli_cmd_ctx *ctx, const struct cli_opt *opts)
{
	printf("\nUsage:  berth %s\n", ctx->usage);
	if (!opts || !opts->lname)
		return;
	printf("\nOptions:\n");
	for (const struct cli_opt *o = opts; o->lname; o++) {
		char left[64];
		const char *arg = o->type == OPT_BOOL   ? ""
		                  : o->type == OPT_INT  ? " int"
		                  : o->type == OPT_LIST ? " list"
		                                        : " string";
		if (o->sname)
			snprintf(left, sizeof(left), "  -%c, --%s%s", o->sname, o->lname, arg);
		else
			snprintf(left, sizeof(left), "      --%s%s", o->lname, arg);
		printf("%-32s %s\n", left, o->help ? o->help : "");
	}
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "TRUE") ||
	    !strcmp(v, "True"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "FALSE") ||
	         !strcmp(v, "False"))
		*out = false;
	else
		return -1;
	return 0;
}

static int set_value(const struct cli_cmd_ctx *ctx, const struct cli_opt *o, const char *v,
                     const char *shown)
{
	char *end;

	switch (o->type) {
	case OPT_BOOL:
		if (parse_bool(v, o->ptr) < 0)
			return cli_usage_error(ctx,
			                       "invalid argument \"%s\" for \"%s\" flag: "
			                       "strconv.ParseBool: parsing \"%s\": invalid syntax",
			                       v, shown, v);
		break;
	case OPT_STRING:
		*(const char **)o->ptr = v;
		break;
	case OPT_LIST:
		*(char ***)o->ptr = strv_push(*(char ***)o->ptr, v);
		break;
	case OPT_INT:
		*(long long *)o->ptr = strtoll(v, &end, 10);
		if (!*v || *end)
			return cli_usage_error(ctx,
			                       "invalid argument \"%s\" for \"%s\" flag: "
			                       "strconv.ParseInt: parsing \"%s\": invalid syntax",
			                       v, shown, v);
		break;
	}
	return 0;
}

static const struct cli_opt *find_long(const struct cli_opt *opts, const char *name, size_t len)
{
	for (const struct cli_opt *o = opts; o && o->lname; o++)
		if (strlen(o->lname) == len && !strncmp(o->lname, name, len))
			return o;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, char c)
{
	for (const struct cli_opt *o = opts; o && o->lname; o++)
		if (o->sname == c)
			return o;
	return NULL;
}

/* How pflag names a flag in its errors: "-m, --memory" or "--name". */
static void flag_shown(const struct cli_opt *o, char *out, size_t n)
{
	if (o->sname)
		snprintf(out, n, "-%c, --%s", o->sname, o->lname);
	else
		snprintf(out, n, "--%s", o->lname);
}

/* Returns 0 to continue, or 1 + exit code to stop. */
static int parse_long(const struct cli_cmd_ctx *ctx, const struct cli_opt *opts, char **argv,
                      int argc, int *i)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const struct cli_opt *o = find_long(opts, a, len);
	char shown[128];

	if (!o) {
		if (len == 4 && !strncmp(a, "help", 4)) {
			print_help(ctx, opts);
			return 1;
		}
		return 1 + cli_usage_error(ctx, "unknown flag: --%.*s", (int)len, a);
	}
	flag_shown(o, shown, sizeof(shown));
	if (o->type == OPT_BOOL && !eq) {
		*(bool *)o->ptr = true;
		return 0;
	}
	if (eq)
		return set_value(ctx, o, eq + 1, shown) ? 1 + 125 : 0;
	if (*i + 1 >= argc)
		return 1 + cli_usage_error(ctx, "flag needs an argument: --%s", o->lname);
	(*i)++;
	return set_value(ctx, o, argv[*i], shown) ? 1 + 125 : 0;
}

static int parse_short(const struct cli_cmd_ctx *ctx, const struct cli_opt *opts, char **argv,
                       int argc, int *i)
{
	const char *a = argv[*i] + 1;
	char shown[128];

	for (; *a; a++) {
		const struct cli_opt *o = find_short(opts, *a);
		if (!o) {
			if (*a == 'h' && !find_long(opts, "hostname", 8)) {
				print_help(ctx, opts);
				return 1;
			}
			return 1 + cli_usage_error(ctx, "unknown shorthand flag: '%c' in -%s", *a,
			                           argv[*i] + 1);
		}
		flag_shown(o, shown, sizeof(shown));
		if (o->type == OPT_BOOL) {
			if (a[1] == '=')
				return set_value(ctx, o, a + 2, shown) ? 1 + 125 : 0;
			*(bool *)o->ptr = true;
			continue;
		}
		if (a[1])
			return set_value(ctx, o, a[1] == '=' ? a + 2 : a + 1, shown) ? 1 + 125 : 0;
		if (*i + 1 >= argc)
			return 1 +
			       cli_usage_error(ctx, "flag needs an argument: '%c' in -%c", *a, *a);
		(*i)++;
		return set_value(ctx, o, argv[*i], shown) ? 1 + 125 : 0;
	}
	return 0;
}

int cli_parse(const struct cli_cmd_ctx *ctx, int argc, char **argv, const struct cli_opt *opts,
              bool stop_at_positional, char ***ret_args)
{
	char **args = calloc(1, sizeof(char *));
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1]) {
			if (stop_at_positional)
				break;
			args = strv_push(args, a);
			continue;
		}
		r = a[1] == '-' ? parse_long(ctx, opts, argv, argc, &i)
		                : parse_short(ctx, opts, argv, argc, &i);
		if (r) {
			strv_free(args);
			return r;
		}
	}
	for (; i < argc; i++)
		args = strv_push(args, argv[i]);
	*ret_args = args;
	return 0;
}
