// CZLSys: what a process must do from signal handlers, where Swift cannot run — the registry of
// temporary files being written (removed when SIGTERM, SIGINT or SIGHUP ends the process), and
// the process-wide signal dispositions of the tools (SIGXFSZ ignored so that writing past a file
// size limit fails with EFBIG and is reported, instead of killing the process silently).
#ifndef ZL_SYS_H
#define ZL_SYS_H

/// Registers a temporary file's path (copied; at most 4095 bytes). Returns a slot for
/// zlsys_unregister_temp, or -1 when the registry (64 entries) is full or the path too long (the
/// file is then only removed by the next run's sweep of stale temporary files).
int zlsys_register_temp(const char *path);

/// mkstemp(template) and zlsys_register_temp of the file it creates, with SIGTERM, SIGINT and
/// SIGHUP blocked in between, so that no signal can find the file created but not registered.
/// Returns the descriptor (or -1 with errno set) and the slot in `*slot` (-1 when not registered).
int zlsys_create_temp(char *template_path, int *slot);

/// Forgets a slot (the file was renamed into place or removed).
void zlsys_unregister_temp(int slot);

/// Installs, once: SIGTERM, SIGINT and SIGHUP handlers that remove every registered temporary
/// file and then end the process by the same signal (default disposition, re-raised); SIGXFSZ
/// ignored. Async-signal-safe handlers (unlink, signal, raise only).
void zlsys_install_handlers(void);

/// Graceful mode (a streaming scorer): SIGTERM, SIGINT and SIGHUP only record a stop request (read
/// with zlsys_stop_requested; blocking reads return EINTR so the reader notices); the same signal a
/// second time ends the process at once, as without graceful mode. Off by default.
void zlsys_set_graceful(int on);

/// The signal that asked the process to stop (0: none).
int zlsys_stop_requested(void);

/// The process's file-creation mask (read without changing it for more than an instant).
unsigned zlsys_umask(void);

#endif
