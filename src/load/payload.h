#pragma once
// The text of a load-generator chat message:
//
//   "ld <sender id> <sequence number> <send time, steady clock ns> <epoch>[ <padding>]"
//
// Sender ids index the load generator's clients; sequence numbers start at 1
// per sender; the send time is std::chrono::steady_clock (CLOCK_MONOTONIC on
// Linux), comparable only on the machine that sent it; the epoch tells the
// warm-up (0) from measured windows (1..).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lobbyd::load {

struct Payload {
  std::uint32_t sender = 0;
  std::uint32_t seq = 0;
  std::uint64_t sent_ns = 0;
  std::uint32_t epoch = 0;
};

// Appends the text to out; pads it with 'x' up to pad_to bytes if shorter.
void append_payload(const Payload& p, std::size_t pad_to, std::string& out);
// Parses a text made by append_payload; false for anything else.
bool parse_payload(std::string_view text, Payload& out) noexcept;

}  // namespace lobbyd::load
