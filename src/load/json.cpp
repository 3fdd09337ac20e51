#include "load/json.h"

#include <cmath>
#include <fmt/format.h>

#include "base/json.h"

namespace lobbyd::load {

std::string json_escape(std::string_view s) {
  std::string out;
  base::json_escape(out, s);
  return out;
}

void JsonWriter::key_(std::string_view key) {
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
    if (!is_array_.back()) {
      out_.push_back('"');
      out_ += json_escape(key);
      out_ += "\":";
    }
  }
}

JsonWriter& JsonWriter::begin_object(std::string_view key) {
  key_(key);
  out_.push_back('{');
  first_.push_back(true);
  is_array_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  first_.pop_back();
  is_array_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array(std::string_view key) {
  key_(key);
  out_.push_back('[');
  first_.push_back(true);
  is_array_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  first_.pop_back();
  is_array_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view key, std::string_view v) {
  key_(key);
  out_.push_back('"');
  out_ += json_escape(v);
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view key, bool v) {
  key_(key);
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view key, double v) {
  key_(key);
  if (!std::isfinite(v))
    out_ += "null";
  else
    out_ += fmt::format("{}", v);
  return *this;
}

JsonWriter& JsonWriter::null_field(std::string_view key) {
  key_(key);
  out_ += "null";
  return *this;
}

}  // namespace lobbyd::load
