#pragma once
/* A minimal TAP runner: each test returns 0 (pass), -1 (fail) or 77 (skip). */
#include <stdio.h>

struct tap_test {
	const char *name;
	int (*fn)(void);
};

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

static inline int tap_run(const struct tap_test *t, int n)
{
	int failed = 0;
	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		int r = t[i].fn();
		if (r == 77)
			printf("ok %d - %s # SKIP\n", i + 1, t[i].name);
		else if (r == 0)
			printf("ok %d - %s\n", i + 1, t[i].name);
		else {
			printf("not ok %d - %s\n", i + 1, t[i].name);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
#define TAP_MAIN(...)                                                                              \
	int main(void)                                                                             \
	{                                                                                          \
		static const struct tap_test tests[] = {__VA_ARGS__};                              \
		return tap_run(tests, (int)(sizeof(tests) / sizeof(tests[0])));                    \
	}
#define T(fn) {#fn, fn}
