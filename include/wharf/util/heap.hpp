// Heap set-up for a short-lived process that allocates a lot at once, and
// the means to skip freeing it all again just before the process ends.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace wharf {

// A warm `wharf lock` allocates its whole working set (indexes, solver
// state, the lockfile) within a few milliseconds, and with glibc's defaults
// every fresh 4 KiB page of that heap is one page fault: on a 360-package
// universe ~1,100 faults, a third of the process's CPU time. This grows the
// heap in 64 MiB steps (address space only; pages stay untouched until
// used) and asks the kernel to back the first step with transparent huge
// pages where it allows them (THP `madvise` or `always` mode), so the same
// work takes a few hundred faults. It changes no behaviour: without glibc,
// or when the kernel declines, allocation works as before. Call it first in
// main(). WHARF_DEFAULT_HEAP=1 skips it (for comparisons).
void prepare_heap();

// A command of the CLI ends its process soon after its big structures (the
// registry indexes, the solver's state, the lockfiles) go out of scope, and
// freeing them one node at a time then is pure cost: on a 1,000-package
// `wharf lock` about a tenth of the process's instructions. With
// keep_until_exit(true) (main() sets it), retire() and ExitScoped keep such
// objects, still reachable, until the process ends instead of destroying
// them; the kernel takes the memory back at once. Without it (tests, any
// long-lived user of the library), they destroy as usual. Only for objects
// whose destructors merely free memory: anything with an effect (a file
// written, a lock released, a folder removed) must do it before. And only
// where a process makes a bounded number of them (one solve per platform
// and solve group, one lock, one set of registries), never in a loop that
// could run for every package.
void keep_until_exit(bool keep);
bool keeping_until_exit();
// How many objects have been kept so far (for tests).
std::size_t kept_until_exit();

namespace detail {
void keep_pointer(void* object);
}

// Moves `value` into a kept heap object when keeping_until_exit(), leaving
// `value` moved-from (so cheap to destroy); otherwise leaves it as it is.
template <class T>
void retire(T& value) {
  if (keeping_until_exit()) detail::keep_pointer(new T(std::move(value)));
}

// A T on the heap that is destroyed with its owner, or kept (see above).
template <class T>
class ExitScoped {
 public:
  template <class... Args>
  explicit ExitScoped(Args&&... args)
      : m_object(std::make_unique<T>(std::forward<Args>(args)...)) {}
  ExitScoped(const ExitScoped&) = delete;
  ExitScoped& operator=(const ExitScoped&) = delete;
  ~ExitScoped() {
    if (keeping_until_exit()) detail::keep_pointer(m_object.release());
  }
  T& operator*() const { return *m_object; }
  T* operator->() const { return m_object.get(); }

 private:
  std::unique_ptr<T> m_object;
};

}  // namespace wharf
