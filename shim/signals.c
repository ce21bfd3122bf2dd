/* Signals a worker sends itself: a death by SIGKILL is taken for a kill from outside (the OOM
 * killer) unless the worker sent it to itself, which its slot of the control block then says
 * (il_actor.self_signal), so that the harness reports it as the worker's crash. Each function
 * passes the call through to the C library's own after noting it; what it returns and sets errno
 * to is the C library's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

void note_self_signal(pid_t pid, int sig) {
  pid_t self;
  if (sig != SIGKILL || control_block == NULL || !in_worker()) return;
  self = (pid_t)syscall(SYS_getpid);
  /* kill(0, ...) and kill(-pgrp, ...) reach the worker too when it leads its process group. */
  if (pid == self || pid == 0 || pid == -self || pid == -1) {
    __atomic_store_n(&worker_slot()->self_signal, sig, __ATOMIC_RELEASE);
  }
}

/* kill(2). */
int kill(pid_t pid, int sig) {
  REAL(int, kill, pid_t, int);
  note_self_signal(pid, sig);
  return real_kill(pid, sig);
}

/* raise(3): the calling thread, which is the worker's. */
int raise(int sig) {
  REAL(int, raise, int);
  note_self_signal((pid_t)syscall(SYS_getpid), sig);
  return real_raise(sig);
}

/* tgkill(2) (glibc 2.30+): a thread of process `tgid`. */
int tgkill(pid_t tgid, pid_t tid, int sig) {
  REAL(int, tgkill, pid_t, pid_t, int);
  note_self_signal(tgid, sig);
  return real_tgkill(tgid, tid, sig);
}

/* pthread_kill(3): a thread of the calling process. */
int pthread_kill(pthread_t thread, int sig) {
  REAL(int, pthread_kill, pthread_t, int);
  note_self_signal((pid_t)syscall(SYS_getpid), sig);
  return real_pthread_kill(thread, sig);
}
