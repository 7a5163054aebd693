/* Detach keys in docker's --detach-keys format (moby's term.ToBytes). */
#include "tap.h"
#include "runtime/shim.h"

#include <string.h>

static int keys_are(const char *spec, const char *want, size_t n)
{
	struct shim_attach a = {0};

	if (shim_parse_detach_keys(spec, &a) < 0 || a.ndetach != n)
		return 0;
	return memcmp(a.detach_keys, want, n) == 0;
}

static int test_valid(void)
{
	CHECK(keys_are("ctrl-p,ctrl-q", "\x10\x11", 2));
	CHECK(keys_are("ctrl-x,y", "\x18y", 2));
	CHECK(keys_are("a", "a", 1));
	CHECK(keys_are("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\0\x1b\x1c\x1d\x1e\x1f", 6));
	CHECK(!keys_are("DEL,,x", "", 0)); /* an empty key is invalid */
	CHECK(keys_are("DEL,x", "\x7fx", 2));
	CHECK(keys_are("", "", 0));
	CHECK(keys_are(NULL, "", 0));
	return 0;
}

static int test_invalid(void)
{
	static const char *const bad[] = {"ctrl-1", "ctrl-foo", "ctrl-P", "ab", "a,", ",a",
					  "ctrl-", "del", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct shim_attach a = {0};
		if (shim_parse_detach_keys(bad[i], &a) == 0) {
			fprintf(stderr, "# %s accepted\n", bad[i]);
			return -1;
		}
	}
	return 0;
}

TAP_MAIN(T(test_valid), T(test_invalid))
