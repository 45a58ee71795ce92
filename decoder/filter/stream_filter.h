#pragma once
// The stream filter language of the GUI's filter box and the CLI's display filter (-Y); one
// language, documented in docs/filter.md. A filter is terms separated by spaces, all of which
// must match (case-insensitive); a leading '!' negates a term:
//   status:404 status:5xx method:POST path:/api authority:host type:json
//   header:name header:name=value conn:3 stream:5 end:reset end:complete end:CANCEL
//   anomaly:NAME anomaly:* dur>100ms dur<=2s
// and a bare word matches path, method, status, authority or any header name or value.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "h2/h2_records.h"

namespace h2lens {

// What a filter is matched against: one finished stream of one connection.
struct FilterTarget {
    std::uint64_t conn = 0;
    const StreamRecord* stream = nullptr;
    // Names of the anomalies raised on this stream (empty when none or not collected).
    std::vector<std::string_view> anomalies;
};

class StreamFilter {
  public:
    // An empty text gives a filter that matches everything. Terms that cannot be read are
    // listed in errors() (one sentence each) and match nothing, so a half-typed filter in the
    // GUI hides rows instead of showing all of them; the CLI refuses a filter with errors.
    static StreamFilter parse(std::string_view text);

    bool empty() const { return m_terms.empty(); }
    const std::vector<std::string>& errors() const { return m_errors; }
    // Some term looks at anomalies: the caller has to collect them per stream.
    bool usesAnomalies() const;
    bool matches(const FilterTarget& target) const;

  private:
    enum class Key : std::uint8_t {
        Word,
        Status,
        Method,
        Path,
        Authority,
        Type,
        Header,
        Conn,
        Stream,
        End,
        Anomaly,
        Duration,
        Invalid,
    };
    enum class Compare : std::uint8_t { Less, LessEqual, Greater, GreaterEqual, Equal };
    struct Term {
        Key key = Key::Word;
        bool negate = false;
        std::string value;        // lower-case
        std::string headerValue;  // header:name=value
        std::optional<std::uint64_t> number;
        Compare compare = Compare::Equal;
        std::int64_t durationNs = 0;
    };
    static Term parseTerm(std::string_view word, std::vector<std::string>& errors);
    static bool matches(const Term& term, const FilterTarget& target);

    std::vector<Term> m_terms;
    std::vector<std::string> m_errors;
};

// "RST by client (CANCEL)", "complete", ...: how the GUI and `streams` say a stream ended.
std::string streamEndText(const StreamRecord& stream);
// The response :status, or the last 1xx's when no final response came ("" when none).
std::string_view streamStatus(const StreamRecord& stream);

}  // namespace h2lens
