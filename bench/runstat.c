/*
 * runstat: run a command N times and print, as one JSON object, each run's
 * wall time (spawn to reaped, CLOCK_MONOTONIC) and peak RSS (ru_maxrss from
 * wait4), plus the medians.  stdout of the command goes to /dev/null.
 *
 *     runstat N CMD [ARG]...
 *
 * Written in C rather than Python on purpose: Linux counts the pre-exec
 * memory of the spawned child in ru_maxrss, so a Python parent would report
 * its own ~14 MB for every child.  posix_spawn (vfork-style in glibc) from
 * this small program leaves a floor of well under 1.5 MB; measure /bin/true
 * to see it.  Exits 1 if any run fails.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double *s = malloc(sizeof(*s) * (size_t)n), m;

	memcpy(s, v, sizeof(*s) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	double *wall, *rss, maxrss = 0;
	int n, i;

	if (argc < 3 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: runstat N CMD [ARG]...\n");
		return 2;
	}
	wall = calloc((size_t)n, sizeof(*wall));
	rss = calloc((size_t)n, sizeof(*rss));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < n; i++) {
		struct timespec t0, t1;
		struct rusage ru;
		int status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (posix_spawnp(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) {
			perror(argv[2]);
			return 1;
		}
		if (wait4(pid, &status, 0, &ru) < 0) {
			perror("wait4");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "%s failed (status %d)\n", argv[2], status);
			return 1;
		}
		wall[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		rss[i] = (double)ru.ru_maxrss;
		if (rss[i] > maxrss)
			maxrss = rss[i];
	}
	printf("{\"wall_ms\": [");
	for (i = 0; i < n; i++)
		printf("%s%.4f", i ? ", " : "", wall[i]);
	printf("], \"maxrss_kb\": [");
	for (i = 0; i < n; i++)
		printf("%s%.0f", i ? ", " : "", rss[i]);
	printf("], \"median_ms\": %.4f, \"median_rss_kb\": %.1f, \"max_rss_kb\": %.0f}\n",
	       median(wall, n), median(rss, n), maxrss);
	posix_spawn_file_actions_destroy(&fa);
	free(wall);
	free(rss);
	return 0;
}
