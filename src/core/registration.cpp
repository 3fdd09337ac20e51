#include "core/registration.h"

namespace lobbyd::core {

Registration::SaslStep Registration::sasl_add(std::string_view chunk, std::string& payload) {
  if (chunk != "+") sasl_buf_.append(chunk);
  if (sasl_buf_.size() > kSaslMaxBytes || chunk.size() > kSaslChunk) {
    sasl_abort();
    return SaslStep::kTooLong;
  }
  if (chunk.size() == kSaslChunk) return SaslStep::kMore;
  payload = std::exchange(sasl_buf_, {});
  sasl_active_ = false;
  return SaslStep::kComplete;
}

}  // namespace lobbyd::core
