/*
 * Tests for core/vm_screen.c's pure parts: the layout the VGA registers
 * describe (80x25, 80x50, scrolled start, hidden cursor, graphics, VBE, a
 * start past video memory), the human monitor's port and memory-dump
 * replies, code page 437, the screen's JSON, and key names and text as
 * send-key combinations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/vm_screen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Mode 3 as SeaBIOS sets it: 80x25, 16-line characters, at 0xb8000. */
static void mode3(struct vm_screen_regs *g)
{
	memset(g, 0, sizeof(*g));
	g->misc = 0x67;
	g->gr06 = 0x0e;
	g->vbe_enable = 0;
	g->cr[0x01] = 79;
	g->cr[0x07] = 0x1f;     /* VDE bit 8 set, bit 9 clear */
	g->cr[0x09] = 0x4f;     /* 16 scan lines */
	g->cr[0x0a] = 0x0d;
	g->cr[0x12] = 0x8f;     /* VDE 0x18f = 399 */
	g->cr[0x13] = 40;
}

static void test_layout_mode3(void **state)
{
	struct vm_screen_regs g;
	struct vm_screen_layout l;

	(void)state;
	mode3(&g);
	g.cr[0x0e] = 0;
	g.cr[0x0f] = 2 * 80 + 5;           /* row 2, column 5 */
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	assert_int_equal(l.text, 1);
	assert_int_equal(l.cols, 80);
	assert_int_equal(l.rows, 25);
	assert_int_equal(l.stride, 80);
	assert_true(l.addr == 0xb8000);
	assert_int_equal(l.cells, 2000);
	assert_int_equal(l.cursor_row, 2);
	assert_int_equal(l.cursor_col, 5);

	/* hidden cursor */
	g.cr[0x0a] |= 0x20;
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	assert_int_equal(l.cursor_row, -1);
	assert_int_equal(l.cursor_col, -1);
}

static void test_layout_scrolled_and_50_rows(void **state)
{
	struct vm_screen_regs g;
	struct vm_screen_layout l;
	unsigned start = 1200, cur = start + 24 * 80 + 3;

	(void)state;
	mode3(&g);
	g.cr[0x0c] = start >> 8;
	g.cr[0x0d] = start & 0xff;
	g.cr[0x0e] = cur >> 8;
	g.cr[0x0f] = cur & 0xff;
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	assert_true(l.addr == 0xb8000 + 2 * start);
	assert_int_equal(l.cursor_row, 24);
	assert_int_equal(l.cursor_col, 3);
	/* a cursor above the start is not on the screen */
	g.cr[0x0e] = 0;
	g.cr[0x0f] = 10;
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	assert_int_equal(l.cursor_row, -1);

	/* 8-line characters: 50 rows */
	mode3(&g);
	g.cr[0x09] = 0x47;
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	assert_int_equal(l.rows, 50);
	assert_int_equal(l.cells, 4000);

	/* near the end of the 32 KiB window: only what is inside it */
	mode3(&g);
	start = 0x3e00;                    /* 0x7c00 bytes in: 1024 bytes left */
	g.cr[0x0c] = start >> 8;
	g.cr[0x0d] = start & 0xff;
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	assert_int_equal(l.cells, 512);
	start = 0x4000;                    /* past the window */
	g.cr[0x0c] = start >> 8;
	g.cr[0x0d] = 0;
	assert_int_equal(vm_screen_layout(&g, &l), -EINVAL);
	assert_int_equal(l.text, 0);
	assert_non_null(strstr(l.why, "outside video memory"));
}

static void test_layout_graphics(void **state)
{
	struct vm_screen_regs g;
	struct vm_screen_layout l;

	(void)state;
	mode3(&g);
	g.gr06 = 0x05;                     /* graphics, 0xa0000 */
	assert_int_equal(vm_screen_layout(&g, &l), -EINVAL);
	assert_string_equal(l.why, "a VGA graphics mode");
	mode3(&g);
	g.vbe_enable = 0x41;               /* VBE enabled, linear framebuffer */
	assert_int_equal(vm_screen_layout(&g, &l), -EINVAL);
	assert_string_equal(l.why, "a linear framebuffer (VBE) mode");
	mode3(&g);
	g.vbe_enable = 0xffff;             /* no VBE at all: GR06 decides */
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	mode3(&g);
	g.gr06 = 0xff;                     /* nothing answers the VGA ports */
	assert_int_equal(vm_screen_layout(&g, &l), -EINVAL);
	mode3(&g);
	g.cr[0x01] = 5;                    /* 6 columns: not a text mode to show */
	assert_int_equal(vm_screen_layout(&g, &l), -EINVAL);
	assert_string_equal(l.why, "a text mode of a shape croft cannot show");
}

static void test_parse_port(void **state)
{
	unsigned v = 0;

	(void)state;
	assert_int_equal(vm_screen_parse_port("portb[0x03d5] = 0x0c\r\n", &v), 0);
	assert_int_equal(v, 0x0c);
	assert_int_equal(vm_screen_parse_port("portw[0x01cf] = 0x0041\r\n", &v), 0);
	assert_int_equal(v, 0x41);
	assert_int_equal(vm_screen_parse_port("", &v), -EINVAL);
	assert_int_equal(vm_screen_parse_port(NULL, &v), -EINVAL);
	assert_int_equal(vm_screen_parse_port("unknown command: 'i'\r\n", &v), -EINVAL);
	assert_int_equal(vm_screen_parse_port("portb[0x03d5] = 0xzz\r\n", &v), -EINVAL);
	assert_int_equal(vm_screen_parse_port("portb[0x03d5] = 0x0c trailing\r\n", &v), -EINVAL);
}

static void test_parse_xp(void **state)
{
	uint16_t cells[8];

	(void)state;
	assert_int_equal(vm_screen_parse_xp("00000000000b8000: 0x0753 0x0765 0x0761\r\n"
					    "00000000000b8006: 0x0742\r\n", cells, 8), 4);
	assert_int_equal(cells[0], 0x0753);
	assert_int_equal(cells[3], 0x0742);
	/* more than asked for: only max kept */
	assert_int_equal(vm_screen_parse_xp("0: 0x1 0x2 0x3\n", cells, 2), 2);
	assert_int_equal(vm_screen_parse_xp("no colon here\n", cells, 8), -EINVAL);
	assert_int_equal(vm_screen_parse_xp("0: 0x1 garbage\n", cells, 8), -EINVAL);
	assert_int_equal(vm_screen_parse_xp("0: 0x12345\n", cells, 8), -EINVAL);
	assert_int_equal(vm_screen_parse_xp("", cells, 8), 0);
}

static void test_cp437(void **state)
{
	char b[4];

	(void)state;
	assert_int_equal(vm_screen_cp437('A', b), 1);
	assert_int_equal(b[0], 'A');
	assert_int_equal(vm_screen_cp437(0x00, b), 1);
	assert_int_equal(b[0], ' ');
	assert_int_equal(vm_screen_cp437(0xc4, b), 3);          /* ─ U+2500 */
	assert_memory_equal(b, "\xe2\x94\x80", 3);
	assert_int_equal(vm_screen_cp437(0xe9, b), 2);          /* Θ U+0398 */
	assert_memory_equal(b, "\xce\x98", 2);
	assert_int_equal(vm_screen_cp437(0x01, b), 3);          /* ☺ U+263A */
	assert_memory_equal(b, "\xe2\x98\xba", 3);
	assert_int_equal(vm_screen_cp437(0x82, b), 2);          /* é */
	assert_memory_equal(b, "\xc3\xa9", 2);
}

static void test_json(void **state)
{
	struct vm_screen_regs g;
	struct vm_screen_layout l;
	uint16_t cells[2000];
	json_t *j;
	size_t i;

	(void)state;
	mode3(&g);
	g.cr[0x0f] = 80 + 2;
	assert_int_equal(vm_screen_layout(&g, &l), 0);
	for (i = 0; i < 2000; i++)
		cells[i] = 0x0720;
	cells[0] = 0x0700 | 'h';
	cells[1] = 0x0700 | 'i';
	for (i = 80; i < 84; i++)              /* a highlighted menu entry */
		cells[i] = 0x7000 | 'x';
	cells[84] = 0x7020;
	j = vm_screen_json(&l, cells, 2000);
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "text");
	assert_int_equal(json_integer_value(json_object_get(j, "rows")), 25);
	assert_int_equal(json_array_size(json_object_get(j, "lines")), 25);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "lines"), 0)), "hi");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "lines"), 1)),
			    "xxxx");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "marks"), 0)), "");
	assert_memory_equal(json_string_value(json_array_get(json_object_get(j, "marks"), 1)),
			    "***** ", 6);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "cursor"), "row")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "cursor"), "col")), 2);
	json_decref(j);
	/* fewer cells than the screen (a short read): blanks */
	j = vm_screen_json(&l, cells, 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "lines"), 0)), "h");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "lines"), 1)), "");
	json_decref(j);
}

static void test_keys(void **state)
{
	char err[256];
	json_t *a, *arr;

	(void)state;
	a = vm_screen_combo_args("ctrl-alt-delete", err, sizeof(err));
	assert_non_null(a);
	arr = json_object_get(a, "keys");
	assert_int_equal(json_array_size(arr), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 2), "data")),
			    "delete");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "type")),
			    "qcode");
	json_decref(a);
	assert_null(vm_screen_combo_args("ctrl-nosuch", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown key 'nosuch' in 'ctrl-nosuch'"));
	assert_null(vm_screen_combo_args("", err, sizeof(err)));
	assert_null(vm_screen_combo_args("ctrl--a", err, sizeof(err)));
	assert_null(vm_screen_combo_args("a-a-a-a-a-a", err, sizeof(err)));

	arr = json_array();
	assert_int_equal(vm_screen_text_combos("Ab1 !\n_", arr, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(arr), 7);
	assert_string_equal(json_string_value(json_array_get(arr, 0)), "shift-a");
	assert_string_equal(json_string_value(json_array_get(arr, 1)), "b");
	assert_string_equal(json_string_value(json_array_get(arr, 2)), "1");
	assert_string_equal(json_string_value(json_array_get(arr, 3)), "spc");
	assert_string_equal(json_string_value(json_array_get(arr, 4)), "shift-1");
	assert_string_equal(json_string_value(json_array_get(arr, 5)), "ret");
	assert_string_equal(json_string_value(json_array_get(arr, 6)), "shift-minus");
	assert_int_equal(vm_screen_text_combos("ok\xc3\xa9", arr, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "character 3 of the text (byte 0xc3) has no key"));
	json_decref(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_mode3),
		cmocka_unit_test(test_layout_scrolled_and_50_rows),
		cmocka_unit_test(test_layout_graphics),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_xp),
		cmocka_unit_test(test_cp437),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
