/*
 * croft vm console: croftd answers vm.console with a connected stream to
 * the guest's serial port (SCM_RIGHTS on its reply).  We relay bytes both
 * ways with one ppoll() loop.
 *
 * On a terminal the tty goes raw (cfmakeraw) so every key reaches the
 * guest, and Ctrl-] (0x1d) detaches.  SIGTERM, SIGHUP and SIGINT are
 * blocked except inside ppoll(), so their handler can only run there and
 * the loop always leaves through the one exit that restores the terminal.
 * Without a terminal (scripts, tests) input is relayed untouched, and after
 * its EOF guest output keeps flowing for a linger period (2 s, or
 * $CROFT_CONSOLE_LINGER_MS) so the answer to the last line is seen.
 */
#include "tui/cli.h"
#include "common/proto.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DETACH_KEY 0x1d           /* Ctrl-] */
#define LINGER_DEFAULT_MS 2000

static volatile sig_atomic_t console_signal;

static void on_signal(int sig)
{
	console_signal = sig;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum end { END_NONE, END_DETACH, END_GUEST_CLOSED, END_LINGER, END_SIGNAL, END_ERROR };

int cli_console_relay(int guest_fd, int in_fd, int out_fd, int raw_tty,
		      int linger_ms, const char *name, FILE *errf)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
	struct sigaction sa, old[3], old_pipe;
	struct termios saved, raw;
	sigset_t block, orig;
	enum end end = END_NONE;
	int in_open = 1, tty_set = 0, status = CLI_EXIT_OK, fail = 0;
	long long deadline = 0;
	char buf[16384];
	size_t i;

	console_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < 3; i++) {
		sigaction(sigs[i], &sa, &old[i]);
		sigaddset(&block, sigs[i]);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	sigprocmask(SIG_BLOCK, &block, &orig);

	if (raw_tty) {
		if (tcgetattr(in_fd, &saved) < 0) {
			fprintf(errf, "croft: cannot read the terminal settings: %s\n", strerror(errno));
			status = CLI_EXIT_ERROR;
			goto out;
		}
		fprintf(errf, "Connected to %s's serial console; press Ctrl-] to detach.\n", name);
		fflush(errf);
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(in_fd, TCSANOW, &raw) < 0) {
			fprintf(errf, "croft: cannot set the terminal to raw mode: %s\n",
				strerror(errno));
			status = CLI_EXIT_ERROR;
			goto out;
		}
		tty_set = 1;
	}

	while (end == END_NONE) {
		struct pollfd pfd[2] = {
			{ .fd = guest_fd, .events = POLLIN },
			{ .fd = in_open ? in_fd : -1, .events = POLLIN },
		};
		struct timespec ts, *tsp = NULL;
		ssize_t n;
		int r;

		if (!in_open) {
			long long left = deadline - mono_ms();

			if (left <= 0) {
				end = END_LINGER;
				break;
			}
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000;
			tsp = &ts;
		}
		r = ppoll(pfd, 2, tsp, &orig);
		if (r < 0 && errno == EINTR) {
			if (console_signal)
				end = END_SIGNAL;
			continue;
		}
		if (r < 0) {
			fail = errno;
			end = END_ERROR;
			break;
		}
		if (pfd[0].revents) {
			do {
				n = read(guest_fd, buf, sizeof(buf));
			} while (n < 0 && errno == EINTR);
			if (n <= 0) {
				end = END_GUEST_CLOSED;
				break;
			}
			r = proto_write_all(out_fd, buf, (size_t)n);
			if (r < 0) {
				fail = -r;
				end = END_ERROR;
				break;
			}
		}
		if (pfd[1].revents) {
			size_t len;

			do {
				n = read(in_fd, buf, sizeof(buf));
			} while (n < 0 && errno == EINTR);
			if (n <= 0) {
				if (raw_tty) {
					end = END_DETACH;
					break;
				}
				in_open = 0;
				deadline = mono_ms() + (linger_ms > 0 ? linger_ms : 0);
				continue;
			}
			len = (size_t)n;
			if (raw_tty) {
				char *k = memchr(buf, DETACH_KEY, len);

				if (k) {
					len = (size_t)(k - buf);
					end = END_DETACH;
				}
			}
			r = proto_write_all(guest_fd, buf, len);
			if (r == -EPIPE || r == -ECONNRESET)
				end = END_GUEST_CLOSED;
			else if (r < 0) {
				fail = -r;
				end = END_ERROR;
			}
		}
	}

	if (tty_set) {
		tcsetattr(in_fd, TCSANOW, &saved);
		tty_set = 0;
		fputs("\n", errf);
	}
	switch (end) {
	case END_DETACH:
		fprintf(errf, "[detached from %s's console]\n", name);
		break;
	case END_GUEST_CLOSED:
		fprintf(errf, "[guest console closed]\n");
		break;
	case END_SIGNAL:
		fprintf(errf, "[console closed by signal %d]\n", (int)console_signal);
		status = CLI_EXIT_ERROR;
		break;
	case END_ERROR:
		fprintf(errf, "croft: console relay failed: %s\n", strerror(fail));
		status = CLI_EXIT_ERROR;
		break;
	case END_LINGER:
	case END_NONE:
		break;
	}
out:
	if (tty_set)
		tcsetattr(in_fd, TCSANOW, &saved);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	close(guest_fd);
	fflush(errf);
	return status;
}

static int linger_from_env(void)
{
	const char *s = getenv("CROFT_CONSOLE_LINGER_MS");
	char *end;
	long v;

	if (!s || !*s)
		return LINGER_DEFAULT_MS;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 3600000)
		return LINGER_DEFAULT_MS;
	return (int)v;
}

int cli_run_vm_console(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c = NULL;
	const char *name = json_string_value(json_object_get(args, "name"));
	json_t *res = NULL;
	int status, fd = -1;

	status = cli_connect(ctx, &c);
	if (status != CLI_EXIT_OK)
		return status;
	status = cli_call(ctx, c, cmd->op, json_incref(args), &res, &fd);
	api_client_close(c);
	json_decref(res);
	if (status != CLI_EXIT_OK)
		return status;
	if (fd < 0)
		return cli_error(ctx, CLI_EXIT_ERROR, "internal",
				 "croftd answered vm.console without passing the console connection");
	fflush(ctx->out);
	return cli_console_relay(fd, STDIN_FILENO, STDOUT_FILENO, isatty(STDIN_FILENO),
				 linger_from_env(), name ? name : "?", ctx->err);
}
