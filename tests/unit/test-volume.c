/* The volume store without root: names, options, create/list/remove, reopen, copy-up. */
#include "tap.h"
#include "common/fsutil.h"
#include "volume/copy.h"
#include "volume/store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/test-volume-XXXXXX";
	return strdup(mkdtemp(tmpl));
}

static int test_names(void)
{
	eng_error_t err;
	CHECK(volume_name_check("data", &err) == 0);
	CHECK(volume_name_check("a.b_c-1", &err) == 0);
	CHECK(volume_name_check("x", &err) < 0);
	CHECK(volume_name_check("bad@name", &err) < 0);
	CHECK(strstr(err.msg, "\"bad@name\" includes invalid characters") == err.msg);
	CHECK(volume_name_check("-lead", &err) < 0);
	return 0;
}

static int test_opts(void)
{
	eng_error_t err;
	json_t *o = json_pack("{s:s}", "type", "tmpfs");
	CHECK(volume_opts_check(o, &err) < 0 && !strcmp(err.msg, "missing required option: \"device\""));
	json_object_set_new(o, "device", json_string("tmpfs"));
	CHECK(volume_opts_check(o, &err) == 0);
	json_object_set_new(o, "nope", json_string("x"));
	CHECK(volume_opts_check(o, &err) < 0 && !strcmp(err.msg, "invalid option: \"nope\""));
	json_decref(o);
	return 0;
}

static int test_lifecycle(void)
{
	char *root = tmpdir();
	struct volume_store *s;
	struct volume *v, **l;
	eng_error_t err;
	int created;

	CHECK(volume_store_open(root, &s, &err) == 0);
	v = volume_create(s, "one", NULL, NULL, &created, &err);
	CHECK(v && created && !volume_is_anonymous(v));
	volume_free(v);
	v = volume_create(s, "one", NULL, NULL, &created, &err);
	CHECK(v && !created);
	volume_free(v);
	v = volume_create(s, NULL, NULL, NULL, &created, &err);
	CHECK(v && created && volume_is_anonymous(v) && strlen(v->name) == 64);
	volume_free(v);
	CHECK(!volume_create(s, "b@d", NULL, NULL, NULL, &err));
	CHECK(!strncmp(err.msg, "create b@d: ", 12));
	volume_store_free(s);

	CHECK(volume_store_open(root, &s, &err) == 0); /* documents survive a reopen */
	l = volume_list(s);
	CHECK(l[0] && l[1] && !l[2]);
	volume_list_free(l);
	CHECK(volume_remove(s, "one", &err) == 0);
	CHECK(volume_remove(s, "one", &err) < 0 && err.kind == ERR_NOT_FOUND &&
	      !strcmp(err.msg, "get one: no such volume"));
	CHECK(!volume_get(s, "one", &err));
	volume_store_free(s);
	rm_rf(root, NULL);
	free(root);
	return 0;
}

static int test_copy_up_confined(void)
{
	char *root = tmpdir(), *dst = tmpdir(), path[512];
	eng_error_t err;
	struct stat st;

	/* /data in the "image" is a symlink to /etc: resolved inside root, never the host's */
	snprintf(path, sizeof(path), "%s/etc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/inside", root);
	write_file_atomic(path, "x", 1, &err);
	snprintf(path, sizeof(path), "%s/data", root);
	CHECK(symlink("/etc", path) == 0);
	CHECK(volume_copy_up(root, "/data", dst, &err) == 0);
	snprintf(path, sizeof(path), "%s/inside", dst);
	CHECK(stat(path, &st) == 0 && st.st_size == 1);
	snprintf(path, sizeof(path), "%s/passwd", dst);
	CHECK(stat(path, &st) < 0);
	/* a volume with data is left alone */
	CHECK(volume_copy_up(root, "/etc", dst, &err) == 0);
	rm_rf(root, NULL);
	rm_rf(dst, NULL);
	free(root);
	free(dst);
	return 0;
}

TAP_MAIN({"names", test_names}, {"opts", test_opts}, {"lifecycle", test_lifecycle},
	 {"copy_up_confined", test_copy_up_confined})
