/* The layer store and container root filesystems.
 *
 * overlay/<chain hex>/diff is a layer's read-only content, unpacked once by berth-untar;
 * overlay/<chain hex>/link holds a short name, and overlay/l/<short> links to its diff/, so
 * that an overlay mount of a deep image fits the one-page mount options: the mount runs in
 * a child that chdir()s into overlay/ and names lower layers as "l/<short>".
 * With vfs (no overlayfs, or BERTH_STORAGE_DRIVER=vfs) every diff/ is a full copy of its
 * parent plus the layer, and a container's diff/ a full copy of its top layer.
 *
 * A layer is referenced by each image and each container using it (layer_refs, rebuilt at
 * open from the image records and the containers' "lower" files) and deleted with its last
 * user; layers no one uses at open (a load that crashed) are deleted then. */
#include "store-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/spawn.h"
#include "../common/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINK_LEN 26

static char *ovl_path(struct image_store *s, const char *a, const char *b)
{
	char *p;
	if (asprintf(&p, "%s/%s%s%s", s->overlay_dir, a, b ? "/" : "", b ? b : "") < 0)
		abort();
	return p;
}

char *layer_diff_path(struct image_store *s, const char *chain_hex)
{
	return ovl_path(s, chain_hex, "diff");
}

static int is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static char *read_small(const char *dir, const char *name)
{
	_cleanup_free_ char *p = path_join(dir, name);
	char *data = read_file(p, NULL, NULL);
	if (data)
		data[strcspn(data, "\n")] = 0;
	return data;
}

/* ---- references ---- */

static void refs_add(json_t *refs, const char *key, int delta)
{
	json_int_t n = json_integer_value(json_object_get(refs, key)) + delta;
	if (n <= 0)
		json_object_del(refs, key);
	else
		json_object_set_new(refs, key, json_integer(n));
}

void layer_ref_locked(struct image_store *s, const char *chain_hex)
{
	refs_add(s->layer_refs, chain_hex, 1);
}

static void layer_delete(struct image_store *s, const char *chain_hex)
{
	_cleanup_free_ char *dir = ovl_path(s, chain_hex, NULL);
	_cleanup_free_ char *link = read_small(dir, "link");

	if (link && strlen(link) == LINK_LEN) {
		_cleanup_free_ char *l = ovl_path(s, "l", link);
		unlink(l);
	}
	rm_rf(dir, NULL);
}

void layer_unref_locked(struct image_store *s, const char *chain_hex)
{
	if (!json_object_get(s->layer_refs, chain_hex))
		return;
	refs_add(s->layer_refs, chain_hex, -1);
	if (!json_object_get(s->layer_refs, chain_hex))
		layer_delete(s, chain_hex);
}

int layer_pin_locked(struct image_store *s, const char *chain_hex)
{
	_cleanup_free_ char *link = NULL, *dir = ovl_path(s, chain_hex, NULL);
	struct stat st;

	/* a layer is there once its link exists: it is written last, before the rename */
	link = ovl_path(s, chain_hex, "link");
	if (stat(link, &st) < 0)
		return 0;
	layer_ref_locked(s, chain_hex);
	return 1;
}

void content_ref_locked(struct image_store *s, const char *diff_id)
{
	refs_add(s->content_refs, digest_hex(diff_id), 1);
}

void content_unref_locked(struct image_store *s, const char *diff_id)
{
	const char *hex = digest_hex(diff_id);
	refs_add(s->content_refs, hex, -1);
	if (!json_object_get(s->content_refs, hex)) {
		_cleanup_free_ char *p = path_join(s->content_dir, hex);
		unlink(p);
	}
}

int64_t layer_size(struct image_store *s, const char *chain_hex)
{
	_cleanup_free_ char *dir = ovl_path(s, chain_hex, NULL);
	_cleanup_free_ char *size = read_small(dir, "size");
	return size ? strtoll(size, NULL, 10) : 0;
}

int64_t image_layer_size(struct image_store *s, const char *chain_id)
{
	const char *hex = strchr(chain_id, ':') ? strchr(chain_id, ':') + 1 : chain_id;
	return is_hex64(hex) ? layer_size(s, hex) : 0;
}

json_t *layer_graph_driver(struct image_store *s, char *const *chain_ids)
{
	size_t n = strv_len(chain_ids);
	json_t *data;

	if (s->vfs || n == 0)
		return json_pack("{s:s, s:n}", "Name", image_store_driver(s), "Data");
	const char *top = digest_hex(chain_ids[n - 1]);
	data = json_object();
	if (n > 1) {
		size_t len = 0;
		for (size_t i = 0; i + 1 < n; i++)
			len += strlen(s->overlay_dir) + 64 + 8;
		char *lower = calloc(1, len + 1);
		for (size_t i = n - 1; i-- > 0;) {
			_cleanup_free_ char *d = layer_diff_path(s, digest_hex(chain_ids[i]));
			if (*lower)
				strcat(lower, ":");
			strcat(lower, d);
		}
		json_object_set_new(data, "LowerDir", json_string(lower));
		free(lower);
	}
	char *m = ovl_path(s, top, "merged"), *u = ovl_path(s, top, "diff"),
	     *w = ovl_path(s, top, "work");
	json_object_set_new(data, "MergedDir", json_string(m));
	json_object_set_new(data, "UpperDir", json_string(u));
	json_object_set_new(data, "WorkDir", json_string(w));
	free(m);
	free(u);
	free(w);
	return json_pack("{s:s, s:o}", "Name", "overlay2", "Data", data);
}

/* ---- open: driver detection and garbage from crashes ---- */

static int overlay_works(struct image_store *s)
{
	_cleanup_free_ char *base = ovl_path(s, ".probe-XXXXXX", NULL);
	_cleanup_free_ char *opts = NULL;
	const char *sub[] = {"lower", "upper", "work", "merged"};
	int ok = 0;

	if (!mkdtemp(base))
		return 0;
	for (size_t i = 0; i < 4; i++) {
		_cleanup_free_ char *p = path_join(base, sub[i]);
		mkdir(p, 0700);
	}
	if (asprintf(&opts, "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", base, base,
	             base) < 0)
		abort();
	_cleanup_free_ char *merged = path_join(base, "merged");
	if (mount("overlay", merged, "overlay", 0, opts) == 0) {
		ok = 1;
		umount2(merged, MNT_DETACH);
	}
	rm_rf(base, NULL);
	return ok;
}

static void scan_containers(struct image_store *s, DIR *d)
{
	struct dirent *de;

	while ((de = readdir(d))) {
		_cleanup_free_ char *dir = NULL, *lower = NULL, *lp = NULL;
		if (!is_hex64(de->d_name))
			continue;
		dir = ovl_path(s, de->d_name, NULL);
		lp = path_join(dir, "lower");
		lower = read_file(lp, NULL, NULL);
		if (!lower)
			continue;
		for (char *save = NULL, *tok = strtok_r(lower, "\n", &save); tok;
		     tok = strtok_r(NULL, "\n", &save))
			if (is_hex64(tok))
				layer_ref_locked(s, tok);
	}
}

static void collect_garbage(struct image_store *s, DIR *d)
{
	struct dirent *de;

	while ((de = readdir(d))) {
		_cleanup_free_ char *dir = ovl_path(s, de->d_name, NULL);
		_cleanup_free_ char *lp = path_join(dir, "lower");
		struct stat st;
		if (!strncmp(de->d_name, ".tmp-", 5) || !strncmp(de->d_name, ".probe-", 7)) {
			rm_rf(dir, NULL);
			continue;
		}
		if (!is_hex64(de->d_name) || stat(lp, &st) == 0)
			continue;
		if (!json_object_get(s->layer_refs, de->d_name))
			layer_delete(s, de->d_name);
	}
}

static void clean_links_and_tmp(struct image_store *s)
{
	_cleanup_free_ char *ldir = ovl_path(s, "l", NULL);
	_cleanup_closedir_ DIR *l = opendir(ldir);
	_cleanup_closedir_ DIR *t = opendir(s->tmp_dir);
	_cleanup_closedir_ DIR *c = opendir(s->content_dir);
	struct dirent *de;

	while (l && (de = readdir(l))) {
		_cleanup_free_ char *p = path_join(ldir, de->d_name);
		struct stat st;
		if (de->d_name[0] != '.' && stat(p, &st) < 0 && errno == ENOENT)
			unlink(p);
	}
	while (t && (de = readdir(t))) {
		_cleanup_free_ char *p = path_join(s->tmp_dir, de->d_name);
		if (!strncmp(de->d_name, "image-", 6))
			rm_rf(p, NULL);
	}
	/* blobs no image refers to: left by a load that crashed before its record */
	while (c && (de = readdir(c))) {
		_cleanup_free_ char *p = path_join(s->content_dir, de->d_name);
		if (de->d_name[0] == '.' || json_object_get(s->content_refs, de->d_name) ||
		    json_object_get(s->index, de->d_name))
			continue;
		unlink(p);
	}
}

int layers_open(struct image_store *s, eng_error_t *err)
{
	_cleanup_free_ char *ldir = ovl_path(s, "l", NULL);
	const char *drv = getenv("BERTH_STORAGE_DRIVER");
	DIR *d;

	if (mkdir_p(ldir, 0700, err) < 0)
		return -1;
	if (drv && !strcmp(drv, "vfs"))
		s->vfs = 1;
	else if (drv && (!strcmp(drv, "overlay2") || !strcmp(drv, "overlay")))
		s->vfs = 0;
	else
		s->vfs = !overlay_works(s);
	d = opendir(s->overlay_dir);
	if (!d)
		return eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", s->overlay_dir);
	scan_containers(s, d);
	rewinddir(d);
	collect_garbage(s, d);
	closedir(d);
	clean_links_and_tmp(s);
	return 0;
}

/* ---- unpacking ---- */

void layer_new_discard(struct layer_new *l)
{
	if (l->dir)
		rm_rf(l->dir, NULL);
	if (l->content_tmp)
		unlink(l->content_tmp);
	free(l->dir);
	free(l->content_tmp);
	l->dir = l->content_tmp = NULL;
}

static int copy_tree(const char *from, const char *to, eng_error_t *err)
{
	_cleanup_free_ char *src = NULL, *out = NULL, *errout = NULL;
	int status;

	if (asprintf(&src, "%s/.", from) < 0)
		abort();
	char *argv[] = {"/bin/cp", "-a", "--reflink=auto", src, (char *)to, NULL};
	if (spawn_run(argv, -1, &out, &errout, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return eng_error_make(err, EIO, ERR_INTERNAL, "copying %s: %s", from,
		                      errout ? errout : "cp failed");
	return 0;
}

static void random_link(char out[LINK_LEN + 1])
{
	unsigned char b[LINK_LEN];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		abort();
	for (int i = 0; i < LINK_LEN; i++)
		out[i] = (char)('A' + b[i] % 26);
	out[LINK_LEN] = 0;
}

int layer_unpack(struct image_store *s, int fd, const char *parent_diff, struct layer_new *ret,
                 eng_error_t *err)
{
	_cleanup_free_ char *out = NULL, *errout = NULL, *diff = NULL, *sp = NULL, *lp = NULL;
	struct layer_new l = {0};
	char rnd[65], size_buf[32], link[LINK_LEN + 1];
	char *argv[6];
	long long size = 0;
	int status;

	l.dir = ovl_path(s, ".tmp-XXXXXX", NULL);
	if (!mkdtemp(l.dir)) {
		eng_error_make(err, errno, ERR_INTERNAL, "creating a layer directory: %m");
		free(l.dir);
		return -1;
	}
	diff = path_join(l.dir, "diff");
	random_hex_id(rnd);
	if (asprintf(&l.content_tmp, "%s/image-%.16s.tar", s->tmp_dir, rnd) < 0)
		abort();
	if (mkdir(diff, 0755) < 0 || chmod(diff, 0755) < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "creating %s: %m", diff);
		goto fail;
	}
	if (s->vfs && parent_diff && copy_tree(parent_diff, diff, err) < 0)
		goto fail;
	argv[0] = s->untar_path;
	argv[1] = "--tee";
	argv[2] = l.content_tmp;
	argv[3] = s->vfs ? "--vfs" : diff;
	argv[4] = s->vfs ? diff : NULL;
	argv[5] = NULL;
	if (spawn_run(argv, fd, &out, &errout, &status, err) < 0)
		goto fail;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *msg = errout ? errout : "";
		if (!strncmp(msg, "berth-untar: ", 13))
			msg += 13;
		eng_error_make(err, EINVAL, ERR_INVALID, "unpacking layer: %.*s",
		               (int)strcspn(msg, "\n"), *msg ? msg : "berth-untar failed");
		goto fail;
	}
	if (!out || sscanf(out, "%71s %lld", l.diff_id, &size) != 2) {
		eng_error_make(err, EIO, ERR_INTERNAL, "unpacking layer: unexpected output %s",
		               out ? out : "");
		goto fail;
	}
	l.size = size;
	/* the layer is complete once "link" exists (see layer_pin_locked) */
	sp = path_join(l.dir, "size");
	lp = path_join(l.dir, "link");
	random_link(link);
	snprintf(size_buf, sizeof(size_buf), "%lld\n", size);
	if (write_file_atomic(sp, size_buf, strlen(size_buf), err) < 0 ||
	    write_file_atomic(lp, link, LINK_LEN, err) < 0)
		goto fail;
	*ret = l;
	return 0;
fail:
	layer_new_discard(&l);
	return -1;
}

int layer_commit_locked(struct image_store *s, struct layer_new *l, const char *chain_hex,
                        eng_error_t *err)
{
	_cleanup_free_ char *final = ovl_path(s, chain_hex, NULL);
	_cleanup_free_ char *content = path_join(s->content_dir, digest_hex(l->diff_id));
	_cleanup_free_ char *link = read_small(l->dir, "link"), *target = NULL, *lpath = NULL;
	struct stat st;

	if (stat(content, &st) < 0) {
		if (rename(l->content_tmp, content) < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "storing layer %s: %m",
			                      l->diff_id);
		free(l->content_tmp);
		l->content_tmp = NULL;
	}
	_cleanup_free_ char *final_link = path_join(final, "link");
	if (stat(final_link, &st) == 0) {
		/* the same layer arrived meanwhile: keep that one */
		layer_new_discard(l);
		return 0;
	}
	rm_rf(final, NULL); /* a half-deleted leftover */
	if (asprintf(&target, "../%s/diff", chain_hex) < 0)
		abort();
	lpath = ovl_path(s, "l", link ? link : "");
	if (!link || symlink(target, lpath) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "linking layer %s: %m", chain_hex);
	if (rename(l->dir, final) < 0) {
		unlink(lpath);
		return eng_error_make(err, errno, ERR_INTERNAL, "storing layer %s: %m", chain_hex);
	}
	free(l->dir);
	l->dir = NULL;
	layer_new_discard(l);
	return 0;
}

/* ---- container root filesystems ---- */

static int read_lower(struct image_store *s, const char *cid, char ***ret, eng_error_t *err)
{
	_cleanup_free_ char *p = ovl_path(s, cid, "lower");
	_cleanup_free_ char *data = read_file(p, NULL, err);
	char **v = calloc(1, sizeof(char *));

	if (!data) {
		free(v);
		return -1;
	}
	for (char *save = NULL, *tok = strtok_r(data, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save))
		if (is_hex64(tok))
			v = strv_push(v, tok);
	*ret = v;
	return 0;
}

int image_rootfs_create(struct image_store *s, const char *image_id, const char *container_id,
                        eng_error_t *err)
{
	_cleanup_free_ char *dir = ovl_path(s, container_id, NULL);
	_cleanup_strv_ char **chains = NULL;
	_cleanup_free_ char *lp = NULL;
	struct img_rec *r;
	size_t n;
	char *lower = NULL;
	size_t len = 0;

	if (!is_hex64(container_id))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid container ID %s",
		                      container_id);
	pthread_mutex_lock(&s->lock);
	r = store_find_id_locked(s, image_id);
	if (!r) {
		pthread_mutex_unlock(&s->lock);
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "No such image: %s", image_id);
	}
	chains = strv_copy(r->chain_ids);
	for (char **c = chains; *c; c++)
		layer_ref_locked(s, digest_hex(*c));
	pthread_mutex_unlock(&s->lock);

	n = strv_len(chains);
	lower = calloc(1, n * 66 + 1);
	for (size_t i = n; i-- > 0;) {
		memcpy(lower + len, digest_hex(chains[i]), 64);
		lower[len + 64] = '\n';
		len += 65;
	}
	const char *sub[] = {"diff", "work", "merged"};
	if (mkdir(dir, 0700) < 0) {
		eng_error_make(err, errno, errno == EEXIST ? ERR_CONFLICT : ERR_INTERNAL,
		               "creating %s: %m", dir);
		goto fail_norm;
	}
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *p = path_join(dir, sub[i]);
		if (mkdir(p, i == 0 ? 0755 : 0700) < 0) {
			eng_error_make(err, errno, ERR_INTERNAL, "creating %s: %m", p);
			goto fail;
		}
	}
	if (s->vfs && n) {
		_cleanup_free_ char *top = layer_diff_path(s, digest_hex(chains[n - 1]));
		_cleanup_free_ char *diff = path_join(dir, "diff");
		if (copy_tree(top, diff, err) < 0)
			goto fail;
	}
	/* written last: a directory without it is a create that did not finish */
	lp = path_join(dir, "lower");
	if (write_file_atomic(lp, lower, len, err) < 0)
		goto fail;
	free(lower);
	return 0;
fail:
	rm_rf(dir, NULL);
fail_norm:
	free(lower);
	pthread_mutex_lock(&s->lock);
	for (char **c = chains; *c; c++)
		layer_unref_locked(s, digest_hex(*c));
	pthread_mutex_unlock(&s->lock);
	return eng_error_wrap(err, "creating the root filesystem");
}

static int is_mounted(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return 0;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Mounts with paths relative to overlay/ (short), from a child so that berthd's own
 * working directory never changes under its other threads. The child only makes system
 * calls: no allocation after fork. */
static int mount_overlay_relative(const char *cwd, const char *target, const char *opts,
                                  eng_error_t *err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "fork: %m");
	if (pid == 0) {
		if (chdir(cwd) < 0)
			_exit(errno & 0xff);
		if (mount("overlay", target, "overlay", 0, opts) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return eng_error_make(err, errno, ERR_INTERNAL, "waitpid: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int e = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
		return eng_error_make(err, e, ERR_INTERNAL, "mounting overlay: %s", strerror(e));
	}
	return 0;
}

int image_rootfs_mount(struct image_store *s, const char *container_id, char **ret_path,
                       eng_error_t *err)
{
	_cleanup_strv_ char **chains = NULL;
	_cleanup_free_ char *merged = ovl_path(s, container_id, "merged");
	_cleanup_free_ char *opts = NULL, *lowers = NULL;
	size_t cap, len = 0;

	if (!is_hex64(container_id) || read_lower(s, container_id, &chains, err) < 0)
		return eng_error_wrap(err, "mounting the root filesystem of %s", container_id);
	if (is_mounted(merged)) {
		*ret_path = TAKE_PTR(merged);
		return 0;
	}
	if (s->vfs) {
		_cleanup_free_ char *diff = ovl_path(s, container_id, "diff");
		if (mount(diff, merged, NULL, MS_BIND, NULL) < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "mounting %s: %m", merged);
		*ret_path = TAKE_PTR(merged);
		return 0;
	}
	cap = strv_len(chains) * (LINK_LEN + 4) + 80;
	lowers = calloc(1, cap);
	for (char **c = chains; *c; c++) {
		_cleanup_free_ char *dir = ovl_path(s, *c, NULL);
		_cleanup_free_ char *link = read_small(dir, "link");
		if (!link || strlen(link) != LINK_LEN)
			return eng_error_make(err, ENOENT, ERR_INTERNAL,
			                      "layer %s of container %s is missing", *c,
			                      container_id);
		len += (size_t)snprintf(lowers + len, cap - len, "%sl/%s", len ? ":" : "", link);
	}
	if (!chains[0]) {
		/* an image without layers still needs one lower directory */
		_cleanup_free_ char *empty = ovl_path(s, container_id, "empty");
		mkdir(empty, 0755);
		snprintf(lowers, cap, "%s/empty", container_id);
	}
	if (asprintf(&opts, "lowerdir=%s,upperdir=%s/diff,workdir=%s/work", lowers, container_id,
	             container_id) < 0)
		abort();
	if (strlen(opts) >= 4096)
		return eng_error_make(err, E2BIG, ERR_INTERNAL, "too many layers to mount (%zu)",
		                      strv_len(chains));
	_cleanup_free_ char *rel = NULL;
	if (asprintf(&rel, "%s/merged", container_id) < 0)
		abort();
	if (mount_overlay_relative(s->overlay_dir, rel, opts, err) < 0)
		return -1;
	*ret_path = TAKE_PTR(merged);
	return 0;
}

int image_rootfs_unmount(struct image_store *s, const char *container_id, eng_error_t *err)
{
	_cleanup_free_ char *merged = NULL;

	if (!is_hex64(container_id))
		return 0;
	merged = ovl_path(s, container_id, "merged");
	while (is_mounted(merged)) {
		if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			return eng_error_make(err, errno, ERR_INTERNAL, "unmounting %s: %m",
			                      merged);
		if (errno == EINVAL)
			break;
	}
	return 0;
}

int image_rootfs_remove(struct image_store *s, const char *container_id, eng_error_t *err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **chains = NULL;
	eng_error_t e;
	struct stat st;

	if (!is_hex64(container_id))
		return 0;
	dir = ovl_path(s, container_id, NULL);
	if (stat(dir, &st) < 0)
		return 0;
	if (image_rootfs_unmount(s, container_id, err) < 0)
		return -1;
	if (read_lower(s, container_id, &chains, &e) < 0)
		chains = NULL; /* never finished creating: it holds no references */
	if (rm_rf(dir, err) < 0)
		return eng_error_wrap(err, "removing the root filesystem of %s", container_id);
	pthread_mutex_lock(&s->lock);
	for (char **c = chains; c && *c; c++)
		layer_unref_locked(s, *c);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

char *image_rootfs_upper_path(struct image_store *s, const char *container_id)
{
	return ovl_path(s, container_id, "diff");
}

char **image_rootfs_lower_paths(struct image_store *s, const char *container_id,
                                eng_error_t *err)
{
	_cleanup_strv_ char **chains = NULL;
	char **out = calloc(1, sizeof(char *));

	if (!is_hex64(container_id) || read_lower(s, container_id, &chains, err) < 0) {
		free(out);
		return NULL;
	}
	for (char **c = chains; *c; c++) {
		_cleanup_free_ char *p = layer_diff_path(s, *c);
		out = strv_push(out, p);
	}
	return out;
}

int64_t image_rootfs_size_rw(struct image_store *s, const char *container_id)
{
	_cleanup_free_ char *diff = NULL;

	if (!is_hex64(container_id))
		return 0;
	diff = ovl_path(s, container_id, "diff");
	return dir_size(diff);
}
