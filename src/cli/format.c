#include "format.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/cleanup.h"
#include "../common/strv.h"

/* ---- small growable string ---- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2 + 64;
		b->s = realloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static char *sb_take(struct sbuf *b)
{
	if (!b->s)
		return strdup("");
	return b->s;
}

/* ---- values ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void value_into(struct sbuf *b, json_t *v)
{
	char num[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		sb_addn(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		sb_add(b, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		sb_add(b, num);
		break;
	case JSON_TRUE:
		sb_add(b, "true");
		break;
	case JSON_FALSE:
		sb_add(b, "false");
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		sb_add(b, "[");
		json_array_foreach(v, i, e)
		{
			if (i)
				sb_add(b, " ");
			value_into(b, e);
		}
		sb_add(b, "]");
		break;
	}
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = calloc(n + 1, sizeof(char *));
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e) keys[i++] = k;
		qsort(keys, n, sizeof(char *), cmp_str);
		sb_add(b, "map[");
		for (i = 0; i < n; i++) {
			if (i)
				sb_add(b, " ");
			sb_add(b, keys[i]);
			sb_add(b, ":");
			value_into(b, json_object_get(v, keys[i]));
		}
		sb_add(b, "]");
		free(keys);
		break;
	}
	default:
		sb_add(b, "<nil>");
	}
}

char *fmt_value(json_t *v)
{
	struct sbuf b = {0};

	if (!v)
		return strdup("<no value>");
	value_into(&b, v);
	return sb_take(&b);
}

/* ---- templates ---- */

enum { TOK_END, TOK_FIELD, TOK_STRING, TOK_IDENT, TOK_PIPE, TOK_BAD };

struct tok {
	int type;
	char text[512];
};

static const char *next_tok(const char *p, struct tok *t)
{
	size_t n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	t->text[0] = 0;
	if (!*p) {
		t->type = TOK_END;
		return p;
	}
	if (*p == '|') {
		t->type = TOK_PIPE;
		return p + 1;
	}
	if (*p == '"') {
		t->type = TOK_STRING;
		for (p++; *p && *p != '"'; p++) {
			char c = *p;
			if (c == '\\' && p[1]) {
				p++;
				c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
			}
			if (n < sizeof(t->text) - 1)
				t->text[n++] = c;
		}
		t->text[n] = 0;
		if (*p != '"') {
			t->type = TOK_BAD;
			return p;
		}
		return p + 1;
	}
	t->type = *p == '.' ? TOK_FIELD : (isalpha((unsigned char)*p) ? TOK_IDENT : TOK_BAD);
	while (*p && *p != ' ' && *p != '\t' && *p != '|') {
		if (n < sizeof(t->text) - 1)
			t->text[n++] = *p;
		p++;
	}
	t->text[n] = 0;
	return p;
}

/* Looks up ".A.B" in `data`; borrowed reference or NULL. */
static json_t *lookup(json_t *data, const char *path)
{
	json_t *cur = data;
	char key[256];

	if (!strcmp(path, "."))
		return data;
	for (const char *p = path + 1; *p && cur;) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = 0;
		cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

/* Evaluates one pipeline stage; `prev` (owned) is the value piped in, or NULL. Returns a new
 * reference or NULL with *err. */
static json_t *eval_cmd(json_t *data, struct tok *toks, int n, json_t *prev, const char **err)
{
	json_t *args[4] = {0};
	int nargs = 0;
	json_t *out = NULL;
	const char *fn = toks[0].text;

	if (n == 0) {
		*err = "template: missing value for command";
		json_decref(prev);
		return NULL;
	}
	for (int i = toks[0].type == TOK_IDENT ? 1 : 0; i < n && nargs < 3; i++) {
		if (toks[i].type == TOK_FIELD) {
			json_t *v = lookup(data, toks[i].text);
			args[nargs++] = v ? json_incref(v) : json_null();
		} else if (toks[i].type == TOK_STRING)
			args[nargs++] = json_string(toks[i].text);
		else {
			*err = "template: unexpected token in command";
			goto out;
		}
	}
	if (prev && nargs < 4)
		args[nargs++] = json_incref(prev);
	if (toks[0].type != TOK_IDENT) {
		if (nargs != 1) {
			*err = "template: can't give argument to non-function";
			goto out;
		}
		out = json_incref(args[0]);
		goto out;
	}
	if (!strcmp(fn, "json") && nargs == 1) {
		char *s = json_dumps(args[0], JSON_COMPACT | JSON_ENCODE_ANY);
		out = json_string(s ? s : "null");
		free(s);
	} else if ((!strcmp(fn, "lower") || !strcmp(fn, "upper")) && nargs == 1) {
		char *s = fmt_value(args[0]);
		for (char *c = s; *c; c++)
			*c = fn[0] == 'l' ? tolower((unsigned char)*c) : toupper((unsigned char)*c);
		out = json_string(s);
		free(s);
	} else if (!strcmp(fn, "len") && nargs == 1) {
		size_t l = json_is_array(args[0])    ? json_array_size(args[0])
		           : json_is_object(args[0]) ? json_object_size(args[0])
		           : json_is_string(args[0]) ? json_string_length(args[0])
		                                     : 0;
		out = json_integer(l);
	} else if (!strcmp(fn, "index") && nargs == 2) {
		json_t *v = NULL;
		if (json_is_object(args[0]) && json_is_string(args[1]))
			v = json_object_get(args[0], json_string_value(args[1]));
		else if (json_is_array(args[0]) && json_is_string(args[1]))
			v = json_array_get(args[0], atoi(json_string_value(args[1])));
		out = v ? json_incref(v) : json_null();
	} else if (!strcmp(fn, "join") && nargs == 2 && json_is_string(args[1])) {
		struct sbuf b = {0};
		size_t i;
		json_t *e;
		json_array_foreach(args[0], i, e)
		{
			if (i)
				sb_add(&b, json_string_value(args[1]));
			value_into(&b, e);
		}
		out = json_string(b.s ? b.s : "");
		free(b.s);
	} else if (!strcmp(fn, "println")) {
		struct sbuf b = {0};
		for (int i = 0; i < nargs; i++) {
			if (i)
				sb_add(&b, " ");
			value_into(&b, args[i]);
		}
		sb_add(&b, "\n");
		out = json_string(b.s);
		free(b.s);
	} else {
		*err = "template: function not defined or wrong number of arguments";
	}
out:
	for (int i = 0; i < nargs; i++)
		json_decref(args[i]);
	json_decref(prev);
	return out;
}

static int eval_action(json_t *data, const char *act, struct sbuf *out, const char **err)
{
	struct tok toks[8];
	int n = 0;
	json_t *val = NULL;
	const char *p = act;

	for (;;) {
		struct tok t;
		p = next_tok(p, &t);
		if (t.type == TOK_BAD) {
			*err = "template: bad token";
			json_decref(val);
			return -1;
		}
		if (t.type == TOK_END || t.type == TOK_PIPE) {
			val = eval_cmd(data, toks, n, val, err);
			if (!val)
				return -1;
			n = 0;
			if (t.type == TOK_END)
				break;
			continue;
		}
		if (n == 8) {
			*err = "template: too many arguments";
			json_decref(val);
			return -1;
		}
		toks[n++] = t;
	}
	if (json_is_null(val) && !json_is_null(data))
		sb_add(out, "<no value>");
	else
		value_into(out, val);
	json_decref(val);
	return 0;
}

char *fmt_render(const char *tmpl, json_t *data, const char **ret_err)
{
	struct sbuf out = {0};
	const char *p = tmpl;

	sb_add(&out, "");
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			sb_add(&out, p);
			break;
		}
		sb_addn(&out, p, open - p);
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			*ret_err = "template: unclosed action";
			free(out.s);
			return NULL;
		}
		const char *a = open + 2, *e = close;
		if (*a == '-' && a[1] == ' ') {
			a += 2;
			while (out.len && isspace((unsigned char)out.s[out.len - 1]))
				out.s[--out.len] = 0;
		}
		int trim_right = e - a >= 2 && e[-1] == '-' && e[-2] == ' ';
		if (trim_right)
			e -= 2;
		_cleanup_free_ char *act = strndup(a, e - a);
		if (eval_action(data, act, &out, ret_err) < 0) {
			free(out.s);
			return NULL;
		}
		p = close + 2;
		if (trim_right)
			while (isspace((unsigned char)*p))
				p++;
	}
	return sb_take(&out);
}

char *fmt_prepare(const char *fmt, const char *def, int *ret_table)
{
	struct sbuf b = {0};
	const char *f = fmt && *fmt ? fmt : def;

	*ret_table = 0;
	if (!strcmp(f, "table"))
		f = def;
	if (!strncmp(f, "table", 5)) {
		*ret_table = 1;
		f += 5;
	}
	if (!strcmp(f, "json"))
		f = "{{json .}}";
	while (*f == ' ')
		f++;
	for (; *f; f++) {
		if (f[0] == '\\' && (f[1] == 't' || f[1] == 'n')) {
			sb_add(&b, f[1] == 't' ? "\t" : "\n");
			f++;
		} else
			sb_addn(&b, f, 1);
	}
	while (b.len && b.s[b.len - 1] == ' ')
		b.s[--b.len] = 0;
	return sb_take(&b);
}

/* ---- tabwriter ---- */

void fmt_table_add(struct fmt_table *t, const char *line)
{
	if (t->n == t->cap)
		t->lines = realloc(t->lines, (t->cap = t->cap * 2 + 16) * sizeof(char *));
	t->lines[t->n++] = strdup(line);
}

static size_t runes(const char *s, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			r++;
	return r;
}

void fmt_table_flush(struct fmt_table *t, FILE *out, size_t minwidth)
{
	size_t widths[64] = {0};

	for (size_t i = 0; i < t->n; i++) {
		const char *p = t->lines[i];
		for (int col = 0; col < 64; col++) {
			const char *tab = strchr(p, '\t');
			const char *nl = strchr(p, '\n');
			if (!tab || (nl && nl < tab))
				break;
			size_t w = runes(p, tab - p) + 3;
			if (w < minwidth)
				w = minwidth;
			if (w > widths[col])
				widths[col] = w;
			p = tab + 1;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		const char *p = t->lines[i];
		for (int col = 0; col < 64; col++) {
			const char *tab = strchr(p, '\t');
			const char *nl = strchr(p, '\n');
			if (!tab || (nl && nl < tab))
				break;
			size_t w = runes(p, tab - p);
			fwrite(p, 1, tab - p, out);
			for (; w < widths[col]; w++)
				fputc(' ', out);
			p = tab + 1;
		}
		fputs(p, out);
		fputc('\n', out);
		free(t->lines[i]);
	}
	free(t->lines);
	t->lines = NULL;
	t->n = t->cap = 0;
}

int fmt_rows(const char *fmt, const char *def, json_t *headers, json_t *rows)
{
	int table;
	_cleanup_free_ char *tmpl = fmt_prepare(fmt, def, &table);
	struct fmt_table t = {0};
	const char *err = NULL;
	size_t i;
	json_t *row;

	if (table) {
		char *h = fmt_render(tmpl, headers, &err);
		if (!h)
			goto fail;
		fmt_table_add(&t, h);
		free(h);
	}
	json_array_foreach(rows, i, row)
	{
		char *line = fmt_render(tmpl, row, &err);
		if (!line)
			goto fail;
		if (table)
			fmt_table_add(&t, line);
		else
			printf("%s\n", line);
		free(line);
	}
	if (table)
		fmt_table_flush(&t, stdout, 10);
	return 0;
fail:
	for (size_t j = 0; j < t.n; j++)
		free(t.lines[j]);
	free(t.lines);
	fprintf(stderr, "%s\n", err);
	return 1;
}

/* ---- units ---- */

void fmt_size_prec(double size, int prec, char out[32])
{
	static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
	int i = 0;

	while (size >= 1000.0 && i < 8) {
		size /= 1000.0;
		i++;
	}
	snprintf(out, 32, "%.*g%s", prec, size, units[i]);
}

void fmt_size(double size, char out[32])
{
	fmt_size_prec(size, 3, out);
}

void fmt_bytes(double size, char out[32])
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int i = 0;

	while (size >= 1024.0 && i < 5) {
		size /= 1024.0;
		i++;
	}
	snprintf(out, 32, "%.4g%s", size, units[i]);
}

void fmt_duration(int64_t secs, char out[48])
{
	int64_t minutes = secs / 60;
	int64_t hours = (secs + 1800) / 3600;

	if (secs < 1)
		snprintf(out, 48, "Less than a second");
	else if (secs == 1)
		snprintf(out, 48, "1 second");
	else if (secs < 60)
		snprintf(out, 48, "%lld seconds", (long long)secs);
	else if (minutes == 1)
		snprintf(out, 48, "About a minute");
	else if (minutes < 60)
		snprintf(out, 48, "%lld minutes", (long long)minutes);
	else if (hours == 1)
		snprintf(out, 48, "About an hour");
	else if (hours < 48)
		snprintf(out, 48, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(out, 48, "%lld days", (long long)hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(out, 48, "%lld weeks", (long long)hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(out, 48, "%lld months", (long long)hours / 24 / 30);
	else
		snprintf(out, 48, "%lld years", (long long)secs / 3600 / 24 / 365);
}

void fmt_since(int64_t unix_secs, char out[64])
{
	char d[48];

	fmt_duration((int64_t)time(NULL) - unix_secs, d);
	snprintf(out, 64, "%s ago", d);
}

void fmt_time_local(int64_t unix_secs, char out[64])
{
	time_t t = unix_secs;
	struct tm tm;
	char zone[16];

	localtime_r(&t, &tm);
	strftime(out, 40, "%Y-%m-%d %H:%M:%S ", &tm);
	strftime(zone, sizeof(zone), "%z %Z", &tm);
	strncat(out, zone, 63 - strlen(out));
}

char *fmt_ellipsis(const char *s, size_t width)
{
	size_t n = runes(s, strlen(s)), i = 0, r = 0;

	if (n <= width)
		return strdup(s);
	if (width == 0)
		return strdup("");
	/* keep width-1 runes, then the ellipsis */
	while (s[i] && r < width - 1) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		r++;
	}
	char *out = malloc(i + 4);
	memcpy(out, s, i);
	memcpy(out + i, "\xe2\x80\xa6", 4);
	return out;
}

char *fmt_quote(const char *s)
{
	struct sbuf b = {0};
	char esc[8];

	sb_add(&b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			sb_add(&b, "\\\"");
			break;
		case '\\':
			sb_add(&b, "\\\\");
			break;
		case '\n':
			sb_add(&b, "\\n");
			break;
		case '\t':
			sb_add(&b, "\\t");
			break;
		case '\r':
			sb_add(&b, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", *p);
				sb_add(&b, esc);
			} else
				sb_addn(&b, (const char *)p, 1);
		}
	}
	sb_add(&b, "\"");
	return sb_take(&b);
}

void fmt_short_id(const char *id, char out[13])
{
	if (!id)
		id = "";
	if (!strncmp(id, "sha256:", 7))
		id += 7;
	snprintf(out, 13, "%s", id);
}

char *fmt_join_keys(json_t *obj, const char *sep, bool with_values)
{
	size_t n = json_object_size(obj), i = 0, len = 1;
	const char *k;
	json_t *v;
	char **keys = calloc(n + 1, sizeof(char *));

	json_object_foreach(obj, k, v)
	{
		if (with_values && json_is_string(v)) {
			if (asprintf(&keys[i], "%s=%s", k, json_string_value(v)) < 0)
				keys[i] = strdup(k);
		} else
			keys[i] = strdup(k);
		len += strlen(keys[i]) + strlen(sep);
		i++;
	}
	qsort(keys, n, sizeof(char *), cmp_str);
	char *out = calloc(1, len);
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, keys[i]);
	}
	strv_free(keys);
	return out;
}

void fmt_daemon_error(const char *msg)
{
	fprintf(stderr, "Error response from daemon: %s\n", msg);
}
