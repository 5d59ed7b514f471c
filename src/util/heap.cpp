#include "wharf/util/heap.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace wharf {

void prepare_heap() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  if (const char* skip = std::getenv("WHARF_DEFAULT_HEAP"); skip && *skip == '1') return;
  constexpr std::size_t kStep = std::size_t{64} << 20;
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (mallopt(M_TOP_PAD, static_cast<int>(kStep)) != 1) return;
  // Grow the heap now, so that the new kStep bytes can be advised while
  // still untouched: blocks below the mmap threshold (128 KiB at least) come
  // from free chunks or the heap's top, and once those are used up the heap
  // grows. A process that has allocated little needs one or two.
  auto* before = static_cast<char*>(sbrk(0));
  if (before == reinterpret_cast<char*>(-1)) return;
  void* probes[64];
  int used = 0;
  while (used < 64 && static_cast<char*>(sbrk(0)) == before) {
    probes[used] = std::malloc(std::size_t{100} << 10);
    if (!probes[used]) break;
    ++used;
  }
  for (int i = 0; i < used; ++i) std::free(probes[i]);
  // After the frees: glibc may have trimmed what lay beyond the 64 MiB pad.
  auto* after = static_cast<char*>(sbrk(0));
  auto start = (reinterpret_cast<std::uintptr_t>(before) + kHuge - 1) & ~(kHuge - 1);
  auto end = reinterpret_cast<std::uintptr_t>(after);
  if (end > start) (void)madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
#endif
}

namespace {

std::atomic<bool> g_keep{false};
std::mutex g_kept_mutex;
// Never destroyed, so that what it holds stays reachable (and unreported by
// leak checkers) until the process ends.
std::vector<void*>* g_kept = nullptr;

}  // namespace

void keep_until_exit(bool keep) {
  g_keep.store(keep, std::memory_order_relaxed);
}

bool keeping_until_exit() {
  return g_keep.load(std::memory_order_relaxed);
}

std::size_t kept_until_exit() {
  std::lock_guard guard(g_kept_mutex);
  return g_kept ? g_kept->size() : 0;
}

void detail::keep_pointer(void* object) {
  if (!object) return;
  std::lock_guard guard(g_kept_mutex);
  if (!g_kept) g_kept = new std::vector<void*>();
  g_kept->push_back(object);
}

}  // namespace wharf
