// bench_pubgrub_large: pubgrub-rs's "large case" benchmark on wharf's solver.
//
//   bench_pubgrub_large [--mode int|facade|both] [--repeat N] [--check]
//                       [--slow MS] [--only PKG@VER] [--dump FILE] FILE.ron...
//
// For every package and every one of its versions in each file, solve with
// that package@version as the only root requirement (as pubgrub-rs does) and
// time each solve. Prints, per file and solver: how many solves, how many
// were solved and unsolvable, the wall and CPU time of the whole loop, and the
// min / median / mean / max CPU time of one solve (CPU time because the
// machines this runs on are often shared; solving is single-threaded).
//
// `int` is the generic core over integer versions (pubgrub-rs uses integer
// versions too); `facade` is wharf::solve::solve() with integer N as the wharf
// version "N". --repeat runs each loop N times and reports the loop with the
// least CPU time. --check validates every solution against the universe and
// checks that both solvers agree on what is solvable; any disagreement or
// invalid solution makes the exit code 1. --slow MS names every solve slower
// than MS on stderr; --only PKG@VER solves just that root.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "ron.hpp"
#include "universe_solvers.hpp"
#include "wharf/util/fs.hpp"

namespace {

using namespace wharf;
using namespace wharf::bench;
using Clock = std::chrono::steady_clock;

// --slow MS: report every solve slower than this on stderr (0: never).
double g_slow_ms = 0;
// --only PKG@VER: solve only that root.
std::optional<std::pair<std::uint64_t, std::uint64_t>> g_only;
// --dump FILE: write every outcome (the solution, or the explanation) there,
// to compare two builds of the solver.
std::FILE* g_dump = nullptr;

void dump(const char* mode, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& roots,
          const std::vector<IntOutcome>& outcomes) {
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    std::fprintf(g_dump, "%s %lu@%lu:", mode, static_cast<unsigned long>(roots[i].first),
                 static_cast<unsigned long>(roots[i].second));
    if (outcomes[i].solved) {
      for (const auto& [pkg, ver] : outcomes[i].versions)
        std::fprintf(g_dump, " %lu=%lu", static_cast<unsigned long>(pkg),
                     static_cast<unsigned long>(ver));
      std::fprintf(g_dump, "\n");
    } else {
      std::fprintf(g_dump, " unsolvable\n%s\n", outcomes[i].explanation.c_str());
    }
  }
}

// CPU time of this thread: on a machine shared with other work it is much
// steadier than the wall clock, and solving is single-threaded.
double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct LoopResult {
  std::vector<double> solve_us;  // CPU time of each solve, in loop order
  double total_ms = 0;           // wall time of the loop
  double total_cpu_ms = 0;       // CPU time of the loop
  std::size_t solved = 0, unsolvable = 0;
  std::vector<IntOutcome> outcomes;
};

template <class SolverT>
Result<LoopResult> run_loop(SolverT& solver,
                            const std::vector<std::pair<std::uint64_t, std::uint64_t>>& roots,
                            bool keep_outcomes) {
  LoopResult out;
  out.solve_us.reserve(roots.size());
  auto loop_start = Clock::now();
  double loop_cpu_start = thread_cpu_us();
  for (const auto& [pkg, ver] : roots) {
    double start = thread_cpu_us();
    IntOutcome outcome = WHARF_TRY(solver.solve(pkg, ver));
    out.solve_us.push_back(thread_cpu_us() - start);
    if (g_slow_ms > 0 && out.solve_us.back() > g_slow_ms * 1000)
      std::fprintf(stderr, "  slow: %lu@%lu took %.1f ms (%s)\n", static_cast<unsigned long>(pkg),
                   static_cast<unsigned long>(ver), out.solve_us.back() / 1000,
                   outcome.solved ? "solved" : "unsolvable");
    (outcome.solved ? out.solved : out.unsolvable)++;
    if (keep_outcomes) out.outcomes.push_back(std::move(outcome));
  }
  out.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - loop_start).count();
  out.total_cpu_ms = (thread_cpu_us() - loop_cpu_start) / 1000;
  return out;
}

template <class SolverT>
Result<LoopResult> best_of(SolverT& solver,
                           const std::vector<std::pair<std::uint64_t, std::uint64_t>>& roots,
                           int repeat, bool keep_outcomes) {
  LoopResult best;
  for (int i = 0; i < repeat; ++i) {
    LoopResult r = WHARF_TRY(run_loop(solver, roots, keep_outcomes && i == 0));
    if (i == 0 || r.total_cpu_ms < best.total_cpu_ms) {
      if (i > 0) r.outcomes = std::move(best.outcomes);
      best = std::move(r);
    }
  }
  return best;
}

void print_row(const std::string& file, const char* mode, const LoopResult& r) {
  std::vector<double> sorted = r.solve_us;
  std::sort(sorted.begin(), sorted.end());
  double median = 0, mean = 0;
  if (!sorted.empty()) {
    std::size_t n = sorted.size();
    median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(n);
  }
  std::printf("%-44s %-7s %7zu %7zu %7zu %10.2f %10.2f %9.1f %9.1f %9.1f %9.1f\n", file.c_str(),
              mode, r.solve_us.size(), r.solved, r.unsolvable, r.total_ms, r.total_cpu_ms,
              sorted.empty() ? 0.0 : sorted.front(), median, mean,
              sorted.empty() ? 0.0 : sorted.back());
  std::fflush(stdout);
}

std::size_t check(const ron::IntegerUniverse& universe,
                  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& roots,
                  const LoopResult& r, const char* mode) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
    std::string problem;
    if (r.outcomes[i].solved &&
        !is_valid_solution(universe, roots[i].first, roots[i].second, r.outcomes[i], problem)) {
      if (bad++ < 5)
        std::fprintf(stderr, "%s: %lu@%lu: invalid solution: %s\n", mode,
                     static_cast<unsigned long>(roots[i].first),
                     static_cast<unsigned long>(roots[i].second), problem.c_str());
    }
  }
  return bad;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "bench_pubgrub_large: %s\n"
               "usage: bench_pubgrub_large [--mode int|facade|both] [--repeat N] [--check] "
               "[--slow MS] [--only PKG@VER] [--dump FILE] FILE.ron...\n"
               "  the pubgrub-rs universes are in ../shared/bench-data/pubgrub-rs/\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "both";
  int repeat = 1;
  bool do_check = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--mode" && i + 1 < argc) {
      mode = argv[++i];
      if (mode != "int" && mode != "facade" && mode != "both")
        return usage("--mode must be int, facade or both");
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--slow" && i + 1 < argc) {
      g_slow_ms = std::atof(argv[++i]);
    } else if (arg == "--only" && i + 1 < argc) {
      // PKG@VER: solve just this root (to study one slow case).
      std::string only = argv[++i];
      auto at = only.find('@');
      if (at == std::string::npos) return usage("--only takes PKG@VER");
      g_only = {std::stoull(only.substr(0, at)), std::stoull(only.substr(at + 1))};
    } else if (arg == "--dump" && i + 1 < argc) {
      g_dump = std::fopen(argv[++i], "w");
      if (!g_dump) return usage("--dump: cannot write the file");
    } else if (arg == "--check") {
      do_check = true;
    } else if (arg == "--help" || arg == "-h") {
      usage("solves every package@version of pubgrub-rs universes");
      return 0;
    } else if (arg.starts_with("--")) {
      return usage(fmt::format("unknown option {}", arg).c_str());
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return usage("no .ron file given");

  std::printf("%-44s %-7s %7s %7s %7s %10s %10s %9s %9s %9s %9s\n", "file", "solver", "solves",
              "solved", "unsolv", "wall ms", "cpu ms", "min us", "median us", "mean us", "max us");
  int exit_code = 0;
  for (const std::string& file : files) {
    auto text = read_file(file);
    if (!text) {
      std::fprintf(stderr, "bench_pubgrub_large: %s\n", text.error().message.c_str());
      return 2;
    }
    auto universe = ron::parse_universe(*text, file);
    if (!universe) {
      std::fprintf(stderr, "bench_pubgrub_large: %s\n  %s\n", universe.error().message.c_str(),
                   universe.error().hint.c_str());
      return 2;
    }
    auto roots = all_package_versions(*universe);
    if (g_only) roots = {*g_only};
    std::string label = fs::path(file).filename().string();

    std::optional<LoopResult> int_result, facade_result;
    if (mode == "int" || mode == "both") {
      IntUniverseSolver solver(*universe);
      auto r = best_of(solver, roots, repeat, do_check || g_dump);
      if (!r) {
        std::fprintf(stderr, "bench_pubgrub_large: %s\n", r.error().message.c_str());
        return 1;
      }
      print_row(label, "int", *r);
      if (g_dump) dump("int", roots, r->outcomes);
      int_result = std::move(*r);
    }
    if (mode == "facade" || mode == "both") {
      FacadeUniverseSolver solver(*universe);
      auto r = best_of(solver, roots, repeat, do_check || g_dump);
      if (!r) {
        std::fprintf(stderr, "bench_pubgrub_large: %s\n", r.error().message.c_str());
        return 1;
      }
      print_row(label, "facade", *r);
      if (g_dump) dump("facade", roots, r->outcomes);
      facade_result = std::move(*r);
    }
    if (do_check) {
      std::size_t bad = 0;
      if (int_result) bad += check(*universe, roots, *int_result, "int");
      if (facade_result) bad += check(*universe, roots, *facade_result, "facade");
      std::size_t disagree = 0;
      if (int_result && facade_result) {
        for (std::size_t i = 0; i < roots.size(); ++i) {
          if (int_result->outcomes[i].solved != facade_result->outcomes[i].solved) {
            if (disagree++ < 5)
              std::fprintf(stderr, "%s: %lu@%lu: int says %s, facade says %s\n", label.c_str(),
                           static_cast<unsigned long>(roots[i].first),
                           static_cast<unsigned long>(roots[i].second),
                           int_result->outcomes[i].solved ? "solved" : "unsolvable",
                           facade_result->outcomes[i].solved ? "solved" : "unsolvable");
          }
        }
      }
      std::printf("  check %s: %zu invalid solutions, %zu solvability disagreements\n",
                  label.c_str(), bad, disagree);
      if (bad || disagree) exit_code = 1;
    }
  }
  return exit_code;
}
