#include "wharf/cli/cli.hpp"

int main(int argc, char** argv) {
  return wharf::cli::run(argc, argv);
}
