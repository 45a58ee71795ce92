#pragma once
// Running the built h2lens as a user does, for the CLI suites.
#include <string>

#include "test_support.h"

namespace h2lens::test {

// `h2lens ARGS`: standard output, and the exit code in *code; stderr too when asked.
inline std::string cli(const std::string& args, int* code = nullptr, bool withStderr = false) {
    return runCommand(
        shellQuote(cliPath().string()) + " " + args + (withStderr ? " 2>&1" : " 2>/dev/null"),
        code);
}

// A bundled sample's path, quoted for the shell.
inline std::string sample(const char* name) {
    return shellQuote((sourceDir() / "samples" / name).string());
}

}  // namespace h2lens::test
