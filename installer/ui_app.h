/*
 * The attended installer's screens, shared by ui_screens.c (the list
 * screens, the summary, the install and the frame around them),
 * ui_forms.c (the screens that are forms: hostname, address, login) and
 * ui_main.c (the program: the terminal, the main loop).
 *
 * Screens go in order; Enter (or the form's submit) goes to the next, Esc
 * to the one before.  Each screen takes its answers from struct ui_answers
 * when it opens and writes them back when the user goes on, so going back
 * and forth keeps what was typed.  Nothing is written until the summary's
 * confirmation; then the answer file goes to croft-install (ui_engine.h).
 */
#ifndef CROFT_INSTALLER_UI_APP_H
#define CROFT_INSTALLER_UI_APP_H

#include <curses.h>

#include "installer/ui.h"
#include "installer/ui_engine.h"
#include "tui/form.h"
#include "tui/panel.h"
#include "tui/tui_theme.h"

enum ui_screen {
	UI_WELCOME, UI_DISK, UI_LAYOUT, UI_HOSTNAME, UI_NIC, UI_ADDRESS, UI_LOGIN,
	UI_TIMEZONE, UI_SUMMARY, UI_INSTALL, UI_NSCREENS
};

struct ui_row {
	char key[64];           /* a disk's, NIC's or zone's name */
	int idx;                /* the disk's or NIC's index */
};

struct ui_app {
	struct tui_theme th;
	const char *engine;         /* croft-install's path */
	const char *sysfs;          /* CROFT_SYSFS_ROOT, or NULL */
	const char *zoneinfo;
	const char *save_answer;    /* --save-answer FILE, or NULL */
	const char *source;         /* --source DIR for croft-install, or NULL */
	int dry_run;
	enum ui_screen screen;
	struct ui_answers ans;
	struct ui_disk *disks;
	size_t ndisks;
	struct ui_nic *nics;
	size_t nnics;
	char list_err[512];         /* why the disks or NICs could not be listed */
	struct panel disk_panel, nic_panel, zone_panel, log_panel;
	char zone_filter[40];
	struct form *form;          /* the open form screen's form */
	char msg[640];              /* the screen's error line, or "" */
	int confirm;                /* the summary's erase question is open */
	struct ui_engine eng;
	int attempts;               /* installs started */
	char preload[ANSWER_MAX_ERRORS][ANSWER_ERR_MAX];   /* --answer FILE's problems */
	size_t npreload;
	struct answer *preloaded;   /* until its disk and NIC are chosen */
	int quit;
	int reboot;                 /* quit, then reboot */
};

/* ui_screens.c */
void ui_app_init(struct ui_app *a);
void ui_app_free(struct ui_app *a);
/* Ask croft-install for the disks and NICs again. */
void ui_app_rescan(struct ui_app *a);
void ui_go(struct ui_app *a, enum ui_screen s);
void ui_draw(struct ui_app *a);
void ui_key(struct ui_app *a, int ch);

/* ui_forms.c: the form of a form screen, filled from the answers; and
 * the answers taken back from a submitted form (0, or -EINVAL with
 * a->msg set). */
struct form *ui_form_open(struct ui_app *a, enum ui_screen s);
int ui_form_take(struct ui_app *a, enum ui_screen s);

#endif
