/* What the shim cannot control, reported as escapes in the notes file: writable shared mappings
 * of data files, and io_uring, whose file operations never reach the C library. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

/* -------------------------------------------------------------------------- what escapes */

static void check_mapping(int prot, int flags, int fd) {
  if ((controlled || observer) && fd >= 0 && fd < MAX_FDS && fd_kind[fd] == FD_DATA &&
      (flags & MAP_SHARED) && (prot & PROT_WRITE)) {
    note(1u << 1, "a writable shared mapping (mmap MAP_SHARED, PROT_WRITE) of", fd_name[fd]);
  }
}

void* mmap(void* addr, size_t n, int prot, int flags, int fd, off_t offset) {
  REAL(void*, mmap, void*, size_t, int, int, int, off_t);
  check_mapping(prot, flags, fd);
  return real_mmap(addr, n, prot, flags, fd, offset);
}
void* mmap64(void* addr, size_t n, int prot, int flags, int fd, off64_t offset) {
  REAL(void*, mmap64, void*, size_t, int, int, int, off64_t);
  check_mapping(prot, flags, fd);
  return real_mmap64(addr, n, prot, flags, fd, offset);
}

long syscall(long number, ...) {
  REAL(long, syscall, long, ...);
  va_list ap;
  long a[6];
  va_start(ap, number);
  for (int i = 0; i < 6; ++i) a[i] = va_arg(ap, long);
  va_end(ap);
  /* The futexes of the control block are the shim's own (il_wait): they go to the kernel. */
  if (number == SYS_futex && control_block != NULL &&
      !((char*)a[0] >= (char*)control_block &&
        (char*)a[0] < (char*)control_block + sizeof *control_block)) {
    long result;
    if (futex_call((uint32_t*)a[0], (int)a[1], (uint32_t)a[2], (const struct timespec*)a[3],
                   &result)) {
      return result;
    }
  }
  if (number == SYS_kill) note_self_signal((pid_t)a[0], (int)a[1]);
  if (number == SYS_tgkill) note_self_signal((pid_t)a[0], (int)a[2]);
  if (number == SYS_tkill) note_self_signal((pid_t)syscall(SYS_getpid), (int)a[1]);
  if (controlled && number == SYS_io_uring_setup) {
    note(1u << 2, "io_uring (io_uring_setup): its file operations bypass the shim", NULL);
  }
  return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
