#pragma once
// Helpers for tests that run real programs (tshark, the h2lens CLI) and walk the shared captures.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "test_paths.h"

namespace h2lens::test {

// Runs a shell command and returns its standard output (stderr is discarded unless redirected).
inline std::string runCommand(const std::string& cmd, int* exitCode = nullptr) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    std::array<char, 65536> buf;
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = pclose(p);
    if (exitCode) *exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

inline bool haveProgram(const std::string& name) {
    int code = 0;
    runCommand("command -v " + name + " >/dev/null 2>&1", &code);
    return code == 0;
}

// Every capture file of the shared reference set and public corpus, sorted.
inline std::vector<std::filesystem::path> sharedCaptures() {
    std::vector<std::filesystem::path> files;
    for (const char* sub : {"captures", "corpus/pcaps"}) {
        const auto root = sharedDir() / sub;
        if (!std::filesystem::exists(root)) continue;
        for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
            if (!e.is_regular_file()) continue;
            const auto ext = e.path().extension().string();
            if (ext == ".pcap" || ext == ".pcapng") files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

inline std::string shellQuote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

}  // namespace h2lens::test
