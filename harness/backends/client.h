/* The C client of the control block (harness/control.h): how an actor outside the harness process
 * takes part in an execution. Forked workers use it, and so can any program exec'd by the harness:
 * it finds the control block through the descriptor in $INTERLEAVE_CONTROL_FD and its actor id in
 * $INTERLEAVE_ACTOR. Plain C99 with the GCC/Clang __atomic builtins and the futex system call.
 *
 *   il_client c;
 *   if (il_client_attach(&c) != 0) exit(2);
 *   if (il_wait(&c) != IL_GO_RUN) exit(0);            // the grant of the actor's first step
 *   il_yield(&c, "put.write", IL_KIND_FILE, "file", "database.bin", IL_WRITE);
 *   ...
 *   il_finish(&c, "");                                // then wait for the next grant, or exit
 */
#ifndef INTERLEAVE_HARNESS_CLIENT_H_
#define INTERLEAVE_HARNESS_CLIENT_H_

#include "harness/control.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct il_client {
  struct il_control* control;
  int actor;
} il_client;

/* Maps the control block named by $INTERLEAVE_CONTROL_FD and takes the actor in $INTERLEAVE_ACTOR.
 * Returns 0, or -1 (a message on stderr) when the variables are missing or wrong. */
int il_client_attach(il_client* client);

/* For a process that maps the control block already (a forked worker). */
void il_client_init(il_client* client, struct il_control* control, int actor);

/* Sleeps (after a short spin) until the actor is granted something; returns IL_GO_RUN,
 * IL_GO_ABORT (unwind: the execution is being stopped) or IL_GO_EXIT. */
int il_wait(il_client* client);

/* Posts the step the actor wrote into its slot's `pending`, then waits as il_wait(). */
int il_post(il_client* client);

/* Fills in an ordinary yield point (strings are copied, cut short if need be) and posts it. */
int il_yield(il_client* client, const char* label, int kind, const char* space, const char* name,
             int access);

/* Posts the end of the actor's body (`message`: why it failed, or "" when it did not), without
 * waiting. */
void il_finish(il_client* client, const char* message);
/* Posts what the actor wrote into its slot's `pending` (an end: FINISH or EXIT), without waiting.
 */
void il_finish_posted(il_client* client);

/* The decisions made so far in the current execution. */
uint32_t il_steps(const il_client* client);

/* The scheduler's side: grants `go` (IL_GO_*) to `actor` and wakes it if it sleeps. */
void il_grant(struct il_control* control, int actor, uint32_t go);

/* Copies `from` into `to` (capacity bytes), cut short if need be, always terminated. */
void il_copy(char* to, unsigned capacity, const char* from);

#ifdef __cplusplus
}
#endif

#endif /* INTERLEAVE_HARNESS_CLIENT_H_ */
