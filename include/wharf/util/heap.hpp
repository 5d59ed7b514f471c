// Heap set-up for a short-lived process that allocates a lot at once.
#pragma once

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

}  // namespace wharf
