#include "programs/escapes.h"

namespace interleave::programs {

void Escapes::add(std::string what) {
  std::lock_guard lock(mu_);
  seen_.insert(std::move(what));
}

std::vector<std::string> Escapes::list() const {
  std::lock_guard lock(mu_);
  return {seen_.begin(), seen_.end()};
}

}  // namespace interleave::programs
