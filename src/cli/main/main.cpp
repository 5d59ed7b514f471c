#include "wharf/cli/cli.hpp"
#include "wharf/util/heap.hpp"

int main(int argc, char** argv) {
  wharf::prepare_heap();
  wharf::keep_until_exit(true);
  return wharf::cli::run(argc, argv);
}
