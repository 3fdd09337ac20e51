#include "base/json_writer.h"

#include <cmath>
#include <fmt/format.h>

#include "base/json.h"

namespace lobbyd::base {

void JsonWriter::key_(std::string_view key) {
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
    if (!is_array_.back()) {
      json_string(out_, key);
      out_.push_back(':');
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
  json_string(out_, v);
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

}  // namespace lobbyd::base
