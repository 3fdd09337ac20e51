#pragma once
// Reads the game_results row counts that the games scenario checks, from the
// server's own database (the URL syntax of lobbyd --db, through SOCI).
#include <cstdint>
#include <memory>
#include <string>

namespace lobbyd::load {

class ResultsDb {
 public:
  ResultsDb();
  ~ResultsDb();
  // Opens the database; returns an error text, or empty.
  std::string open(const std::string& url);
  const std::string& redacted() const noexcept { return redacted_; }
  // Counts all rows, and the rows whose players list holds a nick starting
  // with nick_prefix. Returns an error text, or empty.
  std::string count(const std::string& nick_prefix, std::uint64_t& all, std::uint64_t& ours);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string redacted_;
};

}  // namespace lobbyd::load
