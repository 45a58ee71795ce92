// `h2lens live --audit` on loopback: a PING flood sent to nghttpd while h2lens captures is
// reported when the capture stops.
#include <catch2/catch.hpp>

#include "live/live_test_support.h"

using namespace h2lens::test;

TEST_CASE("live --audit reports a PING flood on loopback when the capture stops",
          "[uses-interface]") {
    H2LENS_REQUIRE_CAPTURE();
    H2LENS_REQUIRE_PROGRAM("nghttpd");
    if (!haveProgram("/usr/bin/python3")) {
        WARN("skipped: /usr/bin/python3 missing");
        return;
    }
    TempDir dir("audit_live");
    std::ofstream(dir.path() / "index.html") << "hello\n";
    const int port = freeLoopbackPort();
    ChildProcess server(
        {"nghttpd", "--no-tls", "-a", "127.0.0.1", "-d", dir.path().string(), std::to_string(port)},
        dir.path() / "nghttpd.out", dir.path() / "nghttpd.err");
    REQUIRE(waitFor([&] { return acceptsConnections(port); }, std::chrono::seconds(5)));
    ChildProcess live({cliPath().string(), "live", "-i", "lo", "-f",
                       "tcp port " + std::to_string(port), "--duration", "4", "--audit"},
                      dir.path() / "live.out", dir.path() / "live.err");
    REQUIRE(waitFor(
        [&] {
            return readTextFile(dir.path() / "live.err").find("capturing on") != std::string::npos;
        },
        std::chrono::seconds(5)));
    int code = -1;
    runCommand("/usr/bin/python3 " +
                   shellQuote((sourceDir() / "tests" / "audit" / "attack_client.py").string()) +
                   " ping-flood 127.0.0.1 " + std::to_string(port) + " 2>/dev/null",
               &code);
    CHECK(code == 0);
    REQUIRE(live.wait(std::chrono::seconds(15)) == 0);
    const std::string out = readTextFile(dir.path() / "live.out");
    CHECK(out.find("live capture on lo: 1 finding (1 attack) in 1 HTTP/2 connection") !=
          std::string::npos);
    CHECK(out.find("PING flood (CVE-2019-9512, RFC 9113 §10.5)") != std::string::npos);
    CHECK(out.find("1000 PINGs; peak 1000 PINGs/s (threshold 100/s)") != std::string::npos);
}
