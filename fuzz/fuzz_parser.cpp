// libFuzzer target for the protocol layer: the input is a byte stream from a
// client. It is cut into reads, framed with LineFramer, every line is parsed,
// and the parsed message is formatted again with LineBuilder.
//
// Input layout: byte 0 picks the framer limit and parse()'s max_line, byte 1
// the read size (0 = everything in one read); the rest is the stream.
//
// Invariants checked (a violation aborts, which libFuzzer reports as a crash):
//   framer  - consumed <= available; a line holds no LF, fits the limit and
//             lies inside the buffer; the sequence of lines / too-long reports
//             equals a simple reference model and does not depend on the read
//             size (set LOBBYD_FUZZ_NO_FRAMER_MODEL=1 to skip this check);
//   parse   - param_count <= 15; every view lies inside the line; no view
//             holds NUL/CR/LF; middle params are non-empty, without spaces,
//             without a leading ':'; the part after the tags fits max_line;
//   format  - the formatted line is at most tags + 512 bytes, ends in the only
//             CRLF, parses again (if it was cut: when the input obeyed the
//             512 limit), and when it was not cut gives back the same tags,
//             source, command and parameters;
//   find_tag and the casemap helpers agree with the parsed fields.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/casemap.h"
#include "proto/format.h"
#include "proto/line_framer.h"
#include "proto/message.h"

using namespace lobbyd::proto;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "INVARIANT VIOLATED: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail (%zu bytes): ", detail.size());
    for (unsigned char c : detail.substr(0, 300))
      std::fprintf(stderr, (c >= 0x20 && c < 0x7F && c != '\\') ? "%c" : "\\x%02X", c);
    std::fprintf(stderr, "\n");
  }
  std::abort();
}
#define CHECK(cond, detail)           \
  do {                                \
    if (!(cond)) fail(#cond, detail); \
  } while (0)

bool inside(std::string_view v, std::string_view buf) {
  if (v.empty()) return true;  // empty views may point anywhere (or nowhere)
  return v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size();
}
bool has_forbidden(std::string_view v) {
  return v.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos;
}

struct Event {
  bool too_long;
  std::string line;
  bool operator==(const Event&) const = default;
};

// Reference framing: split at every LF, drop one CR before it; longer than
// max -> one too-long report. An unterminated tail longer than max+1 bytes is
// reported too (a CR may still be followed by LF, so max+1 bytes may wait).
std::vector<Event> reference_frames(std::string_view s, std::size_t max) {
  std::vector<Event> out;
  while (true) {
    std::size_t lf = s.find('\n');
    if (lf == std::string_view::npos) {
      if (s.size() > max + 1) out.push_back({true, {}});
      return out;
    }
    std::string_view line = s.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max)
      out.push_back({true, {}});
    else
      out.push_back({false, std::string(line)});
    s.remove_prefix(lf + 1);
  }
}

void check_find_tag(std::string_view tags) {
  // Every key present must be found, with the value of its first occurrence.
  std::string_view rest = tags;
  while (true) {
    std::size_t semi = rest.find(';');
    std::string_view tag = rest.substr(0, semi);
    std::size_t eq = tag.find('=');
    std::string_view key = tag.substr(0, eq);
    std::string_view value;
    if (!key.empty()) {  // an empty key (";;", trailing ';') is not a tag
      CHECK(find_tag(tags, key, value), tags);
      CHECK(inside(value, tags), tags);
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
}

void check_message(std::string_view line, const MessageView& m, std::size_t max_line) {
  CHECK(m.param_count <= kMaxParams, line);
  CHECK(!m.command.empty(), line);
  CHECK(inside(m.tags, line) && inside(m.source, line) && inside(m.command, line), line);
  CHECK(!has_forbidden(m.tags) && !has_forbidden(m.source) && !has_forbidden(m.command), line);
  CHECK(m.tags.find(' ') == std::string_view::npos, line);
  CHECK(m.source.find(' ') == std::string_view::npos, line);
  CHECK(m.command.find(' ') == std::string_view::npos, line);
  CHECK(m.tags.size() + 2 <= kMaxTagBytes, line);
  // The part from the command on fits max_line with its CRLF.
  CHECK(static_cast<std::size_t>(line.data() + line.size() - m.command.data()) + 2 <= max_line,
        line);
  bool numeric = m.command.size() == 3 && m.command[0] >= '0' && m.command[0] <= '9';
  if (!numeric) {
    CHECK(m.command.size() <= 32, line);
    CHECK(iequals(m.command, fold(m.command)), line);
  }
  for (std::size_t i = 0; i < kMaxParams; ++i) {
    if (i >= m.param_count) {
      CHECK(m.params[i].empty() && m.param(i).empty(), line);
      continue;
    }
    std::string_view p = m.params[i];
    CHECK(inside(p, line), line);
    CHECK(!has_forbidden(p), line);
    bool last = i + 1 == m.param_count;
    bool takes_rest = last && (m.has_trailing || i + 1 == kMaxParams);
    if (!takes_rest) {
      CHECK(!p.empty() && p.find(' ') == std::string_view::npos && p[0] != ':', line);
    }
    if (valid_lobby_name(p, 64)) CHECK(p[0] == '#' && p.find(',') == std::string_view::npos, p);
    if (valid_nick(p, 64)) CHECK(p[0] != '#' && p[0] != ':' && !(p[0] >= '0' && p[0] <= '9'), p);
  }
  if (m.has_trailing) CHECK(m.param_count > 0, line);
  if (!m.tags.empty()) check_find_tag(m.tags);
}

// Formats m again; checks the size limit, then re-parses the result.
void check_format(std::string_view line, const MessageView& m, std::size_t max_line) {
  static std::string out;
  LineBuilder b(out);
  b.tags(m.tags).source(m.source).command(m.command);
  for (std::size_t i = 0; i < m.param_count; ++i) {
    std::string_view p = m.params[i];
    bool last = i + 1 == m.param_count;
    if (last && (m.has_trailing || p.empty() || p.find(' ') != std::string_view::npos))
      b.trailing(p);
    else
      b.param(p);
  }
  const std::size_t tag_bytes = m.tags.empty() ? 0 : m.tags.size() + 2;
  const std::size_t unbounded = out.size();
  b.finish();
  CHECK(out.size() <= tag_bytes + kMaxLineBytes, line);
  CHECK(out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0, out);
  std::string_view body(out.data(), out.size() - 2);
  CHECK(!has_forbidden(body), out);
  const bool cut = unbounded > tag_bytes + kMaxLineBytes - 2;
  if (!cut) CHECK(body.size() == unbounded, out);

  MessageView again;
  ParseError e = parse(body, again);
  // When the input was parsed with a max_line above 512, the cut may fall
  // anywhere, even inside a long source; otherwise the formatted line is at
  // most one byte (an added ':') longer than the input, so only the last
  // parameter can be cut.
  if (cut && max_line > kMaxLineBytes) return;
  CHECK(e == ParseError::kOk, out);
  CHECK(again.command == m.command, out);
  CHECK(again.tags == m.tags, out);
  CHECK(again.source == m.source, out);
  if (!cut) {
    CHECK(again.param_count == m.param_count, out);
    for (std::size_t i = 0; i < m.param_count; ++i) CHECK(again.params[i] == m.params[i], out);
  } else {
    CHECK(again.param_count <= m.param_count, out);
  }
}

bool framer_model_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("LOBBYD_FUZZ_NO_FRAMER_MODEL");
    return !(v && *v && *v != '0');
  }();
  return enabled;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Small framer limits exercise the too-long paths; 8191 + 510 is the server's.
  static constexpr std::size_t kFramerMax[] = {4, 16, 40, 510, 600, 8191 + 510, 9000, 64};
  static constexpr std::size_t kMaxLine[] = {512, 512, 64, 1024};
  const std::size_t framer_max = kFramerMax[data[0] & 7];
  const std::size_t max_line = kMaxLine[(data[0] >> 3) & 3];
  const std::size_t read_size = data[1];  // 0: one read
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  LineFramer framer(framer_max);
  std::string buffer;
  std::vector<Event> events;
  MessageView m;

  auto take_lines = [&] {
    for (int guard = 0;; ++guard) {
      if (guard > 1'000'000) fail("framer makes no progress");
      std::string_view line;
      std::size_t consumed = 0;
      const std::string_view avail = buffer;
      LineFramer::Result r = framer.next(avail, line, consumed);
      CHECK(consumed <= avail.size(), avail);
      if (r == LineFramer::Result::kLine) {
        CHECK(consumed > 0, avail);
        CHECK(line.size() <= framer_max, line);
        CHECK(inside(line, avail), line);
        CHECK(line.find('\n') == std::string_view::npos, line);
        events.push_back({false, std::string(line)});
        if (parse(line, m, max_line) == ParseError::kOk) {
          check_message(line, m, max_line);
          check_format(line, m, max_line);
        }
      } else if (r == LineFramer::Result::kTooLong) {
        events.push_back({true, {}});
      }
      buffer.erase(0, consumed);
      if (r == LineFramer::Result::kNeedMore) return;
    }
  };

  if (read_size == 0) {
    buffer.assign(stream);
    take_lines();
  } else {
    for (std::size_t off = 0; off < stream.size(); off += read_size) {
      buffer.append(stream.substr(off, read_size));
      take_lines();
    }
  }

  if (framer_model_enabled() && events != reference_frames(stream, framer_max))
    fail("LineFramer output differs from the reference framing (see line_framer_test.cpp)", stream);

  // Each raw line is also parsed directly, without the framer.
  for (std::size_t start = 0; start <= stream.size();) {
    std::size_t lf = stream.find('\n', start);
    std::string_view line = stream.substr(start, lf == std::string_view::npos ? lf : lf - start);
    if (parse(line, m, max_line) == ParseError::kOk) {
      check_message(line, m, max_line);
      check_format(line, m, max_line);
    }
    if (lf == std::string_view::npos) break;
    start = lf + 1;
  }
  return 0;
}
