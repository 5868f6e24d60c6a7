/*
 * A guest's VGA text screen and keystrokes (vm_screen.h).  A read runs in
 * up to four steps on the VM's QMP connection, each sent whole and the
 * next one started when its last reply came:
 *   stop      only when the guest runs (not when the user paused it);
 *   save      read the index registers (GR, both CRTC ports, VBE) and the
 *             miscellaneous output register;
 *   regs      select and read GR06, the CRTC registers and VBE enable,
 *             putting every index back as it was;
 *   text      `xp` of the visible cells (text modes), then cont when this
 *             read stopped the guest and nobody asked for a pause meanwhile.
 * A failed step still ends with cont.  Readers that come while a read is
 * under way wait for it.
 */
#include "core/vm_screen.h"
#include "core/vm.h"
#include "core/daemon.h"
#include "core/qmp.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- decoding (pure) ---------------------------------------------------------- */

int vm_screen_layout(const struct vm_screen_regs *g, struct vm_screen_layout *l)
{
	unsigned map = (g->gr06 >> 2) & 3, cheight, vde, start, cursor, pos;
	static const uint64_t base[4] = { 0xa0000, 0xa0000, 0xb0000, 0xb8000 };
	static const unsigned window[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };

	memset(l, 0, sizeof(*l));
	l->cursor_row = l->cursor_col = -1;
	if (g->vbe_enable != 0xffff && (g->vbe_enable & 1)) {
		l->why = "a linear framebuffer (VBE) mode";
		return -EINVAL;
	}
	if (g->gr06 > 0xff || (g->gr06 & 1)) {
		l->why = "a VGA graphics mode";
		return -EINVAL;
	}
	cheight = (g->cr[0x09] & 0x1f) + 1;
	vde = g->cr[0x12] | ((g->cr[0x07] & 0x02) << 7) | ((g->cr[0x07] & 0x40) << 3);
	l->cols = g->cr[0x01] + 1;
	l->rows = (vde + 1) / cheight;
	if (g->cr[0x09] & 0x80)         /* double scan: every line twice */
		l->rows /= 2;
	l->stride = g->cr[0x13] ? g->cr[0x13] * 2 : l->cols;
	if (l->cols < 20 || l->cols > VM_SCREEN_MAX_COLS || l->rows < 1 ||
	    l->rows > VM_SCREEN_MAX_ROWS || l->stride < l->cols) {
		l->why = "a text mode of a shape croft cannot show";
		return -EINVAL;
	}
	start = (g->cr[0x0c] << 8) | g->cr[0x0d];
	l->addr = base[map] + 2 * (uint64_t)start;
	l->cells = (l->rows - 1) * l->stride + l->cols;
	if (2 * (uint64_t)start + 2 * (uint64_t)l->cells > window[map]) {
		/* past the window's end: the rows that are inside it */
		if (2 * (uint64_t)start >= window[map]) {
			l->why = "a text mode whose start is outside video memory";
			return -EINVAL;
		}
		l->cells = (unsigned)((window[map] - 2 * (uint64_t)start) / 2);
	}
	cursor = (g->cr[0x0e] << 8) | g->cr[0x0f];
	if (!(g->cr[0x0a] & 0x20) && cursor >= start) {
		pos = cursor - start;
		if (pos / l->stride < l->rows && pos % l->stride < l->cols) {
			l->cursor_row = (int)(pos / l->stride);
			l->cursor_col = (int)(pos % l->stride);
		}
	}
	l->text = 1;
	return 0;
}

int vm_screen_parse_port(const char *reply, unsigned *val)
{
	const char *eq = reply ? strstr(reply, "] = 0x") : NULL;
	char *end;
	unsigned long v;

	if (!eq || strncmp(reply, "port", 4))
		return -EINVAL;
	errno = 0;
	v = strtoul(eq + 6, &end, 16);
	if (errno || end == eq + 6 || v > 0xffffffffUL)
		return -EINVAL;
	while (*end == '\r' || *end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*val = (unsigned)v;
	return 0;
}

int vm_screen_parse_xp(const char *reply, uint16_t *cells, size_t max)
{
	const char *p = reply;
	size_t n = 0;

	while (*p) {
		const char *colon = strchr(p, ':'), *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if (!colon || colon > eol)
			return -EINVAL;
		for (p = colon + 1; p < eol;) {
			char *end;
			unsigned long v;

			while (p < eol && (*p == ' ' || *p == '\r'))
				p++;
			if (p >= eol)
				break;
			if (strncmp(p, "0x", 2))
				return -EINVAL;
			v = strtoul(p + 2, &end, 16);
			if (end == p + 2 || end > eol || v > 0xffff)
				return -EINVAL;
			if (n < max)
				cells[n] = (uint16_t)v;
			n++;
			p = end;
		}
		p = *eol ? eol + 1 : eol;
	}
	return n > max ? (int)max : (int)n;
}

/* Code page 437's upper half and its control-character glyphs. */
static const uint16_t cp437_high[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
	0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
	0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
	0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
	0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
	0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
	0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
	0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
	0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
	0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
	0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
	0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};
static const uint16_t cp437_low[32] = {
	0x0020, 0x263a, 0x263b, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
	0x25d8, 0x25cb, 0x25d9, 0x2642, 0x2640, 0x266a, 0x266b, 0x263c,
	0x25ba, 0x25c4, 0x2195, 0x203c, 0x00b6, 0x00a7, 0x25ac, 0x21a8,
	0x2191, 0x2193, 0x2192, 0x2190, 0x221f, 0x2194, 0x25b2, 0x25bc,
};

size_t vm_screen_cp437(uint8_t c, char *out)
{
	unsigned u = c < 0x20 ? cp437_low[c] : c < 0x7f ? c : c == 0x7f ? 0x2302
		     : cp437_high[c - 0x80];

	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (u >> 12));
	out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
	out[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

json_t *vm_screen_json(const struct vm_screen_layout *l, const uint16_t *cells, size_t n)
{
	json_t *lines = json_array(), *marks = json_array();
	char *line = xmalloc(3 * VM_SCREEN_MAX_COLS + 1), mark[VM_SCREEN_MAX_COLS + 1];
	unsigned r, col;

	for (r = 0; r < l->rows; r++) {
		size_t len = 0, keep = 0;
		int any = 0;

		for (col = 0; col < l->cols; col++) {
			size_t i = (size_t)r * l->stride + col;
			uint16_t cell = i < n ? cells[i] : 0x0720;

			len += vm_screen_cp437((uint8_t)(cell & 0xff), line + len);
			if ((cell & 0xff) != ' ' && (cell & 0xff) != 0)
				keep = len;
			mark[col] = (cell >> 12) & 7 ? '*' : ' ';
			any |= mark[col] == '*';
		}
		line[keep] = '\0';       /* trailing blanks are not kept */
		mark[any ? l->cols : 0] = '\0';
		json_array_append_new(lines, json_string(line));
		json_array_append_new(marks, json_string(mark));
	}
	free(line);
	return json_pack("{s:s,s:i,s:i,s:{s:i,s:i,s:b},s:o,s:o}", "mode", "text",
			 "cols", (int)l->cols, "rows", (int)l->rows, "cursor",
			 "row", l->cursor_row, "col", l->cursor_col, "visible",
			 l->cursor_row >= 0, "lines", lines, "marks", marks);
}

/* --- keys (pure) -------------------------------------------------------------- */

/* QEMU's QKeyCode names that a user may send. */
static const char *const qcodes[] = {
	"shift", "shift_r", "alt", "alt_r", "ctrl", "ctrl_r", "meta_l", "meta_r", "menu",
	"esc", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "minus", "equal",
	"backspace", "tab", "q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "bracket_left",
	"bracket_right", "ret", "a", "s", "d", "f", "g", "h", "j", "k", "l", "semicolon",
	"apostrophe", "grave_accent", "backslash", "z", "x", "c", "v", "b", "n", "m", "comma",
	"dot", "slash", "asterisk", "spc", "caps_lock", "f1", "f2", "f3", "f4", "f5", "f6", "f7",
	"f8", "f9", "f10", "f11", "f12", "num_lock", "scroll_lock", "kp_divide", "kp_multiply",
	"kp_subtract", "kp_add", "kp_enter", "kp_decimal", "sysrq", "kp_0", "kp_1", "kp_2",
	"kp_3", "kp_4", "kp_5", "kp_6", "kp_7", "kp_8", "kp_9", "less", "home", "pgup", "pgdn",
	"end", "left", "up", "down", "right", "insert", "delete", "print", "pause",
};

static int qcode_known(const char *k, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(qcodes) / sizeof(qcodes[0]); i++)
		if (strlen(qcodes[i]) == len && !strncmp(qcodes[i], k, len))
			return 1;
	return 0;
}

json_t *vm_screen_combo_args(const char *combo, char *err, size_t errlen)
{
	json_t *keys = json_array();
	const char *p = combo;

	if (!*combo || strlen(combo) > 64) {
		err_set(err, errlen, "a key must be 1 to 64 characters, like ret or ctrl-alt-delete");
		json_decref(keys);
		return NULL;
	}
	for (;;) {
		const char *dash = strchr(p, '-');
		size_t len = dash ? (size_t)(dash - p) : strlen(p);

		if (!qcode_known(p, len) || json_array_size(keys) >= 5) {
			err_set(err, errlen, "unknown key '%.*s' in '%s'; keys are QEMU's names "
				"such as ret, esc, spc, tab, up, f1, a, shift-a, ctrl-alt-delete",
				(int)len, p, combo);
			json_decref(keys);
			return NULL;
		}
		json_array_append_new(keys, json_pack("{s:s,s:s%}", "type", "qcode", "data", p,
						      len));
		if (!dash)
			break;
		p = dash + 1;
	}
	return json_pack("{s:o}", "keys", keys);
}

int vm_screen_text_combos(const char *text, json_t *out, char *err, size_t errlen)
{
	static const char plain[] = "-=[]\\;'`,./ ";
	static const char *const plain_k[] = { "minus", "equal", "bracket_left",
		"bracket_right", "backslash", "semicolon", "apostrophe", "grave_accent",
		"comma", "dot", "slash", "spc" };
	static const char shifted[] = "_+{}|:\"~<>?!@#$%^&*()";
	static const char *const shifted_k[] = { "minus", "equal", "bracket_left",
		"bracket_right", "backslash", "semicolon", "apostrophe", "grave_accent",
		"comma", "dot", "slash", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0" };
	const unsigned char *p;
	char combo[32];

	for (p = (const unsigned char *)text; *p; p++) {
		const char *s;

		if (*p >= 'a' && *p <= 'z')
			snprintf(combo, sizeof(combo), "%c", *p);
		else if (*p >= 'A' && *p <= 'Z')
			snprintf(combo, sizeof(combo), "shift-%c", tolower(*p));
		else if (*p >= '0' && *p <= '9')
			snprintf(combo, sizeof(combo), "%c", *p);
		else if (*p == '\n' || *p == '\r')
			snprintf(combo, sizeof(combo), "ret");
		else if (*p == '\t')
			snprintf(combo, sizeof(combo), "tab");
		else if (*p && (s = strchr(plain, *p)))
			snprintf(combo, sizeof(combo), "%s", plain_k[s - plain]);
		else if (*p && (s = strchr(shifted, *p)))
			snprintf(combo, sizeof(combo), "shift-%s", shifted_k[s - shifted]);
		else {
			err_set(err, errlen, "character %zu of the text (byte 0x%02x) has no key "
				"on a US keyboard", (size_t)(p - (const unsigned char *)text) + 1,
				*p);
			return -EINVAL;
		}
		json_array_append_new(out, json_string(combo));
	}
	return 0;
}

/* --- reading it --------------------------------------------------------------- */

enum step { STEP_STOP, STEP_SAVE, STEP_REGS, STEP_TEXT, STEP_DONE };

/* Where a reply goes. */
enum slot { SLOT_NONE, SLOT_MISC, SLOT_GR_IDX, SLOT_CR_IDX_D, SLOT_CR_IDX_B, SLOT_VBE_IDX,
	    SLOT_GR06, SLOT_VBE, SLOT_XP, SLOT_CR0 };

struct screen_waiter {
	vm_screen_cb cb;
	void *data;
	struct screen_waiter *next;
};

struct vm_screen_state {
	struct vm *vm;               /* NULL once the VM let go (orphan) */
	enum step step;
	unsigned pending;            /* replies awaited in this step */
	int stopped;                 /* this read stopped the guest: cont due */
	int peek;                    /* STOP/RESUME events now are this read's */
	int failed;
	char err[256];
	const char *code;
	struct vm_screen_regs regs;
	unsigned saved_gr, saved_cr_d, saved_cr_b, saved_vbe;
	struct vm_screen_layout layout;
	uint16_t *cells;
	int ncells;
	struct screen_waiter *waiters;
	json_t *cache;               /* the last screen */
	uint64_t cache_ms;
};

struct screen_cmd {
	struct vm_screen_state *st;
	int slot;
};

static const unsigned crtc_regs[] = { 0x01, 0x07, 0x09, 0x0a, 0x0c, 0x0d, 0x0e, 0x0f, 0x12,
				      0x13 };

static void step_next(struct vm_screen_state *st);

static void fail(struct vm_screen_state *st, const char *code, const char *fmt, const char *what)
{
	if (st->failed)
		return;
	st->failed = 1;
	st->code = code;
	snprintf(st->err, sizeof(st->err), fmt, what);
}

static void cmd_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct screen_cmd *c = data;
	struct vm_screen_state *st = c->st;
	const char *text;
	unsigned v;

	(void)q;
	if (!m) {
		fail(st, PROTO_E_QEMU, "%s", "QEMU went away while the screen was read");
	} else if (m->type == QMP_MSG_ERROR) {
		fail(st, PROTO_E_QEMU, "QEMU refused to read the screen: %s",
		     m->err_desc ? m->err_desc : "no reason given");
	} else if (c->slot != SLOT_NONE) {
		text = json_string_value(m->ret);
		if (c->slot == SLOT_XP) {
			free(st->cells);
			st->cells = xcalloc(st->layout.cells ? st->layout.cells : 1, sizeof(uint16_t));
			st->ncells = text ? vm_screen_parse_xp(text, st->cells, st->layout.cells) : -1;
			if (st->ncells < 0)
				fail(st, PROTO_E_QEMU, "%s", "QEMU's memory dump of the screen is "
				     "not in the expected shape");
		} else if (!text || vm_screen_parse_port(text, &v) < 0) {
			fail(st, PROTO_E_QEMU, "%s", "QEMU's port read is not in the expected shape");
		} else {
			switch (c->slot) {
			case SLOT_MISC: st->regs.misc = v; break;
			case SLOT_GR_IDX: st->saved_gr = v; break;
			case SLOT_CR_IDX_D: st->saved_cr_d = v; break;
			case SLOT_CR_IDX_B: st->saved_cr_b = v; break;
			case SLOT_VBE_IDX: st->saved_vbe = v; break;
			case SLOT_GR06: st->regs.gr06 = v; break;
			case SLOT_VBE: st->regs.vbe_enable = v; break;
			default:
				if (c->slot >= SLOT_CR0 && c->slot < SLOT_CR0 + 0x19)
					st->regs.cr[c->slot - SLOT_CR0] = v;
			}
		}
	}
	free(c);
	if (--st->pending == 0)
		step_next(st);
}

/* Queue one command; a failure to queue counts as a failed reply. */
static void send_cmd(struct vm_screen_state *st, const char *cmd, json_t *args, int slot)
{
	struct screen_cmd *c = xcalloc(1, sizeof(*c));

	c->st = st;
	c->slot = slot;
	st->pending++;
	if (!st->vm || !st->vm->qmp ||
	    qmp_command(st->vm->qmp, cmd, args, cmd_reply, c) < 0) {
		fail(st, PROTO_E_QEMU, "%s", "cannot talk to QEMU");
		free(c);
		st->pending--;
	}
}

static void hmp(struct vm_screen_state *st, int slot, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void hmp(struct vm_screen_state *st, int slot, const char *fmt, ...)
{
	char line[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	send_cmd(st, "human-monitor-command", json_pack("{s:s}", "command-line", line), slot);
}

static void answer(struct vm_screen_state *st, json_t *screen)
{
	struct screen_waiter *w = st->waiters;

	st->waiters = NULL;
	while (w) {
		struct screen_waiter *next = w->next;

		w->cb(st->vm, screen ? NULL : st->code, screen ? NULL : st->err, screen, w->data);
		free(w);
		w = next;
	}
}

static void finish(struct vm_screen_state *st)
{
	json_t *screen = NULL;
	char why[160];

	st->step = STEP_DONE;
	st->peek = 0;
	if (!st->failed && st->layout.text) {
		screen = vm_screen_json(&st->layout, st->cells, (size_t)st->ncells);
	} else if (!st->failed) {
		snprintf(why, sizeof(why), "the screen is in %s: use croft vm display and a VNC "
			 "viewer", st->layout.why ? st->layout.why : "a graphics mode");
		screen = json_pack("{s:s,s:s}", "mode", "graphics", "message", why);
	}
	free(st->cells);
	st->cells = NULL;
	if (screen) {
		json_decref(st->cache);
		st->cache = screen;
		st->cache_ms = loop_now_ms();
	}
	if (st->vm)
		answer(st, screen);
	if (!st->vm) {
		json_decref(st->cache);
		free(st);
	}
}

/* Send cont when this read stopped the guest and nobody meanwhile asked
 * for a pause (the user's stop would otherwise be undone). */
static int resume_guest(struct vm_screen_state *st)
{
	if (!st->stopped)
		return 0;
	st->stopped = 0;
	if (!st->vm || st->vm->user_action || st->vm->state != VM_RUNNING)
		return 0;
	send_cmd(st, "cont", NULL, SLOT_NONE);
	return 1;
}

static void step_next(struct vm_screen_state *st)
{
	unsigned crtc, i;

	if (st->step == STEP_STOP && !st->failed) {
		st->step = STEP_SAVE;
		hmp(st, SLOT_MISC, "i /b 0x3cc");
		hmp(st, SLOT_GR_IDX, "i /b 0x3ce");
		hmp(st, SLOT_CR_IDX_D, "i /b 0x3d4");
		hmp(st, SLOT_CR_IDX_B, "i /b 0x3b4");
		hmp(st, SLOT_VBE_IDX, "i /h 0x1ce");
	} else if (st->step == STEP_SAVE && !st->failed) {
		st->step = STEP_REGS;
		crtc = st->regs.misc & 1 ? 0x3d4 : 0x3b4;
		hmp(st, SLOT_NONE, "o /b 0x3ce 0x06");
		hmp(st, SLOT_GR06, "i /b 0x3cf");
		hmp(st, SLOT_NONE, "o /b 0x3ce 0x%02x", st->saved_gr & 0xff);
		for (i = 0; i < sizeof(crtc_regs) / sizeof(crtc_regs[0]); i++) {
			hmp(st, SLOT_NONE, "o /b 0x%x 0x%02x", crtc, crtc_regs[i]);
			hmp(st, SLOT_CR0 + (int)crtc_regs[i], "i /b 0x%x", crtc + 1);
		}
		hmp(st, SLOT_NONE, "o /b 0x%x 0x%02x", crtc,
		    (crtc == 0x3d4 ? st->saved_cr_d : st->saved_cr_b) & 0xff);
		hmp(st, SLOT_NONE, "o /h 0x1ce 0x4");
		hmp(st, SLOT_VBE, "i /h 0x1cf");
		hmp(st, SLOT_NONE, "o /h 0x1ce 0x%04x", st->saved_vbe & 0xffff);
	} else if (st->step == STEP_REGS && !st->failed) {
		st->step = STEP_TEXT;
		if (vm_screen_layout(&st->regs, &st->layout) == 0)
			hmp(st, SLOT_XP, "xp /%uhx 0x%" PRIx64, st->layout.cells, st->layout.addr);
		resume_guest(st);
	} else if (st->step != STEP_TEXT && resume_guest(st)) {
		/* failed half-way: cont first, then answer */
		st->step = STEP_TEXT;
	} else {
		finish(st);
		return;
	}
	if (!st->pending)
		step_next(st);
}

int vm_screen_owns_pause(const struct vm *vm)
{
	return vm->screen && vm->screen->peek;
}

int vm_screen_read(struct vm *vm, vm_screen_cb cb, void *data, const char **code, char *err,
		   size_t errlen)
{
	struct vm_screen_state *st;
	struct screen_waiter *w;
	const char *disp = vm->spec.display ? vm->spec.display : "std";

	if (vm->state != VM_RUNNING && vm->state != VM_PAUSED) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is %s; its screen exists only while it runs",
			vm->spec.name, vm_state_name(vm->state));
		return -EINVAL;
	}
	if (!strcmp(disp, "none")) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' has no display (--display none); its serial "
			"console is croft vm console", vm->spec.name);
		return -EINVAL;
	}
	if (!vm->qmp || !qmp_is_ready(vm->qmp)) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is not connected to croftd yet; try again",
			vm->spec.name);
		return -EAGAIN;
	}
	if (!vm->screen) {
		vm->screen = xcalloc(1, sizeof(*vm->screen));
		vm->screen->vm = vm;
		vm->screen->step = STEP_DONE;
	}
	st = vm->screen;
	if (st->step == STEP_DONE && st->cache &&
	    loop_now_ms() - st->cache_ms < VM_SCREEN_CACHE_MS) {
		cb(vm, NULL, NULL, st->cache, data);
		return 0;
	}
	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->data = data;
	w->next = st->waiters;
	st->waiters = w;
	if (st->step != STEP_DONE)
		return 0;                /* it joins the read under way */
	st->failed = 0;
	st->code = NULL;
	st->err[0] = '\0';
	memset(&st->regs, 0, sizeof(st->regs));
	memset(&st->layout, 0, sizeof(st->layout));
	st->step = STEP_STOP;
	if (vm->state == VM_RUNNING && !vm->user_action) {
		st->stopped = st->peek = 1;
		send_cmd(st, "stop", NULL, SLOT_NONE);
	}
	if (!st->pending)
		step_next(st);
	return 0;
}

/* --- keys --------------------------------------------------------------------- */

struct send_call {
	struct vm *vm;
	json_t *combos;
	size_t next;
	vm_screen_cb cb;
	void *data;
};

static void send_reply(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct send_call *s = data;
	char err[160];
	json_t *args;

	(void)q;
	if (!m || m->type == QMP_MSG_ERROR) {
		snprintf(err, sizeof(err), "QEMU did not take key '%s': %s",
			 json_string_value(json_array_get(s->combos, s->next - 1)),
			 !m ? "QEMU went away" : m->err_desc ? m->err_desc : "refused");
		s->cb(s->vm, PROTO_E_QEMU, err, NULL, s->data);
	} else if (s->next < json_array_size(s->combos)) {
		args = vm_screen_combo_args(json_string_value(json_array_get(s->combos, s->next++)),
					    err, sizeof(err));
		if (args && s->vm->qmp &&
		    qmp_command(s->vm->qmp, "send-key", args, send_reply, s) == 0)
			return;
		s->cb(s->vm, PROTO_E_QEMU, args ? "cannot talk to QEMU" : err, NULL, s->data);
	} else {
		s->cb(s->vm, NULL, NULL, NULL, s->data);
	}
	json_decref(s->combos);
	free(s);
}

int vm_screen_send(struct vm *vm, json_t *combos, vm_screen_cb cb, void *data,
		   const char **code, char *err, size_t errlen)
{
	struct send_call *s;
	json_t *args;
	size_t i;

	if (vm->state != VM_RUNNING) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is %s; keys reach only a running guest",
			vm->spec.name, vm_state_name(vm->state));
		return -EINVAL;
	}
	if (!json_array_size(combos) || json_array_size(combos) > VM_SCREEN_TEXT_MAX) {
		*code = PROTO_E_INVALID_ARGUMENT;
		err_set(err, errlen, "between 1 and %d keys at a time, not %zu", VM_SCREEN_TEXT_MAX,
			json_array_size(combos));
		return -EINVAL;
	}
	for (i = 0; i < json_array_size(combos); i++) {
		const char *k = json_string_value(json_array_get(combos, i));

		args = k ? vm_screen_combo_args(k, err, errlen) : NULL;
		if (!args) {
			*code = PROTO_E_INVALID_ARGUMENT;
			if (!k)
				err_set(err, errlen, "keys must be strings");
			return -EINVAL;
		}
		json_decref(args);
	}
	if (!vm->qmp || !qmp_is_ready(vm->qmp)) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "VM '%s' is not connected to croftd yet; try again",
			vm->spec.name);
		return -EAGAIN;
	}
	s = xcalloc(1, sizeof(*s));
	s->vm = vm;
	s->combos = json_incref(combos);
	s->cb = cb;
	s->data = data;
	args = vm_screen_combo_args(json_string_value(json_array_get(combos, 0)), err, errlen);
	s->next = 1;
	if (qmp_command(vm->qmp, "send-key", args, send_reply, s) < 0) {
		json_decref(s->combos);
		free(s);
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "cannot talk to QEMU");
		return -ENOTCONN;
	}
	return 0;
}

void vm_screen_stop(struct vm *vm)
{
	struct vm_screen_state *st = vm->screen;

	if (!st)
		return;
	vm->screen = NULL;
	fail(st, PROTO_E_INVALID_STATE, "%s", "the VM stopped while its screen was read");
	answer(st, NULL);
	st->vm = NULL;
	st->stopped = st->peek = 0;
	if (st->step == STEP_DONE || !st->pending) {
		free(st->cells);
		json_decref(st->cache);
		free(st);
	}
}
