/* A test actor exec'd by the engine: it takes part in an execution through the C client of the
 * control block alone (harness/backends/client.h), as any program in any language could. It takes
 * three steps that write the file "shared" (so they race with the other actors' steps), then ends
 * its body. When the execution is stopped (IL_GO_ABORT) it ends at once. */
#include <stdio.h>

#include "harness/backends/client.h"

int main(void) {
  il_client client;
  if (il_client_attach(&client) != 0) return 2;
  if (il_wait(&client) != IL_GO_RUN) {
    il_finish(&client, "");
    return 0;
  }
  static const char* const labels[] = {"program.open", "program.write", "program.close"};
  for (int i = 0; i < 3; ++i) {
    if (il_yield(&client, labels[i], IL_KIND_FILE, "file", "shared", IL_WRITE) != IL_GO_RUN) break;
  }
  il_finish(&client, "");
  return 0;
}
