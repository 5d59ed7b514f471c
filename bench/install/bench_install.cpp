// Installer benchmark: a warm install of 200 packages x 50 files against
// `cp -al` / `cp -a` of the same trees, the upgrade of one package, and the
// no-op fast path against starting a process.
//
//   bench_install [--packages N] [--files N] [--runs N] [--dir PATH]
//
// Prints one line per measurement (median of --runs) and the ratios, in wall
// time and in CPU time (user + system, of the cp process or of this process's
// threads). Runs of cp -al, cp -a and the installs are interleaved, so that a
// load that comes and goes weighs on all of them alike. The trees live under
// --dir (default: the system temp folder), which must be on the file system
// being measured.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "wharf/install/installer.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"

namespace fs = std::filesystem;
using namespace wharf;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds(int who) {
  struct rusage usage {};
  ::getrusage(who, &usage);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(usage.ru_utime) + tv(usage.ru_stime);
}

struct Sample {
  std::vector<double> wall, cpu;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

int run(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void remove_all_writable(const fs::path& path) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_directory() && !it->is_symlink())
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path, ec);
}

install::PackageTree make_tree(const fs::path& cache, int index, int files, int version,
                               bool with_digests) {
  std::string name = "pkg" + std::to_string(index);
  std::string v = std::to_string(version) + ".0.0";
  fs::path tree = cache / (name + "-" + v);
  install::PackageTree package{.name = name, .version = v, .id = name + "@" + v, .tree = tree};
  for (int f = 0; f < files; ++f) {
    std::string rel;
    if (f == 0)
      rel = "bin/" + name;
    else if (f < 5)
      rel = "lib/lib" + name + "-" + std::to_string(f) + ".so";
    else if (f < 15)
      rel = "include/" + name + "/h" + std::to_string(f) + ".h";
    else
      rel = "share/" + name + "/data/f" + std::to_string(f) + ".txt";
    fs::create_directories((tree / rel).parent_path());
    // 1-8 KiB of content per file.
    std::string content(1024 * (1 + (f * 7 + index) % 8), static_cast<char>('a' + f % 26));
    content += name + v + rel;
    std::ofstream(tree / rel, std::ios::binary) << content;
    ::chmod((tree / rel).c_str(), f == 0 ? 0555 : 0444);
    if (with_digests) package.known_sha256[rel] = sha256_hex(content);
  }
  return package;
}

}  // namespace

int main(int argc, char** argv) {
  int packages = 200, files = 50, runs = 5;
  fs::path base = fs::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--packages") packages = std::atoi(argv[i + 1]);
    if (flag == "--files") files = std::atoi(argv[i + 1]);
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    if (flag == "--dir") base = argv[i + 1];
  }
  fs::path work = base / ("wharf-bench-install-" + std::to_string(::getpid()));
  fs::path cache = work / "cache";
  std::vector<install::PackageTree> trees, trees_known;
  for (int p = 0; p < packages; ++p) {
    trees.push_back(make_tree(cache, p, files, 1, true));
    trees_known.push_back(trees.back());
    trees.back().known_sha256.clear();
  }
  auto upgraded = trees_known;
  upgraded[packages / 2] = make_tree(cache, packages / 2, files, 2, true);
  // Warm the page cache for everyone.
  run({"cp", "-al", (cache / ".").string(), (work / "warm").string()});
  remove_all_writable(work / "warm");

  std::vector<std::string> cp_sources;
  for (const auto& t : trees) cp_sources.push_back((t.tree / ".").string());
  auto time_cp = [&](const std::string& flags, Sample& sample, int r) {
    fs::path dest = work / ("cp" + std::to_string(r));
    fs::create_directories(dest);
    std::vector<std::string> argv{"cp", flags};
    argv.insert(argv.end(), cp_sources.begin(), cp_sources.end());
    argv.push_back(dest.string());
    double cpu = cpu_seconds(RUSAGE_CHILDREN);
    auto start = Clock::now();
    if (run(argv) != 0) std::fprintf(stderr, "cp %s failed\n", flags.c_str());
    sample.wall.push_back(seconds_since(start));
    sample.cpu.push_back(cpu_seconds(RUSAGE_CHILDREN) - cpu);
    remove_all_writable(dest);
  };
  std::string mode;
  auto time_install = [&](const std::vector<install::PackageTree>& set, Sample& sample, int r) {
    fs::path envs = work / ("env" + std::to_string(r));
    double cpu = cpu_seconds(RUSAGE_SELF);
    auto start = Clock::now();
    auto report = install::apply({.prefix = envs / "default", .packages = set});
    sample.wall.push_back(seconds_since(start));
    sample.cpu.push_back(cpu_seconds(RUSAGE_SELF) - cpu);
    if (!report) {
      std::fprintf(stderr, "apply failed: %s\n", report.error().message.c_str());
      std::exit(1);
    }
    mode = report->link_mode;
    remove_all_writable(envs);
  };

  Sample cp_al, cp_a, warm_known, warm_hashing;
  for (int r = 0; r < runs; ++r) {
    time_cp("-al", cp_al, r);
    time_install(trees_known, warm_known, r);
    time_cp("-a", cp_a, r);
    time_install(trees, warm_hashing, r);
  }

  // Upgrade of one package, and the no-op fast path.
  fs::path prefix = work / "env-up" / "default";
  std::vector<double> upgrade_times;
  for (int r = 0; r < runs; ++r) {
    if (!install::apply({.prefix = prefix, .packages = trees_known})) return 1;
    auto start = Clock::now();
    if (!install::apply({.prefix = prefix, .packages = upgraded})) return 1;
    upgrade_times.push_back(seconds_since(start));
  }
  install::Request noop_request{.prefix = prefix, .packages = upgraded};
  const int noop_calls = 200;
  auto start = Clock::now();
  for (int i = 0; i < noop_calls; ++i)
    if (!install::is_up_to_date(noop_request).value_or(false)) return 1;
  double noop = seconds_since(start) / noop_calls;
  start = Clock::now();
  for (int i = 0; i < noop_calls; ++i) run({"true"});
  double process = seconds_since(start) / noop_calls;
  start = Clock::now();
  auto verified = install::verify(prefix);
  double verify_time = seconds_since(start);

  std::printf("trees: %d packages x %d files, link mode %s, median of %d runs\n", packages,
              files, mode.c_str(), runs);
  std::printf("%-30s %10s %10s %12s %12s\n", "", "wall ms", "cpu ms", "wall/cp-al", "cpu/cp-al");
  auto line = [&](const char* what, const Sample& sample) {
    double wall = median(sample.wall), cpu = median(sample.cpu);
    std::printf("%-30s %10.1f %10.1f %12.2f %12.2f\n", what, wall * 1e3, cpu * 1e3,
                wall / median(cp_al.wall), cpu / median(cp_al.cpu));
  };
  line("cp -al", cp_al);
  line("cp -a", cp_a);
  line("warm install (digests known)", warm_known);
  line("warm install (hashing)", warm_hashing);
  std::printf("upgrade one package            %8.1f ms\n", median(upgrade_times) * 1e3);
  std::printf("no-op is_up_to_date            %8.3f ms  (%.2fx a process start: %.3f ms)\n",
              noop * 1e3, noop / process, process * 1e3);
  std::printf("verify (hash every file)       %8.1f ms  ok=%d\n", verify_time * 1e3,
              verified && verified->ok() ? 1 : 0);
  remove_all_writable(work);
  return 0;
}
