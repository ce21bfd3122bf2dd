/* Threads of a worker. The scheduler controls a worker's main thread only: a thread the worker
 * creates (itself, or through its interpreter or a library) runs uncontrolled, which is noted as
 * an escape when it is created, whether or not it ever touches the data directory, so that no
 * verdict or replay is claimed for a run that had one. */
#define _GNU_SOURCE
#include <pthread.h>

#include "shim/shim.h"

/* pthread_create(3): the C library's, after noting the escape. */
int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                   void* arg) {
  REAL(int, pthread_create, pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  if (controlled && !inside && in_worker()) {
    note(1u << 4, "a thread (pthread_create): the scheduler controls the main thread only, so",
         "the worker ran uncontrolled code beside it");
  }
  return real_pthread_create(thread, attr, start, arg);
}
