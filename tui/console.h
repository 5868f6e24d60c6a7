/*
 * croft's ncurses console, the product's face: `croft` with no arguments
 * (or `croft console [--socket PATH]`) opens it.  It speaks only croftd's
 * API (common/api_client.h), never the store.  The pieces:
 *
 *   console.c          the poll() loop, the connection, drawing a frame
 *   console_action.c   API calls that may take long, one thread and one
 *                      connection each, so the list keeps running
 *   console_model.c    the VM table model (pure: sort, filter, selection,
 *                      CPU % from deltas)
 *   console_table.c    the VM table's columns and their layout (pure)
 *   console_keys.c     key tables: lookup, key names, the key bar and the
 *                      help text, all generated from the tables (pure)
 *   console_header.c   the header: title, tabs and host meters
 *   console_dialog.c   modal dialogs: confirmations and help
 *   console_serial.c   the guest's serial console, full screen
 *   console_vms.c, console_host.c, console_events.c, console_networks.c
 *                      the screens (console_screen.h: one table entry each)
 *   console_netlist.c, console_netform.c
 *                      the Networks screen's models: its table and details
 *                      (pure), its forms (console_net.h)
 */
#ifndef CROFT_TUI_CONSOLE_H
#define CROFT_TUI_CONSOLE_H

/* Run the console against croftd at socket (NULL: $CROFT_SOCKET, else the
 * default) until the user quits.  Needs a terminal on stdin and stdout.
 * Returns an exit status: 0, or 1 when the terminal cannot be used. */
int console_main(const char *socket);

/* `croft console [--socket PATH]`: argv[0] is "console". */
int console_cmd(int argc, char **argv);

#endif
