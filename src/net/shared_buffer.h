#pragma once
// An immutable serialized line (or lines) shared by every recipient of a
// broadcast: formatted once, reference-counted, never copied per recipient.
#include <memory>
#include <string>

namespace lobbyd::net {

using SharedBuf = std::shared_ptr<const std::string>;

inline SharedBuf make_shared_buf(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

}  // namespace lobbyd::net
