#define _GNU_SOURCE
#include "harness/backends/client.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void futex_wait(uint32_t* word, uint32_t expected) {
  syscall(SYS_futex, word, FUTEX_WAIT, expected, NULL, NULL, 0);
}

static void futex_wake(uint32_t* word) { syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0); }

static int parse_int(const char* text, int* out) {
  char* end = NULL;
  long value;
  if (text == NULL || *text == '\0') return -1;
  errno = 0;
  value = strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < 0 || value > 1 << 20) return -1;
  *out = (int)value;
  return 0;
}

int il_client_attach(il_client* client) {
  int fd = -1;
  int actor = -1;
  void* map;
  if (parse_int(getenv("INTERLEAVE_CONTROL_FD"), &fd) != 0 ||
      parse_int(getenv("INTERLEAVE_ACTOR"), &actor) != 0) {
    fprintf(stderr, "interleave client: INTERLEAVE_CONTROL_FD and INTERLEAVE_ACTOR must be set\n");
    return -1;
  }
  map = mmap(NULL, sizeof(struct il_control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    fprintf(stderr, "interleave client: cannot map the control block: %s\n", strerror(errno));
    return -1;
  }
  close(fd);
  il_client_init(client, (struct il_control*)map, actor);
  if (client->control->magic != IL_CONTROL_MAGIC || actor >= (int)client->control->actors) {
    fprintf(stderr, "interleave client: descriptor %d is no control block for actor %d\n", fd,
            actor);
    return -1;
  }
  return 0;
}

void il_client_init(il_client* client, struct il_control* control, int actor) {
  client->control = control;
  client->actor = actor;
}

int il_wait(il_client* client) {
  struct il_actor* slot = &client->control->actor[client->actor];
  int spins = __atomic_load_n(&client->control->spins, __ATOMIC_RELAXED);
  uint32_t go = IL_GO_WAIT;
  for (int i = 0; i < spins; ++i) {
    go = __atomic_load_n(&slot->go, __ATOMIC_ACQUIRE);
    if (go != IL_GO_WAIT) break;
    if (i % 64 == 63) sched_yield();
  }
  while (go == IL_GO_WAIT) {
    __atomic_store_n(&slot->sleeping, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&slot->go, __ATOMIC_SEQ_CST) == IL_GO_WAIT)
      futex_wait(&slot->go, IL_GO_WAIT);
    __atomic_store_n(&slot->sleeping, 0, __ATOMIC_RELAXED);
    go = __atomic_load_n(&slot->go, __ATOMIC_ACQUIRE);
  }
  __atomic_store_n(&slot->go, IL_GO_WAIT, __ATOMIC_RELAXED);
  return (int)go;
}

static void post(il_client* client) {
  struct il_control* c = client->control;
  __atomic_fetch_add(&c->actor[client->actor].posted, 1, __ATOMIC_RELEASE);
  __atomic_fetch_add(&c->harness, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&c->harness_sleeping, __ATOMIC_SEQ_CST) != 0) futex_wake(&c->harness);
}

int il_post(il_client* client) {
  post(client);
  return il_wait(client);
}

void il_copy(char* to, unsigned capacity, const char* from) {
  unsigned n = 0;
  if (from != NULL) {
    while (n + 1 < capacity && from[n] != '\0') ++n;
    memcpy(to, from, n);
  }
  to[n] = '\0';
}

int il_yield(il_client* client, const char* label, int kind, const char* space, const char* name,
             int access) {
  struct il_pending* p = &client->control->actor[client->actor].pending;
  p->event = IL_EVENT_YIELD;
  p->kind = (uint8_t)kind;
  p->access = (uint8_t)access;
  p->await = 0;
  p->lock = 0;
  p->description = 0;
  il_copy(p->label, IL_LABEL_CAPACITY, label);
  il_copy(p->space, IL_SPACE_CAPACITY, space);
  il_copy(p->name, IL_NAME_CAPACITY, name);
  p->message[0] = '\0';
  return il_post(client);
}

void il_finish(il_client* client, const char* message) {
  struct il_pending* p = &client->control->actor[client->actor].pending;
  p->event = IL_EVENT_FINISH;
  p->lock = 0;
  il_copy(p->message, IL_MESSAGE_CAPACITY, message);
  post(client);
}

void il_finish_posted(il_client* client) { post(client); }

void il_grant(struct il_control* control, int actor, uint32_t go) {
  struct il_actor* slot = &control->actor[actor];
  __atomic_store_n(&slot->go, go, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&slot->sleeping, __ATOMIC_SEQ_CST) != 0) futex_wake(&slot->go);
}

uint32_t il_steps(const il_client* client) {
  return __atomic_load_n(&client->control->steps, __ATOMIC_RELAXED);
}
