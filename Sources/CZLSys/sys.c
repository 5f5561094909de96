// See zl_sys.h. The registry is static memory written only outside signal handlers; a slot's
// path is complete before its flag is set, and the handler reads flags and paths only.

#include "zl_sys.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLOTS 64
#define PATH_BYTES 4096

static char paths[SLOTS][PATH_BYTES];
static volatile sig_atomic_t graceful = 0, stop_signal = 0;
static volatile sig_atomic_t used[SLOTS];
static int installed = 0;

int zlsys_register_temp(const char *path) {
  size_t n = strlen(path);
  if (n >= PATH_BYTES) return -1;
  for (int k = 0; k < SLOTS; k++) {
    if (!used[k]) {
      memcpy(paths[k], path, n + 1);
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      used[k] = 1;
      return k;
    }
  }
  return -1;
}

int zlsys_create_temp(char *template_path, int *slot) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, &old);
  int fd = mkstemp(template_path);
  int saved = errno;
  *slot = fd >= 0 ? zlsys_register_temp(template_path) : -1;
  sigprocmask(SIG_SETMASK, &old, 0);
  errno = saved;
  return fd;
}

void zlsys_unregister_temp(int slot) {
  if (slot >= 0 && slot < SLOTS) used[slot] = 0;
}

static void cleanup_and_reraise(int sig) {
  if (graceful && stop_signal == 0) {
    stop_signal = sig;
    return;
  }
  for (int k = 0; k < SLOTS; k++) {
    if (used[k]) unlink(paths[k]);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void zlsys_install_handlers(void) {
  if (installed) return;
  installed = 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = cleanup_and_reraise;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGHUP);
  // A signal the parent set to be ignored (nohup's SIGHUP, a background job's SIGINT) stays ignored.
  const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
  for (int k = 0; k < 3; k++) {
    struct sigaction old;
    if (sigaction(sigs[k], 0, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sigs[k], &sa, 0);
  }
  signal(SIGXFSZ, SIG_IGN);
}

void zlsys_set_graceful(int on) { graceful = on ? 1 : 0; }

int zlsys_stop_requested(void) { return stop_signal; }

unsigned zlsys_umask(void) {
  mode_t m = umask(0);
  umask(m);
  return (unsigned)m;
}
