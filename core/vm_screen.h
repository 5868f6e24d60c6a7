/*
 * A guest's screen as text, without a viewer (croft vm screen, the
 * console's V), and keystrokes sent to it (croft vm sendkey).
 *
 * Where the guest's VGA is in a text mode (BIOS, GRUB, text installers, a
 * Linux console on tty0), the characters and their attributes are in video
 * memory and the registers say where: the graphics controller's
 * miscellaneous register (GR06: text or graphics, and where the window on
 * video memory is), the CRT controller's registers (columns, rows, start
 * address, cursor) and the Bochs VBE enable bit (a linear framebuffer mode
 * is graphics whatever GR06 says).  QMP has no command for device
 * registers, so croftd reads them through the human monitor's port I/O
 * (`i`, `o`).  An index/data register pair must not change under the guest
 * between its own index write and data access, so the guest is stopped for
 * the reads (three round trips to QEMU, a few milliseconds; its STOP and
 * RESUME do not count as a pause of the VM) and every index register is put
 * back as it was.  The visible text is then read with `xp` (video memory
 * through the legacy window, which needs no stop).  A screen read less
 * than VM_SCREEN_CACHE_MS ago is answered again, so viewers cannot make
 * the guest stop more often than that.
 *
 * Characters are code page 437, given as UTF-8; a cell whose background is
 * not black is marked (the selected line of a boot menu).
 */
#ifndef CROFT_VM_SCREEN_H
#define CROFT_VM_SCREEN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define VM_SCREEN_CACHE_MS 200
#define VM_SCREEN_MAX_COLS 160
#define VM_SCREEN_MAX_ROWS 100
#define VM_SCREEN_TEXT_MAX 1024      /* characters of one sendkey --text */
#define VM_SCREEN_KEYS_MAX 64        /* key combinations in one sendkey */

/* What the registers said (vm_screen_decode's input). */
struct vm_screen_regs {
	unsigned misc;        /* miscellaneous output (0x3cc): bit 0, CRTC at 0x3d4 */
	unsigned gr06;        /* graphics controller 6 */
	unsigned vbe_enable;  /* Bochs VBE index 4; 0xffff when absent */
	unsigned cr[0x19];    /* CRT controller registers 0x00-0x18 */
};

struct vm_screen_layout {
	int text;             /* 1: a text mode; 0: graphics (or nothing) */
	unsigned cols, rows, stride;  /* stride: cells from one row to the next */
	uint64_t addr;        /* guest-physical address of the first cell */
	unsigned cells;       /* cells to read from addr */
	int cursor_row, cursor_col;   /* -1: hidden or off the screen */
	const char *why;      /* graphics: a short reason */
};

/* The layout the registers describe: 0, or -EINVAL when they make no
 * sense for text (l->text 0 and l->why set). */
int vm_screen_layout(const struct vm_screen_regs *regs, struct vm_screen_layout *l);

/* The value of a human monitor `i` reply ("portb[0x03d5] = 0x0c"): 0, or
 * -EINVAL. */
int vm_screen_parse_port(const char *reply, unsigned *val);
/* The 16-bit cells of an `xp /Nhx ADDR` reply into cells (at most max):
 * how many, or -EINVAL when a line is not of that shape. */
int vm_screen_parse_xp(const char *reply, uint16_t *cells, size_t max);
/* The screen as JSON: {mode:"text", cols, rows, cursor:{row,col,visible},
 * lines:[UTF-8], marks:[" *" per cell: '*' where the background is not
 * black]}.  cells holds l->cells cells. */
json_t *vm_screen_json(const struct vm_screen_layout *l, const uint16_t *cells, size_t n);
/* Code page 437 as UTF-8 (into out, at least 4 bytes): its length. */
size_t vm_screen_cp437(uint8_t c, char *out);

/* Key combinations ("ctrl-alt-delete", "ret", "shift-a") as QMP send-key
 * arguments: {keys:[{type:qcode,data:...}...]}; NULL with err naming the
 * unknown key. */
json_t *vm_screen_combo_args(const char *combo, char *err, size_t errlen);
/* The combinations that type text on a US keyboard ("A" is "shift-a",
 * "\n" is "ret"), appended to out (an array): 0, or -EINVAL with err
 * naming a character that has no key. */
int vm_screen_text_combos(const char *text, json_t *out, char *err, size_t errlen);

/* rc 0 with the screen (borrowed), or a PROTO_E_* code and message. */
typedef void (*vm_screen_cb)(struct vm *vm, const char *code, const char *msg,
			     json_t *screen, void *data);
/* Read the screen.  0 when under way (cb runs later, or at once from the
 * cache), or -errno with *code and err set and cb not called. */
int vm_screen_read(struct vm *vm, vm_screen_cb cb, void *data, const char **code, char *err,
		   size_t errlen);
/* The STOP or RESUME just seen is a screen read's own: 1 (ignore it). */
int vm_screen_owns_pause(const struct vm *vm);
/* Send each combination in turn.  cb gets NULL code when QEMU took them
 * all.  0, or -errno with *code and err. */
int vm_screen_send(struct vm *vm, json_t *combos, vm_screen_cb cb, void *data,
		   const char **code, char *err, size_t errlen);
/* The VM's QEMU went away: answer whoever waits and forget the cache. */
void vm_screen_stop(struct vm *vm);

#endif
