// Replays fuzz inputs through the fuzz target from a normal build, so CI
// needs no clang: every file named, or found in a directory named, is run
// once. An input that takes longer than the timeout is a finding (the process
// exits 1 naming it), as is any crash.
//
// usage: fuzz-replay [--timeout SECONDS] FILE|DIR...
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

char current[4096];  // the input being run, for the timeout message

void on_timeout(int)
{
    const char prefix[] = "fuzz-replay: timeout (a hang) on ";
    (void)!::write(STDERR_FILENO, prefix, sizeof prefix - 1);
    (void)!::write(STDERR_FILENO, current, std::strlen(current));
    (void)!::write(STDERR_FILENO, "\n", 1);
    ::_exit(1);
}

std::vector<fs::path> inputs(const std::vector<std::string>& args)
{
    std::vector<fs::path> found;
    for (const auto& arg : args) {
        if (fs::is_directory(arg)) {
            for (const auto& entry : fs::recursive_directory_iterator(arg))
                if (entry.is_regular_file())
                    found.push_back(entry.path());
        } else {
            found.emplace_back(arg);
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

}  // namespace

int main(int argc, char** argv)
{
    unsigned timeout = 10;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = static_cast<unsigned>(std::atoi(argv[++i]));
        else
            args.emplace_back(argv[i]);
    }
    if (args.empty()) {
        std::fprintf(stderr, "usage: fuzz-replay [--timeout SECONDS] FILE|DIR...\n");
        return 2;
    }
    std::signal(SIGALRM, on_timeout);
    size_t count = 0;
    for (const auto& path : inputs(args)) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "fuzz-replay: cannot read %s\n", path.c_str());
            return 1;
        }
        const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::snprintf(current, sizeof current, "%s", path.c_str());
        ::alarm(timeout);
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
        ::alarm(0);
        ++count;
    }
    std::printf("fuzz-replay: %zu inputs, no crash, no hang\n", count);
    return 0;
}
