#pragma once
// A validator for the subset of JSON Schema (2020-12) docs/transcript.schema.json uses: type
// (one or a list), required, properties, items, enum, oneOf, $ref to "#/$defs/...", minimum,
// maximum, minItems, maxItems, pattern. Anything else in a schema fails loudly, so the schema
// cannot silently use a keyword this validator ignores.
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace h2lens::test {

class SchemaValidator {
  public:
    explicit SchemaValidator(nlohmann::json root) : m_root(std::move(root)) {}

    // Problems found, each "path: what"; empty when `doc` is valid. At most `maxErrors`.
    std::vector<std::string> validate(const nlohmann::ordered_json& doc,
                                      std::size_t maxErrors = 20) {
        m_errors.clear();
        m_max = maxErrors;
        check(doc, m_root, "$");
        return m_errors;
    }
    // Validates against "#/$defs/<name>".
    std::vector<std::string> validateDef(const nlohmann::ordered_json& doc,
                                         const std::string& name) {
        m_errors.clear();
        m_max = 20;
        check(doc, m_root["$defs"][name], "$");
        return m_errors;
    }

  private:
    static bool hasType(const nlohmann::ordered_json& v, const std::string& t) {
        if (t == "object") return v.is_object();
        if (t == "array") return v.is_array();
        if (t == "string") return v.is_string();
        if (t == "integer") return v.is_number_integer() || v.is_number_unsigned();
        if (t == "number") return v.is_number();
        if (t == "boolean") return v.is_boolean();
        if (t == "null") return v.is_null();
        return false;
    }
    void fail(const std::string& path, const std::string& what) {
        if (m_errors.size() < m_max) m_errors.push_back(path + ": " + what);
    }
    const nlohmann::json& resolve(const std::string& ref) {
        const std::string prefix = "#/$defs/";
        if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unsupported $ref " + ref);
        return m_root["$defs"].at(ref.substr(prefix.size()));
    }
    void check(const nlohmann::ordered_json& v, const nlohmann::json& s, const std::string& path) {
        static const std::set<std::string> known = {
            "$schema",  "$id",        "title",    "description", "$defs",  "type",
            "required", "properties", "items",    "enum",        "oneOf",  "$ref",
            "minimum",  "maximum",    "minItems", "maxItems",    "pattern"};
        for (const auto& [k, _] : s.items()) {
            if (!known.count(k))
                throw std::runtime_error("schema keyword not supported by the test validator: " +
                                         k);
        }
        if (s.contains("$ref")) {
            check(v, resolve(s["$ref"]), path);
            return;
        }
        if (s.contains("type")) {
            bool ok = false;
            if (s["type"].is_array()) {
                for (const auto& t : s["type"]) ok = ok || hasType(v, t);
            } else {
                ok = hasType(v, s["type"]);
            }
            if (!ok) {
                fail(path, "type is not " + s["type"].dump());
                return;
            }
        }
        if (s.contains("oneOf")) {
            int matches = 0;
            for (const auto& alt : s["oneOf"]) {
                SchemaValidator sub(m_root);
                if (sub.validateWith(v, alt).empty()) ++matches;
            }
            if (matches != 1) fail(path, "matches " + std::to_string(matches) + " of oneOf");
        }
        if (s.contains("enum")) {
            bool found = false;
            for (const auto& e : s["enum"]) found = found || nlohmann::json(v) == e;
            if (!found) fail(path, "value " + v.dump() + " not in enum");
        }
        if (v.is_number()) {
            if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>())
                fail(path, "below minimum");
            if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>())
                fail(path, "above maximum");
        }
        if (v.is_string() && s.contains("pattern")) {
            if (!std::regex_search(v.get<std::string>(),
                                   std::regex(s["pattern"].get<std::string>()))) {
                fail(path, "does not match " + s["pattern"].get<std::string>());
            }
        }
        if (v.is_object()) {
            if (s.contains("required")) {
                for (const auto& r : s["required"]) {
                    if (!v.contains(r.get<std::string>()))
                        fail(path, "missing " + r.get<std::string>());
                }
            }
            if (s.contains("properties")) {
                for (const auto& [k, sub] : s["properties"].items()) {
                    if (v.contains(k)) check(v[k], sub, path + "." + k);
                }
            }
        }
        if (v.is_array()) {
            if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>())
                fail(path, "too few items");
            if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>())
                fail(path, "too many items");
            if (s.contains("items")) {
                for (std::size_t i = 0; i < v.size(); ++i)
                    check(v[i], s["items"], path + "[" + std::to_string(i) + "]");
            }
        }
    }
    std::vector<std::string> validateWith(const nlohmann::ordered_json& v,
                                          const nlohmann::json& s) {
        m_errors.clear();
        m_max = 1;
        check(v, s, "$");
        return m_errors;
    }

    nlohmann::json m_root;
    std::vector<std::string> m_errors;
    std::size_t m_max = 20;
};

}  // namespace h2lens::test
