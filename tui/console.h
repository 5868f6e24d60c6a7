/*
 * croft's ncurses console, the product's face: `croft` with no arguments
 * (or `croft console [--socket PATH]`) opens it.  It speaks only croftd's
 * API (common/api_client.h), never the store.  It is built from parts, as
 * htop is:
 *
 *   panel.c            the list panel: rows of a model struct, selection by
 *                      key, scrolling, filter, sort, clicks (pure)
 *   form*.c            the form engine: typed fields (text, number, size,
 *                      choice, path with the picker), checks, args, drawing
 *   meter.c            meters as objects (pure), drawn by the header and
 *                      the Host and Jobs screens
 *   jfields.c          model structs read from the API's JSON by tables
 *   picker*.c, boxdraw.c, tui_theme.c
 *                      the file picker, box drawing, the look
 *
 * and the console itself:
 *
 *   console.c          the poll() loop, screens and keys
 *   console_conn.c     the connection to croftd, events and refreshes
 *   console_draw.c     drawing a frame from state
 *   console_action.c   API calls that may take long, one thread and one
 *                      connection each, so the lists keep running
 *   console_model.c, console_hostmodel.c
 *                      the VM and host models every screen shares (pure)
 *   console_table.c    column tables and their layout (pure)
 *   console_panel.c    lists drawn as tables, the filter line, the
 *                      navigation keys every list shares
 *   console_keys.c     key tables: lookup, key names, the key bar and the
 *                      help text, all generated from the tables (pure)
 *   console_header.c   the header: title, tabs and host meters
 *   console_dialog.c   modal dialogs: confirmations and help
 *   console_form.c     the open form, whichever screen opened it
 *   console_serial.c   the guest's serial console, full screen
 *   console_vms.c, console_host.c, console_events.c, console_networks.c,
 *   console_jobs.c, console_storage.c
 *                      the screens (console_screen.h: one table entry each)
 *   console_eventmodel.c, console_jobmodel.c, console_netlist.c,
 *   console_netform.c, console_storemodel.c, console_storeform.c, vmform*.c
 *                      the screens' own models and forms (pure)
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
