#pragma once
// The tree's streaming JSON writer: one compact line, no DOM, no
// exceptions; strings go through base::json_escape (base/json.h), numbers
// through fmt. Where a document is built as a tree first, nlohmann::json
// and base::json_text (base/json_text.h) are the other half of the one home.
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lobbyd::base {

class JsonWriter {
 public:
  JsonWriter& begin_object(std::string_view key = {});
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key = {});
  JsonWriter& end_array();

  JsonWriter& field(std::string_view key, std::string_view v);
  JsonWriter& field(std::string_view key, const char* v) { return field(key, std::string_view(v)); }
  JsonWriter& field(std::string_view key, const std::string& v) { return field(key, std::string_view(v)); }
  JsonWriter& field(std::string_view key, bool v);
  JsonWriter& field(std::string_view key, double v);  // NaN and infinities become null
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& field(std::string_view key, T v) {
    key_(key);
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& null_field(std::string_view key);

  // Array elements.
  JsonWriter& value(std::string_view v) { return field({}, v); }
  JsonWriter& value(double v) { return field({}, v); }

  const std::string& str() const noexcept { return out_; }
  std::string release() noexcept { return std::move(out_); }  // the writer is done

 private:
  void key_(std::string_view key);
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
  std::vector<bool> is_array_;
};

}  // namespace lobbyd::base
