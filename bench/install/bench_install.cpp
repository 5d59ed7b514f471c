// Installer benchmark: a warm install of 200 packages x 50 files against
// `cp -al` / `cp -a` of the same trees, the upgrade of one package, and the
// no-op fast path against starting a process.
//
//   bench_install [--packages N] [--files N] [--runs N] [--dir PATH]
//
// Prints one line per measurement (median of --runs) and the ratios. The
// trees live under --dir (default: the system temp folder), which must be on
// the file system being measured.
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
  auto time_cp = [&](const std::string& flags) {
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      fs::path dest = work / ("cp" + std::to_string(r));
      fs::create_directories(dest);
      std::vector<std::string> argv{"cp", flags};
      argv.insert(argv.end(), cp_sources.begin(), cp_sources.end());
      argv.push_back(dest.string());
      auto start = Clock::now();
      if (run(argv) != 0) std::fprintf(stderr, "cp %s failed\n", flags.c_str());
      times.push_back(seconds_since(start));
      remove_all_writable(dest);
    }
    return median(times);
  };
  auto time_install = [&](const std::vector<install::PackageTree>& set, std::string& mode) {
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      fs::path envs = work / ("env" + std::to_string(r));
      auto start = Clock::now();
      auto report = install::apply({.prefix = envs / "default", .packages = set});
      times.push_back(seconds_since(start));
      if (!report) {
        std::fprintf(stderr, "apply failed: %s\n", report.error().message.c_str());
        std::exit(1);
      }
      mode = report->link_mode;
      remove_all_writable(envs);
    }
    return median(times);
  };

  std::string mode;
  double cp_al = time_cp("-al");
  double cp_a = time_cp("-a");
  double warm_known = time_install(trees_known, mode);
  double warm_hashing = time_install(trees, mode);

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

  std::printf("trees: %d packages x %d files, link mode %s\n", packages, files, mode.c_str());
  std::printf("cp -al                         %8.1f ms\n", cp_al * 1e3);
  std::printf("cp -a                          %8.1f ms\n", cp_a * 1e3);
  std::printf("warm install (digests known)   %8.1f ms  %.2fx cp -al  %.2fx cp -a\n",
              warm_known * 1e3, warm_known / cp_al, warm_known / cp_a);
  std::printf("warm install (hashing)         %8.1f ms  %.2fx cp -al  %.2fx cp -a\n",
              warm_hashing * 1e3, warm_hashing / cp_al, warm_hashing / cp_a);
  std::printf("upgrade one package            %8.1f ms\n", median(upgrade_times) * 1e3);
  std::printf("no-op is_up_to_date            %8.3f ms  (%.2fx a process start: %.3f ms)\n",
              noop * 1e3, noop / process, process * 1e3);
  std::printf("verify (hash every file)       %8.1f ms  ok=%d\n", verify_time * 1e3,
              verified && verified->ok() ? 1 : 0);
  remove_all_writable(work);
  return 0;
}
