/*
 * Tests for the Storage screen's models (tui/console_storage.h): pool
 * objects parsed (pool.list without volumes, pool.info with them, a pool
 * croftd cannot read), the three meters against the capacity, the
 * forecast the table shows, the lines under the meters with their
 * severity (80 % / 95 % used, overcommitted, full with paused guests
 * from pool.info's list or the VM model, and what to do), the tables'
 * cells and order, what a delete says will be lost, and the forms: their
 * checks in croftd's words (names, sizes, grow only), their args and the
 * host memory form that sends only what changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"

#include "tests/unit/testlib_tui.h"
#include "tui/console_storage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB (1LL << 30)

static void parse(struct cpool *p, const char *text)
{
	json_t *j = tl_json(text);

	assert_int_equal(cpool_parse(p, j), 0);
	json_decref(j);
}

/* 100G, 85G used, 30G held by 2 volumes promising 120G, filling up. */
static const char *INFO =
	"{\"name\":\"fast\",\"dir\":\"/srv/fast\",\"content\":\"images\",\"builtin\":false,"
	" \"available\":true,\"capacity_bytes\":107374182400,\"free_bytes\":16106127360,"
	" \"allocated_bytes\":32212254720,\"promised_bytes\":128849018880,\"overcommit\":1.2,"
	" \"used_pct\":85.0,\"volumes\":2,\"level\":\"warning\","
	" \"forecast\":{\"day\":{\"known\":true,\"growth_bytes_per_day\":1e9,\"days_to_full\":12.4,"
	"   \"text\":\"full in ~12 days\"},\"week\":{\"known\":true,\"growth_bytes_per_day\":5e8,"
	"   \"days_to_full\":30.0,\"text\":\"full in ~30 days\"}},"
	" \"volume_list\":[{\"name\":\"web\",\"format\":\"qcow2\",\"virtual_bytes\":107374182400,"
	"   \"allocated_bytes\":21474836480,\"backing\":\"/srv/fast/base\",\"used_by\":\"web\"},"
	"  {\"name\":\"db\",\"format\":\"raw\",\"virtual_bytes\":21474836480,"
	"   \"allocated_bytes\":10737418240,\"backing\":null,\"used_by\":null}]}";

static void test_parse_info(void **state)
{
	struct cpool p;
	struct cvol *rows;
	char buf[64];

	(void)state;
	parse(&p, INFO);
	assert_string_equal(p.name, "fast");
	assert_string_equal(p.dir, "/srv/fast");
	assert_true(p.available);
	assert_int_equal(p.capacity, 100 * GIB);
	assert_int_equal(p.promised, 120 * GIB);
	assert_true(p.has_vols);
	assert_int_equal(p.nvols, 2);
	assert_string_equal(p.vols[0].used_by, "web");
	assert_string_equal(p.vols[1].backing, "");
	assert_string_equal(cpool_forecast(&p), "full in ~12 days");
	rows = cpool_vol_rows(&p);
	assert_string_equal(rows[1].name, "db");
	assert_string_equal(ctable_cell(&cvol_cols[1], &rows[0], buf, sizeof(buf)), "100G");
	assert_string_equal(ctable_cell(&cvol_cols[5], &rows[0], buf, sizeof(buf)), "base");
	assert_string_equal(ctable_cell(&cvol_cols[5], &rows[1], buf, sizeof(buf)), "-");
	assert_string_equal(ctable_cell(&cvol_cols[4], &rows[1], buf, sizeof(buf)), "-");
	free(rows);
	/* the table's cells: used %, overcommitted promise marked */
	assert_string_equal(ctable_cell(&cpool_cols[2], &p, buf, sizeof(buf)), "85%");
	assert_string_equal(ctable_cell(&cpool_cols[4], &p, buf, sizeof(buf)), "120G!");
	assert_string_equal(ctable_cell(&cpool_cols[6], &p, buf, sizeof(buf)), "full in ~12 days");
	cpool_free(&p);
	/* a name is needed */
	{
		json_t *j = tl_json("{\"dir\":\"/x\"}");

		assert_int_equal(cpool_parse(&p, j), -EINVAL);
		json_decref(j);
	}
}

static void test_forecast_choice(void **state)
{
	struct cpool p;

	(void)state;
	/* the week fills sooner: its words */
	parse(&p, "{\"name\":\"a\",\"forecast\":{\"day\":{\"known\":true,\"days_to_full\":null,"
		  "\"text\":\"not growing\"},\"week\":{\"known\":true,\"days_to_full\":3.0,"
		  "\"text\":\"full in ~3 days\"}}}");
	assert_string_equal(cpool_forecast(&p), "full in ~3 days");
	/* neither fills */
	parse(&p, "{\"name\":\"a\",\"forecast\":{\"day\":{\"known\":true,\"days_to_full\":null,"
		  "\"text\":\"not growing\"},\"week\":{\"known\":false,\"days_to_full\":null,"
		  "\"text\":\"not enough history\"}}}");
	assert_string_equal(cpool_forecast(&p), "not growing");
	parse(&p, "{\"name\":\"a\",\"forecast\":{\"day\":{\"known\":false,"
		  "\"text\":\"not enough history\"},\"week\":{\"known\":false,"
		  "\"text\":\"not enough history\"}}}");
	assert_string_equal(cpool_forecast(&p), "not enough history");
	/* croftd has not sampled it yet */
	parse(&p, "{\"name\":\"a\"}");
	assert_string_equal(cpool_forecast(&p), "-");
}

static void test_meters(void **state)
{
	struct meter m[CPOOL_NMETERS];
	struct cpool p;
	char bar[41];

	(void)state;
	parse(&p, INFO);
	cpool_meters(&p, m);
	assert_true(m[CPOOL_M_USED].known);
	assert_true(m[CPOOL_M_USED].frac > 0.84 && m[CPOOL_M_USED].frac < 0.86);
	assert_string_equal(m[CPOOL_M_USED].text, "85G used of 100G (85%)");
	assert_true(m[CPOOL_M_ALLOC].frac > 0.29 && m[CPOOL_M_ALLOC].frac < 0.31);
	assert_string_equal(m[CPOOL_M_ALLOC].text, "30G held of 100G (30%)");
	/* promised beyond the capacity: a full bar of '!' and the figure */
	assert_true(m[CPOOL_M_PROMISED].frac == 1.0);
	assert_int_equal(m[CPOOL_M_PROMISED].fill, '!');
	assert_string_equal(m[CPOOL_M_PROMISED].text, "120G promised of 100G (120%)");
	meter_render(&m[CPOOL_M_USED], 40, bar);
	assert_int_equal(bar[0], '[');
	assert_int_equal(bar[1], '|');
	assert_non_null(strstr(bar, "(85%)]"));
	cpool_free(&p);
	/* unreadable: unknown meters */
	parse(&p, "{\"name\":\"gone\",\"available\":false,\"error\":\"cannot open /srv/gone: "
		  "No such file or directory\"}");
	cpool_meters(&p, m);
	assert_false(m[CPOOL_M_USED].known);
	assert_string_equal(m[CPOOL_M_USED].text, "-");
}

static void test_lines_and_severity(void **state)
{
	struct cpool_line l[CPOOL_MAX_LINES];
	struct cvm_model vms;
	struct cpool p;
	json_t *list;
	size_t n;

	(void)state;
	/* a quiet pool: the forecast only */
	parse(&p, "{\"name\":\"default\",\"dir\":\"/var/lib/croft/pools/default\",\"available\":true,"
		  "\"capacity_bytes\":1000,\"free_bytes\":900,\"promised_bytes\":100,\"used_pct\":10,"
		  "\"level\":\"ok\",\"forecast\":{\"day\":{\"known\":false,\"text\":\"not enough "
		  "history\"},\"week\":{\"known\":false,\"text\":\"not enough history\"}}}");
	n = cpool_lines(&p, l);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].sev, CPOOL_INFO);
	assert_string_equal(l[0].text, "Forecast: not enough history (24 h), not enough history "
			    "(7 days)");
	assert_int_equal(cpool_severity(&p), CPOOL_INFO);

	/* 85 %, overcommitted */
	parse(&p, INFO);
	n = cpool_lines(&p, l);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].sev, CPOOL_WARN);
	assert_string_equal(l[0].text, "85% used (warning at 80%): free space or plan a bigger pool.");
	assert_int_equal(l[1].sev, CPOOL_WARN);
	assert_string_equal(l[1].text, "Overcommitted 1.20x: volumes promise 120G on 100G; if "
			    "the guests fill them the pool fills.");
	assert_string_equal(l[2].text, "Forecast: full in ~12 days (24 h), full in ~30 days (7 days)");
	assert_int_equal(cpool_severity(&p), CPOOL_WARN);
	cpool_free(&p);

	/* full, with guests paused: pool.info's list and the VM model's */
	parse(&p, "{\"name\":\"fast\",\"dir\":\"/srv/fast\",\"available\":true,\"used_pct\":100,"
		  "\"capacity_bytes\":1000,\"free_bytes\":0,\"level\":\"critical\","
		  "\"paused_vms\":[\"web\",{\"name\":\"db\"}]}");
	cvm_model_init(&vms);
	list = tl_json("[{\"name\":\"web\",\"state\":\"paused\",\"pause_reason\":\"pool-full\","
		    "\"pause_pool\":\"fast\"},{\"name\":\"mail\",\"state\":\"paused\","
		    "\"pause_reason\":\"pool-full\",\"pause_pool\":\"fast\"},{\"name\":\"x\","
		    "\"state\":\"paused\",\"pause_reason\":\"pool-full\",\"pause_pool\":\"slow\"},"
		    "{\"name\":\"y\",\"state\":\"paused\",\"pause_reason\":\"user\"}]");
	cvm_model_update(&vms, list, 1000);
	json_decref(list);
	cpool_paused_from_vms(&p, &vms);
	assert_int_equal(p.npaused, 3);
	n = cpool_lines(&p, l);
	assert_true(n >= 2);
	assert_int_equal(l[0].sev, CPOOL_CRIT);
	assert_string_equal(l[0].text, "FULL: web, db, mail paused (pool-full). Free space in "
			    "/srv/fast (delete volumes or other files), then croft vm resume each.");
	assert_int_equal(l[1].sev, CPOOL_CRIT);
	assert_string_equal(l[1].text, "100% used: guests pause when it fills. Free space or move "
			    "volumes to another pool now.");
	assert_int_equal(cpool_severity(&p), CPOOL_CRIT);
	cvm_model_free(&vms);

	/* unreadable */
	parse(&p, "{\"name\":\"gone\",\"available\":false,\"error\":\"cannot open /srv/gone\"}");
	n = cpool_lines(&p, l);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].text, "Cannot read the pool: cannot open /srv/gone");
	assert_int_equal(cpool_severity(&p), CPOOL_CRIT);
}

static void test_table_order(void **state)
{
	json_t *j = tl_json("[{\"name\":\"zeta\"},{\"name\":\"iso\",\"builtin\":true,\"content\":\"iso\"},"
			 "{\"name\":\"alpha\"},{\"name\":\"default\",\"builtin\":true},{\"bad\":1}]");
	struct panel pn;
	struct cpool *rows;
	size_t n;

	(void)state;
	rows = cpool_parse_list(j, &n);
	json_decref(j);
	assert_int_equal(n, 4);
	panel_init(&pn, &cpool_panel_ops);
	panel_set_rows(&pn, rows, n);
	assert_string_equal(((const struct cpool *)panel_row(&pn, 0))->name, "default");
	assert_string_equal(((const struct cpool *)panel_row(&pn, 1))->name, "iso");
	assert_string_equal(((const struct cpool *)panel_row(&pn, 2))->name, "alpha");
	assert_string_equal(((const struct cpool *)panel_row(&pn, 3))->name, "zeta");
	panel_free(&pn);
}

static void test_delete_lines(void **state)
{
	char out[3][CPOOL_LINE_LEN];
	struct cpool p;

	(void)state;
	parse(&p, INFO);
	assert_int_equal(cvol_delete_lines("fast", &p.vols[1], out), 2);
	assert_string_equal(out[0], "Volume fast/db (raw, 20G virtual, 10G on disk) is removed.");
	assert_string_equal(out[1], "Everything written to it is lost; this cannot be undone.");
	assert_int_equal(cvol_delete_lines("fast", &p.vols[0], out), 3);
	assert_string_equal(out[2], "VM web uses it: croftd refuses until it is detached.");
	cpool_free(&p);
}

static void test_volume_forms(void **state)
{
	static const struct tl_form_case names[] = {
		{ CF_VOL_NAME, "bad name", "volume name 'bad name' contains ' '" },
		{ CF_VOL_NAME, "data", NULL },
	};
	static const char *const vms[] = { "web", "db" };
	struct form *f = storeform_new_volume("fast");
	char progress[200], done[200];
	json_t *a;

	(void)state;
	assert_string_equal(form_title(f), "New volume in fast");
	tl_form_cases(f, names, 2);
	tl_form_retype(f, CF_VOL_SIZE, "1B");
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_non_null(form_message(f, CF_VOL_SIZE));
	tl_form_retype(f, CF_VOL_SIZE, "20G");
	tl_form_focus(f, CF_VOL_FORMAT);
	form_key(f, ' ');
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"pool\":\"fast\",\"name\":\"data\",\"size_bytes\":21474836480,"
			    "\"format\":\"raw\"}");
	a = form_args(f);
	storeform_describe(a, progress, done, sizeof(progress));
	assert_string_equal(progress, "Creating volume fast/data");
	json_decref(a);
	/* croftd's refusal focuses its field */
	form_set_error(f, "disk image /srv/fast/data already exists");
	assert_int_equal(form_focus(f), CF_VOL_NAME);
	form_free(f);

	/* resize: grow only, multiples of 512 */
	f = storeform_resize("fast", "db", 20 * GIB);
	assert_string_equal(form_title(f), "Resize fast/db");
	tl_form_retype(f, CF_RSZ_SIZE, "10G");
	tl_form_expect_msg(f, CF_RSZ_SIZE, "the volume is 20G; it can only grow (asked for 10G)");
	tl_form_retype(f, CF_RSZ_SIZE, "20G");
	tl_form_expect_msg(f, CF_RSZ_SIZE, "it can only grow");
	tl_form_retype(f, CF_RSZ_SIZE, "30G");
	assert_null(form_message(f, CF_RSZ_SIZE));
	tl_form_expect_args(f, "{\"pool\":\"fast\",\"name\":\"db\",\"size_bytes\":32212254720}");
	a = form_args(f);
	storeform_describe(a, progress, done, sizeof(progress));
	assert_string_equal(done, "Resized fast/db to 30G");
	json_decref(a);
	form_free(f);

	/* attach: the running VMs */
	f = storeform_attach("fast", "db", vms, 2);
	form_key(f, ' ');
	tl_form_expect_args(f, "{\"name\":\"db\",\"volume\":\"fast/db\"}");
	a = form_args(f);
	storeform_describe(a, progress, done, sizeof(progress));
	assert_string_equal(progress, "Attaching fast/db to db");
	json_decref(a);
	form_free(f);

	/* import */
	f = storeform_import("fast");
	tl_form_keys(f, "deb");
	tl_form_retype(f, CF_IMP_FROM, "rel.vmdk");
	tl_form_expect_msg(f, CF_IMP_FROM, "source image path 'rel.vmdk' must be absolute");
	form_free(f);

	/* a pool */
	f = storeform_new_pool();
	tl_form_keys(f, "fast");
	tl_form_retype(f, CF_POOL_PATH, "srv/fast");
	tl_form_expect_msg(f, CF_POOL_PATH, "path 'srv/fast' must be absolute");
	tl_form_retype(f, CF_POOL_PATH, "/srv/fast");
	tl_form_focus(f, CF_POOL_CONTENT);
	form_key(f, ' ');
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"fast\",\"path\":\"/srv/fast\",\"content\":\"iso\"}");
	/* root only: croftd's words shown in the form */
	form_set_error(f, "only root can create pools: a pool is a place QEMU's files may live");
	assert_string_equal(form_server_error(f),
			    "only root can create pools: a pool is a place QEMU's files may live");
	form_free(f);
}

static void test_host_memory_form(void **state)
{
	json_t *mem = tl_json("{\"balloon\":\"on\",\"budget_mib\":6144,\"budget_source\":\"default\","
			   "\"reserve_mib\":1024}");
	struct form *f = storeform_host_memory(mem);

	(void)state;
	json_decref(mem);
	assert_string_equal(form_text(f, CF_HMEM_BUDGET), "");
	assert_string_equal(form_text(f, CF_HMEM_RESERVE), "1G");
	tl_form_expect_args(f, "{}");
	tl_form_retype(f, CF_HMEM_BUDGET, "6x");
	assert_non_null(form_message(f, CF_HMEM_BUDGET));
	tl_form_retype(f, CF_HMEM_BUDGET, "4G");
	tl_form_retype(f, CF_HMEM_RESERVE, "512M");
	tl_form_focus(f, CF_HMEM_BALLOON);
	form_key(f, ' ');
	tl_form_expect_args(f, "{\"memory-budget\":\"4G\",\"memory-reserve\":\"512M\","
			    "\"balloon\":\"off\"}");
	form_free(f);
	/* a budget set: shown, and emptied means auto */
	mem = tl_json("{\"balloon\":\"off\",\"budget_mib\":3072,\"budget_source\":\"setting\","
		   "\"reserve_mib\":1536}");
	f = storeform_host_memory(mem);
	json_decref(mem);
	assert_string_equal(form_text(f, CF_HMEM_BUDGET), "3G");
	assert_string_equal(form_text(f, CF_HMEM_RESERVE), "1536M");
	assert_string_equal(form_choice(f, CF_HMEM_BALLOON, form_chosen(f, CF_HMEM_BALLOON)), "off");
	tl_form_retype(f, CF_HMEM_BUDGET, "");
	tl_form_expect_args(f, "{\"memory-budget\":\"auto\"}");
	form_set_error(f, "memory-budget 256M is smaller than the running guests' minimums");
	assert_int_equal(form_focus(f), CF_HMEM_BUDGET);
	form_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_info),
		cmocka_unit_test(test_forecast_choice),
		cmocka_unit_test(test_meters),
		cmocka_unit_test(test_lines_and_severity),
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_delete_lines),
		cmocka_unit_test(test_volume_forms),
		cmocka_unit_test(test_host_memory_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
