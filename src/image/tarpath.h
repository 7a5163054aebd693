#pragma once
/* Archive member names: normalisation, confinement and OCI whiteouts. Pure string logic,
 * shared by berth-untar (layers) and image load (the outer archive). */

/* Normalises a member name: drops "./" and "." components, repeated and trailing '/'.
 * Returns 0 and a new string (caller frees; "" for the root itself), or -1 for names that
 * are absolute or have a ".." component. */
int tarpath_clean(const char *name, char **ret);

/* Resolves a symlink `target` found at member `link` (both archive names) inside the
 * archive's own namespace: relative to the link's directory, absolute from the archive
 * root. Returns 0 and the cleaned name (caller frees), -1 when it would leave the root. */
int tarpath_resolve_link(const char *link, const char *target, char **ret);

enum tarpath_whiteout {
	TARPATH_PLAIN,    /* an ordinary entry */
	TARPATH_WHITEOUT, /* ".wh.<name>": *ret_target = "<dir>/<name>" */
	TARPATH_OPAQUE,   /* ".wh..wh..opq": *ret_target = "<dir>" ("" for the root) */
	TARPATH_SKIP,     /* other ".wh..wh.*" names: aufs metadata, ignored as docker does */
};
/* Classifies a cleaned name; *ret_target is set (caller frees) for WHITEOUT and OPAQUE.
 * -1 for a whiteout that names nothing usable (".wh.", ".wh..", ".wh..wh.other"). */
int tarpath_whiteout(const char *clean, char **ret_target);
