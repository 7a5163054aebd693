/* docker exec's OCI process: the container's process (rlimits, apparmor, noNewPrivileges,
 * oomScoreAdj, capabilities) with the exec's own args, env, cwd, terminal and user. */
#include "exec.h"
#include "oci.h"
#include "oci-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

static const char *spec_rootfs(const json_t *spec)
{
	return json_str(json_object_get(spec, "root"), "path");
}

int oci_exec_check_user(const json_t *spec, const char *user, eng_error_t *err)
{
	struct oci_user u;

	if (!user || !*user)
		return 0;
	if (!spec_rootfs(spec))
		return eng_error_make(err, EINVAL, ERR_INTERNAL, "container config has no root");
	if (oci_user_lookup(spec_rootfs(spec), user, &u, err) < 0)
		return -1;
	oci_user_clear(&u);
	return 0;
}

static int env_has_home(char *const *env)
{
	for (; env && *env; env++)
		if (!strncmp(*env, "HOME=", 5))
			return 1;
	return 0;
}

static json_t *user_json(const struct oci_user *u)
{
	json_t *user =
	    json_pack("{s:I, s:I}", "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid);

	if (u->ngroups) {
		json_t *gids = json_array();
		for (size_t i = 0; i < u->ngroups; i++)
			json_array_append_new(gids, json_integer(u->groups[i]));
		json_object_set_new(user, "additionalGids", gids);
	}
	return user;
}

json_t *oci_exec_process(const json_t *spec, const struct oci_exec_opts *o, eng_error_t *err)
{
	json_t *cp = json_object_get(spec, "process");
	const char *rootfs = spec_rootfs(spec);
	json_auto_t *p = cp ? json_deep_copy(cp) : json_object();
	json_t *env = json_strv_new(o->env);
	struct oci_user u = {0};

	if (!rootfs) {
		json_decref(env);
		return eng_error_make(err, EINVAL, ERR_INTERNAL, "container config has no root"),
		       NULL;
	}
	/* the user's home for HOME, as runc would fill it; the container's user when the
	 * exec names none (its spec user also carries --group-add) */
	if (oci_user_lookup(rootfs, o->user ? o->user : "", &u, err) < 0) {
		json_decref(env);
		return NULL;
	}
	if (o->user && *o->user)
		json_object_set_new(p, "user", user_json(&u));
	if (!env_has_home(o->env)) {
		_cleanup_free_ char *home = NULL;
		if (asprintf(&home, "HOME=%s", u.home ? u.home : "/") < 0)
			abort();
		json_array_append_new(env, json_string(home));
	}
	oci_user_clear(&u);
	json_object_set_new(p, "args", json_strv_new(o->args));
	json_object_set_new(p, "env", env);
	json_object_set_new(p, "cwd", json_string(o->cwd && *o->cwd ? o->cwd : "/"));
	json_object_set_new(p, "terminal", json_boolean(o->tty));
	json_object_del(p, "consoleSize");
	if (o->tty && o->rows && o->cols)
		json_object_set_new(p, "consoleSize",
		                    json_pack("{s:i, s:i}", "height", o->rows, "width", o->cols));
	if (o->privileged)
		json_object_set_new(p, "capabilities",
		                    json_pack("{s:o, s:o, s:o}", "bounding", oci_all_caps(),
		                              "effective", oci_all_caps(), "permitted", oci_all_caps()));
	return json_incref(p);
}
