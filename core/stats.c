/*
 * The monitor's arithmetic (stats.h).
 */
#include "core/stats.h"

double stats_rate(uint64_t prev, uint64_t cur, int64_t dt_ms)
{
	if (dt_ms <= 0 || cur < prev)
		return -1;
	return (double)(cur - prev) * 1000.0 / (double)dt_ms;
}

double stats_ready_pct(uint64_t delay0_ns, uint64_t delay1_ns, int64_t dt_ms)
{
	double pct;

	if (dt_ms <= 0 || delay1_ns < delay0_ns)
		return -1;
	pct = (double)(delay1_ns - delay0_ns) * 100.0 / ((double)dt_ms * 1e6);
	return pct > 100 ? 100 : pct;
}

double stats_cpu_pct(uint64_t cpu0_ms, uint64_t cpu1_ms, int64_t dt_ms)
{
	if (dt_ms <= 0 || cpu1_ms < cpu0_ms)
		return -1;
	return (double)(cpu1_ms - cpu0_ms) * 100.0 / (double)dt_ms;
}

double stats_latency_ms(uint64_t time0_ns, uint64_t time1_ns, uint64_t ops0, uint64_t ops1)
{
	if (time1_ns < time0_ns || ops1 < ops0)
		return -1;
	if (ops1 == ops0)
		return 0;
	return (double)(time1_ns - time0_ns) / 1e6 / (double)(ops1 - ops0);
}

void stats_cpu_modes_pct(const uint64_t a[PROCFS_CPU_NMODES], const uint64_t b[PROCFS_CPU_NMODES],
			 double out[PROCFS_CPU_NMODES])
{
	uint64_t ta = 0, tb = 0;
	int i;

	for (i = 0; i < PROCFS_CPU_NMODES; i++) {
		ta += a[i];
		tb += b[i];
	}
	for (i = 0; i < PROCFS_CPU_NMODES; i++) {
		if (!ta || tb <= ta || b[i] < a[i])
			out[i] = -1;
		else
			out[i] = (double)(b[i] - a[i]) * 100.0 / (double)(tb - ta);
	}
}

int stats_guest_stale(int64_t last_update_s, int64_t now_ms, int poll_s)
{
	if (last_update_s <= 0)
		return 1;
	if (poll_s < 1)
		poll_s = 1;
	return now_ms / 1000 - last_update_s > 2 * (int64_t)poll_s + 1;
}
