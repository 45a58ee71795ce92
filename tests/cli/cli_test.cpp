// The h2lens executable as a user runs it: exit codes, error lines, and outputs that agree with
// each other on real captures.
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_test_support.h"

using namespace h2lens::test;

TEST_CASE("A file that is not a capture gets one error line and exit code 2") {
    int code = 0;
    const std::string err =
        cli("flows " + shellQuote((sourceDir() / "README.md").string()), &code, true);
    CHECK(code == 2);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(err.find("not a pcap or pcapng capture") != std::string::npos);
    cli("streams /nonexistent/x.pcap", &code);
    CHECK(code == 2);
}

TEST_CASE(
    "flows --json lists connections with ids, endpoints and delivered bytes, and --dump writes "
    "them") {
    int code = 0;
    const auto flows =
        nlohmann::json::parse(cli("flows --json " + sample("h2load_small.pcap"), &code));
    CHECK(code == 0);
    REQUIRE(flows.size() == 2);
    const auto dir = std::filesystem::temp_directory_path() / "h2lens_cli_dump";
    std::filesystem::remove_all(dir);
    cli("flows -q --dump " + shellQuote(dir.string()) + " " + sample("h2load_small.pcap"), &code);
    CHECK(code == 0);
    for (const auto& f : flows) {
        CHECK(f["id"].is_number());
        CHECK(f["client"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
        CHECK(f["server"].get<std::string>() == "127.0.0.1:18482");
        const auto id = std::to_string(f["id"].get<int>());
        CHECK(std::filesystem::file_size(dir / (id + ".c2s")) ==
              f["c2s"]["delivered_bytes"].get<std::uint64_t>());
        CHECK(std::filesystem::file_size(dir / (id + ".s2c")) ==
              f["s2c"]["delivered_bytes"].get<std::uint64_t>());
        // The client's stream starts with the HTTP/2 preface.
        std::ifstream in(dir / (id + ".c2s"), std::ios::binary);
        std::string head(24, '\0');
        in.read(head.data(), 24);
        CHECK(head == std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("frames --json and streams --json agree on the same capture") {
    int code = 0;
    std::istringstream lines(cli("frames --json " + sample("h2c_nghttp.pcap"), &code));
    CHECK(code == 0);
    std::map<std::uint32_t, std::uint64_t> dataBytes;
    std::size_t frames = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto j = nlohmann::json::parse(line);
        for (const char* key : {"conn", "t", "dir", "stream", "type", "flags", "length"})
            REQUIRE(j.contains(key));
        if (j["type"] == "DATA" && j["dir"] == "s2c")
            dataBytes[j["stream"]] += j["data_length"].get<std::uint64_t>();
        if (j["type"] == "HEADERS") CHECK(j["headers"].is_array());
        ++frames;
    }
    CHECK(frames > 10);
    const auto streams = nlohmann::json::parse(cli("streams --json " + sample("h2c_nghttp.pcap")));
    REQUIRE(streams.size() == 6);
    for (const auto& s : streams) {
        CHECK(s["end"] == "complete");
        CHECK(s["response_body_bytes"].get<std::uint64_t>() ==
              dataBytes[s["stream"].get<std::uint32_t>()]);
    }
    // --stream filters to one stream's frames.
    std::istringstream one(cli("frames --json --stream 21 " + sample("h2c_nghttp.pcap")));
    for (std::string line; std::getline(one, line);)
        CHECK(nlohmann::json::parse(line)["stream"] == 21);
}

TEST_CASE("h2lens FILE prints the summary a user reads first") {
    int code = 0;
    const std::string out = cli(sample("small_windows.pcap"), &code);
    CHECK(code == 0);
    CHECK(out.find("1 TCP connection (1 HTTP/2), 2 streams, 0 anomalies") != std::string::npos);
    CHECK(out.find("h2c (prior knowledge)") != std::string::npos);
    CHECK(out.find("status: 200 x2") != std::string::npos);
    // nghttp -w 14 opened a 16 KiB stream window for a 200 KiB body: the server stalled.
    CHECK(out.find("Flow-control stalls") != std::string::npos);
    CHECK(out.find("\033[") == std::string::npos);  // no colour when not on a terminal
}

TEST_CASE("Standard input works as the capture") {
    int code = 0;
    const std::string viaStdin =
        runCommand("cat " + sample("h2c_dumpcap.pcapng") + " | " + shellQuote(cliPath().string()) +
                       " streams - 2>/dev/null",
                   &code);
    CHECK(code == 0);
    CHECK(viaStdin == cli("streams " + sample("h2c_dumpcap.pcapng")));
    CHECK(viaStdin.find("/img/a.png") != std::string::npos);
}

TEST_CASE("TLS is decrypted with --keylog and with secrets embedded in a pcapng", "[real]") {
    H2LENS_REQUIRE_SHARED();
    const auto dir = sharedDir() / "captures/03b_tls12_curl_python_nginx";
    const std::string withKeys =
        cli("streams --keylog " + shellQuote((dir / "keylog.txt").string()) + " " +
            shellQuote((dir / "capture.pcap").string()));
    CHECK(withKeys.find("/index.html") != std::string::npos);
    const std::string without = cli("streams " + shellQuote((dir / "capture.pcap").string()));
    CHECK(without.find("/index.html") == std::string::npos);
    CHECK(without.find("no key") != std::string::npos);
    const std::string dsb =
        cli("streams " +
            shellQuote((sharedDir() / "captures/12a_pcapng_dumpcap_dsb/capture.pcapng").string()));
    CHECK(dsb.find("/1m.bin") != std::string::npos);
}

// `frames` text and `frames --json` are two printers of the same events (the text one shared
// with `live --view frames`): every JSON frame must have its text line, fields and headers.
TEST_CASE("frames text agrees with frames --json line by line on real captures", "[real]") {
    H2LENS_REQUIRE_SHARED();
    for (const char* name : {"01_h2c_prior_knowledge", "15_python_h2_server", "06_server_push"}) {
        const auto capture =
            shellQuote((sharedDir() / "captures" / name / "capture.pcap").string());
        DYNAMIC_SECTION(name) {
            std::istringstream json(cli("frames -q --json " + capture));
            std::istringstream text(cli("frames -q " + capture));
            std::string line;
            std::size_t frames = 0, headerLines = 0, detailed = 0;
            for (std::string jl; std::getline(json, jl);) {
                const auto j = nlohmann::json::parse(jl);
                // Anomaly lines sit between frame lines in the text form only.
                do {
                    REQUIRE(std::getline(text, line));
                } while (line.find(" ANOMALY ") != std::string::npos);
                INFO(jl << "\n" << line);
                char prefix[128];
                std::snprintf(
                    prefix, sizeof prefix, "[%11.6f] conn %llu %s stream %llu %s flags=0x%02x",
                    j["t"].get<double>(), j["conn"].get<unsigned long long>(),
                    j["dir"].get<std::string>().c_str(), j["stream"].get<unsigned long long>(),
                    j["type"].get<std::string>().c_str(), j["flags"].get<unsigned>());
                CHECK(line.rfind(prefix, 0) == 0);
                // The length ends the line or comes before the type's fields: no trailing space.
                const std::string length =
                    " length=" + std::to_string(j["length"].get<std::uint64_t>());
                CHECK((line.find(length + " ") != std::string::npos ||
                       line.compare(line.size() - length.size(), length.size(), length) == 0));
                std::string detail;
                if (j.contains("window_increment"))
                    detail = "(window_size_increment=" +
                             std::to_string(j["window_increment"].get<std::uint64_t>()) + ")";
                if (j["type"] == "PING")
                    detail = "(opaque_data=" + j["opaque_data"].get<std::string>() + ")";
                if (j["type"] == "GOAWAY")
                    detail = "(last_stream_id=" +
                             std::to_string(j["last_stream_id"].get<std::uint64_t>()) +
                             ", error_code=" + j["error"].get<std::string>() + ", opaque_data=";
                if (j["type"] == "PUSH_PROMISE")
                    detail = "(promised_stream_id=" +
                             std::to_string(j["promised_stream"].get<std::uint64_t>()) + ")";
                if (j.contains("priority")) {
                    const auto& p = j["priority"];
                    detail =
                        "(dep_stream_id=" + std::to_string(p["dependency"].get<std::uint64_t>()) +
                        ", weight=" + std::to_string(p["weight"].get<int>()) +
                        ", exclusive=" + (p["exclusive"].get<bool>() ? "1" : "0") + ")";
                }
                if (!detail.empty()) {
                    CHECK(line.find(detail) != std::string::npos);
                    ++detailed;
                }
                if (j.contains("headers")) {
                    for (const auto& h : j["headers"]) {
                        REQUIRE(std::getline(text, line));
                        // An empty value leaves no trailing space.
                        const std::string value = h[1].get<std::string>();
                        const std::string expected = "              " + h[0].get<std::string>() +
                                                     (value.empty() ? ":" : ": " + value);
                        CHECK(line.rfind(expected, 0) == 0);
                        ++headerLines;
                    }
                }
                ++frames;
            }
            while (std::getline(text, line)) CHECK(line.find(" ANOMALY ") != std::string::npos);
            CHECK(frames > 20);
            CHECK(headerLines > 20);
            CHECK(detailed > 5);
        }
    }
}

// --tls-threads moves record decryption to other threads; what the user gets must not change.
TEST_CASE("TLS decrypted with --tls-threads 0, 1 and 3 prints the same decode", "[real]") {
    const auto own = sourceDir() / "tests/tls/data";
    std::vector<std::pair<std::string, std::string>> inputs = {
        {shellQuote((own / "tls13_keyupdate.pcap").string()),
         shellQuote((own / "tls13_keyupdate.keys").string())}};
    if (std::filesystem::exists(sharedDir())) {
        for (const char* d : {"03a_tls13_curl_nginx", "03b_tls12_curl_python_nginx"}) {
            const auto dir = sharedDir() / "captures" / d;
            inputs.emplace_back(shellQuote((dir / "capture.pcap").string()),
                                shellQuote((dir / "keylog.txt").string()));
        }
    }
    for (const auto& [capture, keys] : inputs) {
        for (const char* command : {"summary", "frames", "export --ndjson -o -"}) {
            INFO(command << " " << capture);
            const std::string args = std::string(command) + " --keylog " + keys + " " + capture;
            int code = -1;
            const std::string inTurn = cli(args + " --tls-threads 0", &code);
            CHECK(code == 0);
            CHECK(inTurn.size() > 400);
            CHECK(cli(args + " --tls-threads 1") == inTurn);
            CHECK(cli(args + " --tls-threads 3") == inTurn);
            CHECK(cli(args) == inTurn);
        }
    }
    int code = 0;
    cli("summary --tls-threads 65 " + sample("h2c_nghttp.pcap"), &code);
    CHECK(code != 0);
}

TEST_CASE("flows reads TCP only and refuses the TLS options") {
    int code = 0;
    cli("flows --tls-threads 2 " + sample("h2c_nghttp.pcap"), &code);
    CHECK(code != 0);
    cli("flows " + sample("h2c_nghttp.pcap"), &code);
    CHECK(code == 0);
    const std::string help = cli("flows --help", &code);
    CHECK(help.find("--keylog") == std::string::npos);
    CHECK(help.find("--max-flows") != std::string::npos);
}
