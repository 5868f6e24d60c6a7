/*
 * The command line, the lock file, signals and detaching, shared by croftd
 * and croft-netd (daemonize.h).
 */
#include "common/daemonize.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

static enum log_level level(const struct daemon_args *a)
{
	return a->debug ? LOG_LVL_DEBUG : LOG_LVL_INFO;
}

int daemon_args_parse(const char *prog, const char *version, void (*usage)(FILE *f),
		      int argc, char **argv, struct daemon_args *a)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", a->state_dir ? opts : opts + 1, NULL)) != -1) {
		switch (c) {
		case 's': a->state_dir = optarg; break;
		case 'r': a->run_dir = optarg; break;
		case 'f': a->foreground = 1; break;
		case 'd': a->debug = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("%s %s\n", prog, version); return 0;
		case ':':
			fprintf(stderr, "%s: option '%s' needs a value\n", prog, argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}
	log_init(prog, 1, level(a));
	return -1;
}

void daemon_block_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	sigprocmask(SIG_BLOCK, mask, NULL);
}

int daemon_signal_read(int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

int daemon_lock(const char *prog, const char *dir, const char *file, const char *busy_msg)
{
	char *path = xasprintf("%s/%s", dir, file);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "%s: another %s\n", prog, busy_msg);
		close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

int daemon_detach(const char *prog, const struct daemon_args *a)
{
	pid_t pid;
	int null, err;

	if (a->foreground)
		return 0;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		goto fail;
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	log_init(prog, 0, level(a));
	return 0;
fail:
	err = -errno;
	log_err("cannot detach: %s", strerror(-err));
	return err;
}
