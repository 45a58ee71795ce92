// LiveCapture and the interface list on the real loopback interface: filters compiled by
// libpcap, the error sentences users meet, packets our own socket sends to 127.0.0.1, the
// drain on stop() and prompt wake-ups. Tests that need capture rights skip without them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "live/live_test_support.h"
#include "pcap/interfaces.h"
#include "pcap/live_capture.h"

using namespace h2lens;
using namespace h2lens::test;
using namespace std::chrono_literals;

namespace {

std::int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Sends `payload` as one UDP datagram to 127.0.0.1:port.
void sendUdp(int port, const std::string& payload) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    close(fd);
}

std::string payloadOf(const Packet& p) {
    // Ethernet (14) + IPv4 (20, no options from the kernel here) + UDP (8).
    REQUIRE(p.linkType == 1);
    REQUIRE(p.data.size() >= 42);
    return std::string(reinterpret_cast<const char*>(p.data.data()) + 42, p.data.size() - 42);
}

struct CliRun {
    int exitCode = -1;
    std::string out;
    std::string err;
};

CliRun runCli(const std::string& args, const std::string& prefix = "") {
    const auto errFile = std::filesystem::temp_directory_path() /
                         ("h2lens_live_err_" + std::to_string(getpid()) + ".txt");
    CliRun r;
    r.out = runCommand(
        prefix + shellQuote(cliPath().string()) + " " + args + " 2>" + shellQuote(errFile.string()),
        &r.exitCode);
    r.err = readTextFile(errFile);
    std::filesystem::remove(errFile);
    return r;
}

}  // namespace

TEST_CASE("Good capture filters compile in libpcap and bad ones get its explanation", "[live]") {
    CHECK_FALSE(checkCaptureFilter("tcp port 443", 1));
    CHECK_FALSE(checkCaptureFilter("ip and tcp[tcpflags] & tcp-syn != 0", 1));
    CHECK_FALSE(checkCaptureFilter("", 1));
    const auto bad = checkCaptureFilter("tcp prot 80", 1);
    REQUIRE(bad);
    CHECK(bad->find("syntax error") != std::string::npos);
    // Link-layer primitives depend on the link type: fine on Ethernet, refused on raw IP.
    CHECK_FALSE(checkCaptureFilter("ether host 02:00:00:00:00:01", 1));
    const auto raw = checkCaptureFilter("ether host 02:00:00:00:00:01", 101);
    REQUIRE(raw);
    CHECK(!raw->empty());
}

TEST_CASE("interfaces lists lo as up and loopback with 127.0.0.1/8, in text and JSON",
          "[live][uses-captures]") {
    const auto list = listCaptureInterfaces();
    const auto lo =
        std::find_if(list.begin(), list.end(), [](const auto& i) { return i.name == "lo"; });
    REQUIRE(lo != list.end());
    CHECK(lo->loopback);
    CHECK(lo->up);
    const bool hasV4 =
        std::any_of(lo->addresses.begin(), lo->addresses.end(), [](const InterfaceAddress& a) {
            return a.family == AF_INET && a.address == "127.0.0.1" && a.prefixLength == 8;
        });
    CHECK(hasV4);
    for (const auto& i : list) CHECK(!i.name.empty());

    const CliRun text = runCli("interfaces");
    CHECK(text.exitCode == 0);
    CHECK(text.out.find("\nlo ") != std::string::npos);
    CHECK(text.out.find("127.0.0.1/8") != std::string::npos);
    const CliRun json = runCli("interfaces --json");
    REQUIRE(json.exitCode == 0);
    const auto parsed = nlohmann::json::parse(json.out);
    REQUIRE(parsed.size() == list.size());
    bool loFound = false;
    for (const auto& i : parsed) {
        if (i["name"] == "lo") {
            loFound = true;
            CHECK(i["loopback"] == true);
        }
    }
    CHECK(loFound);
}

TEST_CASE("live names a missing interface in one sentence and exits with code 2",
          "[live][uses-interface]") {
    const CliRun r = runCli("live -i h2lens-none0 --duration 1");
    CHECK(r.exitCode == 2);
    CHECK(r.err ==
          "h2lens: no capture interface named 'h2lens-none0' (`h2lens interfaces` lists them)\n");
    CHECK(r.out.empty());
}

TEST_CASE("live without capture rights says in its error how to grant them",
          "[live][uses-interface]") {
    std::string prefix;
    if (geteuid() == 0) {
        if (!haveProgram("setpriv")) {
            WARN("skipped: running as root and setpriv is missing to drop the rights");
            return;
        }
        prefix =
            "setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "
            "--bounding-set=-all ";
    } else if (whyNoLoopbackCapture().empty()) {
        WARN("skipped: this process holds capture rights, so the error cannot be provoked");
        return;
    }
    const CliRun r = runCli("live -i lo --duration 1", prefix);
    CHECK(r.exitCode == 2);
    CHECK(r.err.find("h2lens: no permission to capture on 'lo'") == 0);
    CHECK(r.err.find("setcap cap_net_raw,cap_net_admin=eip " + cliPath().string()) !=
          std::string::npos);
    CHECK(r.err.find("Instead of running h2lens as root") != std::string::npos);
}

TEST_CASE("live gives libpcap's explanation of a bad BPF filter and exits with code 2",
          "[live][uses-interface]") {
    H2LENS_REQUIRE_CAPTURE();
    const CliRun r = runCli("live -i lo -f 'tcp prot 80' --duration 1");
    CHECK(r.exitCode == 2);
    CHECK(
        r.err ==
        "h2lens: bad capture filter 'tcp prot 80': can't parse filter expression: syntax error\n");
    LiveOptions o;
    o.interface = "lo";
    o.filter = "tcp port 99999";
    try {
        LiveCapture c(o);
        FAIL("a port above 65535 was accepted");
    } catch (const LiveCaptureError& e) {
        CHECK(e.kind() == LiveErrorKind::BadFilter);
        CHECK(std::string(e.what()).find("bad capture filter 'tcp port 99999': ") == 0);
    }
}

TEST_CASE("A live capture gets each datagram sent to 127.0.0.1 once, drained after stop()",
          "[live][uses-interface]") {
    H2LENS_REQUIRE_CAPTURE();
    const int port = freeLoopbackPort();
    LiveOptions o;
    o.interface = "lo";
    o.filter = "udp port " + std::to_string(port);
    LiveCapture capture(o);
    CHECK(capture.linkType() == 1);  // Linux loopback is presented as Ethernet
    CHECK(capture.snapLength() == 262144);

    const std::int64_t before = nowNs();
    for (int i = 0; i < 5; ++i) sendUdp(port, "h2lens datagram " + std::to_string(i));
    std::this_thread::sleep_for(50ms);
    const std::int64_t after = nowNs();
    // Stop first: what the kernel already holds is still handed out, then Stopped.
    capture.stop();
    Packet p;
    for (int i = 0; i < 5; ++i) {
        REQUIRE(capture.poll(p) == LiveRead::Packet);
        CHECK(p.number == static_cast<std::uint64_t>(i + 1));
        CHECK(payloadOf(p) == "h2lens datagram " + std::to_string(i));
        CHECK(p.originalLength == p.data.size());
        CHECK(p.ts >= before);  // nanoseconds since the epoch
        CHECK(p.ts <= after);
    }
    CHECK(capture.poll(p) == LiveRead::Stopped);
    CHECK(capture.poll(p) == LiveRead::Stopped);
    CHECK(capture.next(p) == ReadStatus::End);
    const LiveStats st = capture.stats();
    CHECK(st.available);
    CHECK(st.received >= 5);  // Linux counts loopback packets on the way out and in
    CHECK(st.droppedByKernel == 0);
    CHECK(capture.takeIssues().empty());
}

TEST_CASE("An idle live capture poll times out, and stop() from another thread ends next()",
          "[live][uses-interface]") {
    H2LENS_REQUIRE_CAPTURE();
    LiveOptions o;
    o.interface = "lo";
    o.filter = "udp port " + std::to_string(freeLoopbackPort());
    o.pollTimeoutMs = 50;
    LiveCapture capture(o);
    Packet p;
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(capture.poll(p) == LiveRead::Timeout);
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 40ms);
    CHECK(waited < 1000ms);

    o.pollTimeoutMs = 5000;  // stop() must not wait for the timeout
    LiveCapture slow(o);
    std::thread stopper([&] {
        std::this_thread::sleep_for(100ms);
        slow.stop();
    });
    const auto t1 = std::chrono::steady_clock::now();
    const ReadStatus status = slow.next(p);
    const auto took = std::chrono::steady_clock::now() - t1;
    stopper.join();
    CHECK(status == ReadStatus::End);
    CHECK(took < 2000ms);
}
