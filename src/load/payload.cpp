#include "load/payload.h"

#include <charconv>

namespace lobbyd::load {

namespace {

template <class T>
void append_number(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <class T>
bool take_number(std::string_view& s, T& v) noexcept {
  if (s.empty() || s[0] < '0' || s[0] > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc()) return false;
  s.remove_prefix(static_cast<std::size_t>(r.ptr - s.data()));
  return true;
}

bool take_space(std::string_view& s) noexcept {
  if (s.empty() || s[0] != ' ') return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

void append_payload(const Payload& p, std::size_t pad_to, std::string& out) {
  std::size_t start = out.size();
  out.append("ld ");
  append_number(out, p.sender);
  out.push_back(' ');
  append_number(out, p.seq);
  out.push_back(' ');
  append_number(out, p.sent_ns);
  out.push_back(' ');
  append_number(out, p.epoch);
  std::size_t len = out.size() - start;
  if (pad_to > len + 1) {
    out.push_back(' ');
    out.append(pad_to - len - 1, 'x');
  }
}

bool parse_payload(std::string_view s, Payload& out) noexcept {
  if (s.substr(0, 3) != "ld ") return false;
  s.remove_prefix(3);
  Payload p;
  if (!take_number(s, p.sender) || !take_space(s) || !take_number(s, p.seq) || !take_space(s) ||
      !take_number(s, p.sent_ns) || !take_space(s) || !take_number(s, p.epoch))
    return false;
  if (!s.empty()) {
    if (s[0] != ' ') return false;
    for (char c : s.substr(1))
      if (c != 'x') return false;
  }
  out = p;
  return true;
}

}  // namespace lobbyd::load
