/*
 * The file picker's model.  A picker holds every entry of one directory
 * (read once per visit), a view of the entries that pass the filter, the
 * selection and the first row shown.  Keys change only this state; the file
 * system is read when a directory is opened and never while drawing.
 * Toggling "show all" rebuilds the view from the stored entries and keeps
 * the selected name when it is still shown.
 */
#include "tui/picker.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define PICKER_ERR_MAX 512
#define PICKER_PREFIX_MAX 64
#define PICKER_ROWS_DEFAULT 10

struct picker {
	enum picker_kind kind;
	int show_all;
	char *dir;                     /* canonical; NULL before the first listing */
	struct picker_entry *all;      /* every entry of dir, sorted */
	size_t nall;
	size_t *view;                  /* indices into all that pass the filter */
	size_t nview;
	size_t sel, top;
	int rows;
	char prefix[PICKER_PREFIX_MAX];/* type-ahead so far */
	char *chosen;
	char err[PICKER_ERR_MAX];
	char typed[PATH_MAX];          /* a path being typed ('/' starts it), or "" */
	int pools;                     /* listing croftd's pools (picker_pools_add) */
	long pool;                     /* the pool listed, or -1: the pools */
	char heading[PATH_MAX + 80];   /* picker_heading() */
};

/* croftd's pools and their volumes, as the console last read them
 * (picker_pools_add...), for pickers of ISOs and disk images. */
struct picker_pool {
	char *name, *dir;
	int iso;
	struct picker_entry *vols;
	size_t nvols, cap;
};
static struct picker_pool *cat;
static size_t ncat;

/* The directory of the last choice, per kind, for the next picker with
 * no start (the console's lifetime). */
static char last_dir[3][PATH_MAX];

static const char *const iso_exts[] = { ".iso", NULL };
static const char *const image_exts[] = {
	".qcow2", ".img", ".raw", ".vmdk", ".vdi", ".vhd", ".vhdx", NULL };

static const char *const *kind_exts(enum picker_kind kind)
{
	switch (kind) {
	case PICKER_ISO:
		return iso_exts;
	case PICKER_IMAGE:
		return image_exts;
	case PICKER_ANY:
		break;
	}
	return NULL;
}

/* Set by picker_set_state_dir(): croftd's own directories. */
static char state_iso[PATH_MAX], state_pool[PATH_MAX];

void picker_set_state_dir(const char *state_dir)
{
	state_iso[0] = state_pool[0] = '\0';
	if (!state_dir || state_dir[0] != '/')
		return;
	snprintf(state_iso, sizeof(state_iso), "%s/iso", state_dir);
	snprintf(state_pool, sizeof(state_pool), "%s/pools/default", state_dir);
}

static int dir_is(const char *path);

static const char *kind_default_dir(enum picker_kind kind)
{
	if (kind == PICKER_ISO && state_iso[0] && dir_is(state_iso))
		return state_iso;
	if ((kind == PICKER_ISO || kind == PICKER_IMAGE) && state_pool[0] && dir_is(state_pool))
		return state_pool;
	switch (kind) {
	case PICKER_ISO:
		return "/var/lib/croft/iso";
	case PICKER_IMAGE:
		return "/var/lib/croft/pools/default";
	case PICKER_ANY:
		break;
	}
	return NULL;
}

static int has_ext(const char *name, const char *const *exts)
{
	size_t len = strlen(name), elen;

	for (; *exts; exts++) {
		elen = strlen(*exts);
		if (len > elen && !strcasecmp(name + len - elen, *exts))
			return 1;
	}
	return 0;
}

static int entry_shown(const struct picker *p, const struct picker_entry *e)
{
	/* a pool's volumes are named by croft, without extensions */
	const char *const *exts = p->pools && p->kind == PICKER_IMAGE ? NULL : kind_exts(p->kind);

	if (!strcmp(e->name, ".."))
		return 1;
	if (p->show_all)
		return 1;
	if (e->name[0] == '.')
		return 0;
	if (e->is_dir || !exts)
		return 1;
	return has_ext(e->name, exts);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct picker_entry *x = a, *y = b;
	int r;

	if (x->is_dir != y->is_dir)
		return x->is_dir ? -1 : 1;
	r = strcasecmp(x->name, y->name);
	return r ? r : strcmp(x->name, y->name);
}

static void entries_free(struct picker_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].note);
	}
	free(e);
}

static int dir_is(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void scroll_to_sel(struct picker *p)
{
	size_t rows = p->rows > 0 ? (size_t)p->rows : 1;

	if (p->sel < p->top)
		p->top = p->sel;
	else if (p->sel >= p->top + rows)
		p->top = p->sel - rows + 1;
	if (p->nview <= rows)
		p->top = 0;
	else if (p->top > p->nview - rows)
		p->top = p->nview - rows;
}

/* Select the shown entry called name; 0 when it is shown. */
static int select_name(struct picker *p, const char *name)
{
	size_t i;

	for (i = 0; name && i < p->nview; i++) {
		if (!strcmp(p->all[p->view[i]].name, name)) {
			p->sel = i;
			scroll_to_sel(p);
			return 0;
		}
	}
	return -ENOENT;
}

static void view_build(struct picker *p, const char *keep)
{
	size_t i;

	free(p->view);
	p->view = xcalloc(p->nall + 1, sizeof(*p->view));
	p->nview = 0;
	for (i = 0; i < p->nall; i++)
		if (entry_shown(p, &p->all[i]))
			p->view[p->nview++] = i;
	p->sel = 0;
	p->top = 0;
	if (select_name(p, keep) < 0)
		scroll_to_sel(p);
}

/* Read dir into a sorted array with ".." first (except at "/"). */
static int dir_read(const char *dir, struct picker_entry **out, size_t *nout,
		    char *err, size_t errlen)
{
	struct picker_entry *e = NULL;
	size_t n = 0, cap = 0, first;
	struct dirent *de;
	DIR *d;
	int r;

	d = opendir(dir);
	if (!d) {
		r = -errno;
		err_set(err, errlen, "cannot open %s: %s", dir, strerror(-r));
		return r;
	}
	if (strcmp(dir, "/")) {
		cap = 16;
		e = xcalloc(cap, sizeof(*e));
		e[n].name = xstrdup("..");
		e[n].is_dir = 1;
		e[n].size = -1;
		n++;
	}
	first = n;
	errno = 0;
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			e = xrealloc(e, cap * sizeof(*e));
		}
		e[n].name = xstrdup(de->d_name);
		e[n].note = NULL;
		if (fstatat(dirfd(d), de->d_name, &st, 0) == 0) {
			e[n].is_dir = S_ISDIR(st.st_mode);
			e[n].size = e[n].is_dir ? -1 : (int64_t)st.st_size;
		} else {
			/* A dangling link or a name that vanished: list it, sizeless. */
			e[n].is_dir = 0;
			e[n].size = -1;
		}
		n++;
		errno = 0;
	}
	r = -errno;
	closedir(d);
	if (r < 0) {
		err_set(err, errlen, "cannot read %s: %s", dir, strerror(-r));
		entries_free(e, n);
		return r;
	}
	qsort(e + first, n - first, sizeof(*e), entry_cmp);
	*out = e;
	*nout = n;
	return 0;
}

int picker_open_dir(struct picker *p, const char *dir, const char *select)
{
	struct picker_entry *e = NULL;
	size_t n = 0;
	char *canon;
	int r;

	canon = realpath(dir, NULL);
	if (!canon) {
		r = -errno;
		err_set(p->err, sizeof(p->err), "cannot open %s: %s", dir, strerror(-r));
		return r;
	}
	r = dir_read(canon, &e, &n, p->err, sizeof(p->err));
	if (r < 0) {
		free(canon);
		return r;
	}
	entries_free(p->all, p->nall);
	free(p->dir);
	p->dir = canon;
	p->all = e;
	p->nall = n;
	p->pools = 0;
	p->pool = -1;
	p->err[0] = '\0';
	p->prefix[0] = '\0';
	view_build(p, select);
	return 0;
}

/* When even the fallback cannot be read: an empty listing of dir (with its
 * "..", so the user can walk away) and the error kept. */
static void open_empty(struct picker *p, const char *dir)
{
	free(p->dir);
	p->dir = xstrdup(dir);
	entries_free(p->all, p->nall);
	p->all = NULL;
	p->nall = 0;
	if (strcmp(dir, "/")) {
		p->all = xcalloc(1, sizeof(*p->all));
		p->all[0].name = xstrdup("..");
		p->all[0].is_dir = 1;
		p->all[0].size = -1;
		p->nall = 1;
	}
	view_build(p, NULL);
}

/* --- croftd's pools --------------------------------------------------------- */

void picker_pools_clear(void)
{
	size_t i;

	for (i = 0; i < ncat; i++) {
		free(cat[i].name);
		free(cat[i].dir);
		entries_free(cat[i].vols, cat[i].nvols);
	}
	free(cat);
	cat = NULL;
	ncat = 0;
}

void picker_pools_add(const char *name, const char *dir, int iso)
{
	if (!name || !dir || dir[0] != '/')
		return;
	cat = xrealloc(cat, (ncat + 1) * sizeof(*cat));
	memset(&cat[ncat], 0, sizeof(*cat));
	cat[ncat].name = xstrdup(name);
	cat[ncat].dir = xstrdup(dir);
	cat[ncat].iso = iso;
	ncat++;
}

static long pool_index(const char *name)
{
	size_t i;

	for (i = 0; name && i < ncat; i++)
		if (!strcmp(cat[i].name, name))
			return (long)i;
	return -1;
}

void picker_pools_add_volume(const char *pool, const char *name, int64_t size, const char *used_by)
{
	long i = pool_index(pool);
	struct picker_pool *c;
	struct picker_entry *e;

	if (i < 0 || !name || !*name || strchr(name, '/'))
		return;
	c = &cat[i];
	if (c->nvols == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->vols = xrealloc(c->vols, c->cap * sizeof(*c->vols));
	}
	e = &c->vols[c->nvols++];
	e->name = xstrdup(name);
	e->is_dir = 0;
	e->size = size;
	e->note = used_by && *used_by ? xasprintf("used by %s", used_by) : NULL;
}

/* The pool whose directory path is directly in, and the name in it. */
static long pool_of_path(const char *path, const char **name)
{
	size_t i, len;

	for (i = 0; path && i < ncat; i++) {
		len = strlen(cat[i].dir);
		if (!strncmp(path, cat[i].dir, len) && path[len] == '/' && path[len + 1] &&
		    !strchr(path + len + 1, '/')) {
			*name = path + len + 1;
			return (long)i;
		}
	}
	return -1;
}

int picker_pool_has(const char *path)
{
	const char *name;
	long i = pool_of_path(path, &name);
	size_t k;

	for (k = 0; i >= 0 && k < cat[i].nvols; k++)
		if (!strcmp(cat[i].vols[k].name, name))
			return 1;
	return 0;
}

/* List the pools (pool -1) or pool's volumes, select named select. */
static void pools_open(struct picker *p, long pool, const char *select)
{
	struct picker_entry *e;
	size_t n = 0, i;

	if (pool < 0) {
		e = xcalloc(ncat + 1, sizeof(*e));
		for (i = 0; i < ncat; i++, n++) {
			e[n].name = xstrdup(cat[i].name);
			e[n].is_dir = 1;
			e[n].size = -1;
			e[n].note = xasprintf("%s, %zu file%s", cat[i].iso ? "ISOs" : "volumes",
					      cat[i].nvols, cat[i].nvols == 1 ? "" : "s");
		}
		snprintf(p->heading, sizeof(p->heading), "croft's pools (/ types a host path)");
	} else {
		e = xcalloc(cat[pool].nvols + 2, sizeof(*e));
		e[n].name = xstrdup("..");
		e[n].is_dir = 1;
		e[n++].size = -1;
		for (i = 0; i < cat[pool].nvols; i++, n++) {
			e[n] = cat[pool].vols[i];
			e[n].name = xstrdup(e[n].name);
			e[n].note = xstrdup_or_null(e[n].note);
		}
		snprintf(p->heading, sizeof(p->heading), "pool %s: %s", cat[pool].name, cat[pool].dir);
	}
	entries_free(p->all, p->nall);
	free(p->dir);
	p->dir = pool < 0 ? NULL : xstrdup(cat[pool].dir);
	p->all = e;
	p->nall = n;
	p->pools = 1;
	p->pool = pool;
	p->err[0] = '\0';
	p->prefix[0] = '\0';
	view_build(p, select);
}

/* A picker of ISOs or images starts in croftd's pools when it knows
 * them and start is empty or a file in one: 1 when it did. */
static int pools_start(struct picker *p, const char *start)
{
	const char *name = NULL;
	long i = -1;
	size_t k;

	if (!ncat || p->kind == PICKER_ANY)
		return 0;
	if (start && *start && (i = pool_of_path(start, &name)) < 0)
		return 0;
	for (k = 0; i < 0 && k < ncat; k++)
		if (p->kind == PICKER_ISO ? cat[k].iso : !strcmp(cat[k].name, "default"))
			i = (long)k;
	pools_open(p, i, name);
	return 1;
}

const char *picker_heading(const struct picker *p)
{
	return p->pools ? p->heading : p->dir;
}

struct picker *picker_new(enum picker_kind kind, const char *start)
{
	struct picker *p = xcalloc(1, sizeof(*p));
	const char *home = getenv("HOME"), *dflt = kind_default_dir(kind);
	char first_err[PICKER_ERR_MAX] = "";

	p->kind = kind;
	p->rows = PICKER_ROWS_DEFAULT;
	p->pool = -1;
	if (pools_start(p, start))
		return p;
	if (start && start[0] == '/') {
		char *copy, *slash;
		int r;

		if (dir_is(start)) {
			if (picker_open_dir(p, start, NULL) == 0)
				return p;
			snprintf(first_err, sizeof(first_err), "%s", p->err);
		} else {
			copy = xstrdup(start);
			slash = strrchr(copy, '/');
			*slash = '\0';
			r = picker_open_dir(p, slash == copy ? "/" : copy, slash + 1);
			if (r < 0 && r != -ENOENT)
				snprintf(first_err, sizeof(first_err), "%s", p->err);
			free(copy);
			if (r == 0)
				return p;
		}
	}
	if ((unsigned)kind < 3 && last_dir[kind][0] && dir_is(last_dir[kind]) &&
	    picker_open_dir(p, last_dir[kind], NULL) == 0)
		return p;
	if ((dir_is(dflt) && picker_open_dir(p, dflt, NULL) == 0) ||
	    (home && home[0] == '/' && dir_is(home) && picker_open_dir(p, home, NULL) == 0) ||
	    picker_open_dir(p, "/", NULL) == 0) {
		if (first_err[0])
			snprintf(p->err, sizeof(p->err), "%s", first_err);
		return p;
	}
	open_empty(p, "/");
	return p;
}

void picker_free(struct picker *p)
{
	if (!p)
		return;
	entries_free(p->all, p->nall);
	free(p->view);
	free(p->dir);
	free(p->chosen);
	free(p);
}

static char *path_join(const char *dir, const char *name)
{
	return xasprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
}

/* --- keys --------------------------------------------------------------- */

static int go_up(struct picker *p)
{
	char *parent, *slash, *from;

	if (p->pools) {
		if (p->pool >= 0)
			pools_open(p, -1, cat[p->pool].name);
		return PICKER_CONTINUE;
	}
	if (!p->dir || !strcmp(p->dir, "/"))
		return PICKER_CONTINUE;
	parent = xstrdup(p->dir);
	slash = strrchr(parent, '/');
	from = xstrdup(slash + 1);
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	picker_open_dir(p, parent, from);
	free(from);
	free(parent);
	return PICKER_CONTINUE;
}

/* path (taken) is the choice; its directory is remembered. */
static int choose(struct picker *p, char *path)
{
	free(p->chosen);
	p->chosen = path;
	if ((unsigned)p->kind < 3 && p->dir && !p->pools)
		snprintf(last_dir[p->kind], sizeof(last_dir[p->kind]), "%s", p->dir);
	return PICKER_PICKED;
}

/* Enter on a typed path: a directory is opened, a file chosen. */
static int open_typed(struct picker *p)
{
	char *path = xstrdup(p->typed), *slash;
	struct stat st;

	p->typed[0] = '\0';
	if (stat(path, &st) < 0) {
		snprintf(p->err, sizeof(p->err), "%s: %s", path, strerror(errno));
		free(path);
		return PICKER_CONTINUE;
	}
	if (S_ISDIR(st.st_mode)) {
		picker_open_dir(p, path, NULL);
		free(path);
		return PICKER_CONTINUE;
	}
	/* a file: list its directory, so what is remembered is right */
	slash = strrchr(path, '/');
	if (slash) {
		char *dir = slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);

		picker_open_dir(p, dir, slash + 1);
		free(dir);
	}
	return choose(p, path);
}

/* A key while a path is typed: 1 when taken. */
static int typed_key(struct picker *p, int ch, int *result)
{
	size_t len = strlen(p->typed);

	*result = PICKER_CONTINUE;
	if (!len) {
		if (ch != '/' && ch != '~')
			return 0;
		if (ch == '~' && getenv("HOME") && getenv("HOME")[0] == '/')
			snprintf(p->typed, sizeof(p->typed), "%s/", getenv("HOME"));
		else
			snprintf(p->typed, sizeof(p->typed), "/");
		p->err[0] = '\0';
		return 1;
	}
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER:
		*result = open_typed(p);
		return 1;
	case 27:
		p->typed[0] = '\0';
		return 1;
	case KEY_BACKSPACE: case 127: case 8:
		p->typed[len - 1] = '\0';
		return 1;
	case 21:                      /* Ctrl-U */
		p->typed[0] = '\0';
		return 1;
	default:
		if (ch >= 32 && ch < 127 && len + 1 < sizeof(p->typed)) {
			p->typed[len] = (char)ch;
			p->typed[len + 1] = '\0';
		}
		return 1;
	}
}

static int open_selected(struct picker *p)
{
	const struct picker_entry *e = picker_entry_at(p, p->sel);
	char *path;

	if (!e)
		return PICKER_CONTINUE;
	if (!strcmp(e->name, ".."))
		return go_up(p);
	if (p->pools && p->pool < 0) {
		pools_open(p, pool_index(e->name), NULL);
		return PICKER_CONTINUE;
	}
	path = path_join(p->dir, e->name);
	if (e->is_dir) {
		picker_open_dir(p, path, NULL);
		free(path);
		return PICKER_CONTINUE;
	}
	return choose(p, path);
}

static void move_to(struct picker *p, long long to)
{
	if (!p->nview)
		return;
	if (to < 0)
		to = 0;
	if (to >= (long long)p->nview)
		to = (long long)p->nview - 1;
	p->sel = (size_t)to;
	scroll_to_sel(p);
}

static int key_up(struct picker *p) { move_to(p, (long long)p->sel - 1); return PICKER_CONTINUE; }
static int key_down(struct picker *p) { move_to(p, (long long)p->sel + 1); return PICKER_CONTINUE; }
static int key_pgup(struct picker *p) { move_to(p, (long long)p->sel - p->rows); return PICKER_CONTINUE; }
static int key_pgdn(struct picker *p) { move_to(p, (long long)p->sel + p->rows); return PICKER_CONTINUE; }
static int key_home(struct picker *p) { move_to(p, 0); return PICKER_CONTINUE; }
static int key_end(struct picker *p) { move_to(p, (long long)p->nview - 1); return PICKER_CONTINUE; }
static int key_cancel(struct picker *p) { (void)p; return PICKER_CANCEL; }

static int key_toggle(struct picker *p)
{
	picker_set_show_all(p, !p->show_all);
	return PICKER_CONTINUE;
}

/* The first shown name at or after from (wrapping) that starts with prefix. */
static int find_prefix(struct picker *p, const char *prefix, size_t from, size_t *at)
{
	size_t len = strlen(prefix), k, i;

	for (k = 0; k < p->nview; k++) {
		const char *name;

		i = (from + k) % p->nview;
		name = p->all[p->view[i]].name;
		if (strcmp(name, "..") && !strncasecmp(name, prefix, len)) {
			*at = i;
			return 0;
		}
	}
	return -ENOENT;
}

static int type_ahead(struct picker *p, int ch)
{
	size_t len = strlen(p->prefix), at;
	char one[2] = { (char)ch, '\0' };

	if (len + 1 < sizeof(p->prefix)) {
		p->prefix[len] = (char)ch;
		p->prefix[len + 1] = '\0';
		if (find_prefix(p, p->prefix, 0, &at) == 0) {
			move_to(p, (long long)at);
			return PICKER_CONTINUE;
		}
	}
	/* No name goes on like that: start over with this key, after the
	 * selection, so pressing one letter again walks its names. */
	snprintf(p->prefix, sizeof(p->prefix), "%s", one);
	if (find_prefix(p, one, p->nview ? p->sel + 1 : 0, &at) == 0)
		move_to(p, (long long)at);
	else
		p->prefix[0] = '\0';
	return PICKER_CONTINUE;
}

static const struct picker_keymap {
	int ch;
	int (*fn)(struct picker *p);
} picker_keys[] = {
	{ KEY_UP, key_up },
	{ KEY_DOWN, key_down },
	{ KEY_PPAGE, key_pgup },
	{ KEY_NPAGE, key_pgdn },
	{ KEY_HOME, key_home },
	{ KEY_END, key_end },
	{ '\n', open_selected },
	{ '\r', open_selected },
	{ KEY_ENTER, open_selected },
	{ KEY_RIGHT, open_selected },
	{ KEY_BACKSPACE, go_up },
	{ 127, go_up },
	{ 8, go_up },
	{ KEY_LEFT, go_up },
	{ 27, key_cancel },
	{ '*', key_toggle },
	{ KEY_F(2), key_toggle },
};

static int is_type_ahead(int ch)
{
	return ch > 0 && ch < 127 && (isalnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == '+');
}

int picker_key(struct picker *p, int ch)
{
	size_t i;
	int r;

	if (typed_key(p, ch, &r))
		return r;
	if (is_type_ahead(ch))
		return type_ahead(p, ch);
	for (i = 0; i < sizeof(picker_keys) / sizeof(picker_keys[0]); i++) {
		if (picker_keys[i].ch == ch) {
			p->prefix[0] = '\0';
			return picker_keys[i].fn(p);
		}
	}
	return PICKER_CONTINUE;
}

/* --- accessors ---------------------------------------------------------- */

void picker_set_show_all(struct picker *p, int on)
{
	const struct picker_entry *e = picker_entry_at(p, p->sel);
	char *keep = e ? xstrdup(e->name) : NULL;

	p->show_all = !!on;
	view_build(p, keep);
	free(keep);
}

int picker_show_all(const struct picker *p)
{
	return p->show_all;
}

enum picker_kind picker_get_kind(const struct picker *p)
{
	return p->kind;
}

size_t picker_count(const struct picker *p)
{
	return p->nview;
}

const struct picker_entry *picker_entry_at(const struct picker *p, size_t i)
{
	return i < p->nview ? &p->all[p->view[i]] : NULL;
}

size_t picker_selected(const struct picker *p)
{
	return p->sel;
}

const char *picker_dir(const struct picker *p)
{
	return p->dir;
}

const char *picker_error(const struct picker *p)
{
	return p->err[0] ? p->err : NULL;
}

const char *picker_typed(const struct picker *p)
{
	return p->typed[0] ? p->typed : NULL;
}

const char *picker_chosen(const struct picker *p)
{
	return p->chosen;
}

void picker_set_rows(struct picker *p, int rows)
{
	p->rows = rows > 0 ? rows : 1;
	scroll_to_sel(p);
}

size_t picker_top(const struct picker *p)
{
	return p->top;
}
