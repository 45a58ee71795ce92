#pragma once
// Helpers for the live-capture tests: child processes we can signal and reap with a deadline,
// free loopback ports, and the checks that decide whether a test can capture at all.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pcap/live_capture.h"
#include "test_support.h"

extern char** environ;

namespace h2lens::test {

// A packet copied out of a source (its bytes are only valid until the next read).
struct CopiedPacket {
    std::uint64_t number = 0;
    TimestampNs ts = 0;
    std::uint32_t linkType = 0;
    std::uint32_t originalLength = 0;
    Bytes data;
    bool operator==(const CopiedPacket&) const = default;

    Packet view() const {
        Packet p;
        p.number = number;
        p.ts = ts;
        p.linkType = linkType;
        p.originalLength = originalLength;
        p.data = data;
        return p;
    }
};

struct CopiedCapture {
    std::vector<CopiedPacket> packets;
    std::vector<CaptureIssue> issues;
};

inline CopiedCapture readPackets(PacketSource& source) {
    CopiedCapture r;
    Packet p;
    while (source.next(p) == ReadStatus::Packet) {
        r.packets.push_back(
            {p.number, p.ts, p.linkType, p.originalLength, Bytes(p.data.begin(), p.data.end())});
    }
    r.issues = source.takeIssues();
    return r;
}

inline Bytes readBinaryFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string readTextFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A process started with posix_spawn, stdout and stderr sent to files. The destructor kills
// and reaps it, so a failing test leaves nothing behind.
class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out,
                 const std::filesystem::path& err) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        if (posix_spawnp(&m_pid, args[0], &actions, nullptr, args.data(), environ) != 0) m_pid = -1;
        posix_spawn_file_actions_destroy(&actions);
    }
    ~ChildProcess() {
        if (m_pid > 0 && !m_status) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool started() const { return m_pid > 0; }
    void signal(int sig) const {
        if (m_pid > 0 && !m_status) kill(m_pid, sig);
    }
    // The exit code once it ended by itself within `timeout` (-1 if killed by a signal), or
    // nothing (it is killed then).
    std::optional<int> wait(std::chrono::milliseconds timeout) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (!m_status) {
            int status = 0;
            const pid_t r = waitpid(m_pid, &status, WNOHANG);
            if (r == m_pid) {
                m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                break;
            }
            if (std::chrono::steady_clock::now() > end) {
                kill(m_pid, SIGKILL);
                waitpid(m_pid, nullptr, 0);
                m_status = -2;
                return std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return m_status;
    }

  private:
    pid_t m_pid = -1;
    std::optional<int> m_status;
};

// A TCP port on 127.0.0.1 nobody listens on right now.
inline int freeLoopbackPort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

inline bool acceptsConnections(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

// Waits until `predicate` holds, at most `timeout`.
template <typename F>
bool waitFor(F predicate, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

// Empty when this process may capture on the loopback interface, else why not.
inline std::string whyNoLoopbackCapture() {
    try {
        LiveOptions o;
        o.interface = "lo";
        LiveCapture capture(o);
        return {};
    } catch (const LiveCaptureError& e) {
        return e.what();
    }
}

// A fresh directory under /tmp for one test, removed afterwards.
class TempDir {
  public:
    explicit TempDir(const std::string& tag)
        : m_path(std::filesystem::temp_directory_path() /
                 ("h2lens_" + tag + "_" + std::to_string(getpid()))) {
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() { std::filesystem::remove_all(m_path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

}  // namespace h2lens::test

// Skips the rest of the test case unless this process can capture on lo.
#define H2LENS_REQUIRE_CAPTURE()                                                     \
    do {                                                                             \
        const std::string why_ = h2lens::test::whyNoLoopbackCapture();               \
        if (!why_.empty()) {                                                         \
            WARN("skipped: cannot capture on lo (run as root or setcap): " << why_); \
            return;                                                                  \
        }                                                                            \
    } while (0)

#define H2LENS_REQUIRE_PROGRAM(name)                               \
    do {                                                           \
        if (!h2lens::test::haveProgram(name)) {                    \
            WARN("skipped: " name                                  \
                 " not installed (apt-get install nghttp2-client " \
                 "nghttp2-server curl)");                          \
            return;                                                \
        }                                                          \
    } while (0)
