/*
 * The console's file picker: a modal list of one directory, for choosing an
 * ISO or a disk image.  The model (listing, sorting, filtering, selection,
 * keys) lives in picker.c and touches nothing but the file system; drawing
 * lives in picker_draw.c and only renders the model.
 *
 * A listing is ".." (except at "/"), then the subdirectories, then the
 * files, each group sorted by name without regard to case.  Files are
 * filtered by the picker's kind (ISO: .iso; image: .qcow2 .img .raw .vmdk
 * .vdi .vhd .vhdx; any: everything) and hidden names (".x") are left out,
 * until "show all" is switched on.  A directory that cannot be read leaves
 * the previous listing in place and sets an error line instead.
 *
 * Keys (picker_key): Up/Down/PgUp/PgDn/Home/End move; Enter or Right opens
 * a directory or chooses a file; Backspace or Left goes up; '*' or F2
 * toggles "show all"; Esc cancels; letters, digits, '.', '-', '_' and '+'
 * jump to the first name starting with what was typed (case-insensitive;
 * typing the same letter again moves to the next such name); '/' or '~'
 * starts typing a path, which Enter opens (a directory) or chooses (a
 * file).  A picker with no start opens where the last choice of its kind
 * was made, else the kind's default directory.
 */
#ifndef CROFT_TUI_PICKER_H
#define CROFT_TUI_PICKER_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/tui_theme.h"

enum picker_kind { PICKER_ANY = 0, PICKER_ISO, PICKER_IMAGE };
enum picker_result { PICKER_CONTINUE = 0, PICKER_PICKED, PICKER_CANCEL };

struct picker_entry {
	char *name;          /* ".." for the parent directory */
	int is_dir;
	int64_t size;        /* bytes; -1 for directories and unknown sizes */
	char *note;          /* "used by web", shown beside the size; may be NULL */
};

struct picker;

/*
 * A picker for kind, opened at start: a directory; or a file path, whose
 * directory is opened with that file selected; or, when start is NULL,
 * empty, relative or gone, the kind's default directory
 * (/var/lib/croft/iso for ISOs, /var/lib/croft/pools/default for images)
 * if it exists, else $HOME, else "/".  Never NULL; check picker_error().
 * Free with picker_free().
 */
struct picker *picker_new(enum picker_kind kind, const char *start);
void picker_free(struct picker *p);

/*
 * List dir (made canonical with realpath()) and select the entry named
 * select, if given and shown, else the first.  0, or -errno with
 * picker_error() naming the directory and the reason; on failure the
 * previous listing stays.
 */
int picker_open_dir(struct picker *p, const char *dir, const char *select);

/* Handle one key from getch()/wget_wch(); returns enum picker_result.  After
 * PICKER_PICKED, picker_chosen() holds the absolute path. */
int picker_key(struct picker *p, int ch);

void picker_set_show_all(struct picker *p, int on);
int picker_show_all(const struct picker *p);
enum picker_kind picker_get_kind(const struct picker *p);

/* The entries shown now, after filtering; borrowed, valid until the next
 * call that changes the picker. */
size_t picker_count(const struct picker *p);
const struct picker_entry *picker_entry_at(const struct picker *p, size_t i);
/* Index of the selected entry (0 when the list is empty). */
size_t picker_selected(const struct picker *p);
/* croftd's state directory (host.info): the default directories become
 * its "iso" directory and default pool (an ISO picker falls back to the
 * pool), where they exist, before the installed system's; NULL forgets
 * it. */
void picker_set_state_dir(const char *state_dir);
/*
 * croftd's pools and their volumes (the console reads them with pool.list
 * and vol.list before it opens a form): a picker of ISOs or disk images
 * with no start, or with a start that is a file in one of them, then
 * lists the pools instead of the file system, whose directories the
 * console's user may not be able to read.  Enter opens a pool (an ISO
 * picker starts in the first iso pool, an image picker in "default") and
 * chooses a volume (its path: the pool's directory and its name);
 * Backspace goes back to the pools; '/' types a host path as before.
 * picker_pools_clear() forgets them all.
 */
void picker_pools_clear(void);
void picker_pools_add(const char *name, const char *dir, int iso);
void picker_pools_add_volume(const char *pool, const char *name, int64_t size,
			     const char *used_by);
/* path is a volume of a pool as last read (the form takes it unread). */
int picker_pool_has(const char *path);
/* What the picker lists, for its heading: the directory, or the pools. */
const char *picker_heading(const struct picker *p);
/* The path being typed, or NULL; borrowed. */
const char *picker_typed(const struct picker *p);
/* The listed directory (absolute, canonical); borrowed. */
const char *picker_dir(const struct picker *p);
/* The last error, or NULL; borrowed. */
const char *picker_error(const struct picker *p);
/* The chosen file after PICKER_PICKED, else NULL; borrowed. */
const char *picker_chosen(const struct picker *p);

/* How many list rows the view shows (for PgUp/PgDn and scrolling), and the
 * first one shown.  picker_draw() sets the rows from the window's size. */
void picker_set_rows(struct picker *p, int rows);
size_t picker_top(const struct picker *p);

/*
 * Draw the picker as a centred box with ACS borders inside w (which may be
 * as small as 80x20): title, directory, the visible entries with sizes, the
 * filter or error line and the keys.  Records the list height with
 * picker_set_rows().
 */
void picker_draw(struct picker *p, WINDOW *w, const struct tui_theme *th);

#endif
