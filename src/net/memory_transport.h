#pragma once
// A stream held in memory instead of a socket: for in-process drivers that
// put real sessions through the real command layer without the kernel
// (fuzz/fuzz_session.cpp, tests/core). The driver keeps the MemoryPipe, the
// connection owns the MemoryTransport; both ends live on the worker's
// thread (the driver steps the worker with Worker::poll_here()).
//
//   driver: pipe->push("NICK a\r\n")   -> the connection's next read
//           pipe->take_output()         <- every byte the connection wrote
//           pipe->hang_up()             -> the next read ends with EOF
//
// Completions are posted to the worker's io_context, never run inside the
// call, as a socket's would be.
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <utility>

#include "net/transport.h"

namespace lobbyd::net {

class MemoryPipe {
 public:
  explicit MemoryPipe(boost::asio::io_context& io) : io_(io) {}

  // Driver side.
  void push(std::string_view bytes) {
    input_.append(bytes);
    deliver();
  }
  void hang_up() {
    hung_up_ = true;
    deliver();
  }
  std::string take_output() { return std::exchange(output_, {}); }
  const std::string& output() const noexcept { return output_; }
  bool closed_by_server() const noexcept { return closed_; }
  bool read_pending() const noexcept { return static_cast<bool>(reader_); }

  // Transport side.
  void read(StreamTransport::ReadDone done) {
    reader_ = std::move(done);
    deliver();
  }
  void write(std::string_view bytes) { output_.append(bytes); }
  void close() {
    closed_ = true;
    // A read still waiting ends like a socket's on close: cancelled.
    if (reader_) {
      boost::asio::post(io_, [done = std::exchange(reader_, {})] {
        done(boost::asio::error::operation_aborted, {});
      });
    }
  }

 private:
  void deliver() {
    if (!reader_ || (input_.empty() && !hung_up_)) return;
    auto done = std::exchange(reader_, {});
    if (input_.empty()) {
      boost::asio::post(io_, [done = std::move(done)] { done(boost::asio::error::eof, {}); });
      return;
    }
    // The data stays valid until the next read (the transport contract).
    auto data = std::make_shared<std::string>(std::exchange(input_, {}));
    boost::asio::post(io_, [done = std::move(done), data] { done({}, *data); });
  }

  boost::asio::io_context& io_;
  std::string input_, output_;
  StreamTransport::ReadDone reader_;
  bool hung_up_ = false;
  bool closed_ = false;
};

class MemoryTransport final : public StreamTransport {
 public:
  MemoryTransport(boost::asio::io_context& io, std::shared_ptr<MemoryPipe> pipe)
      : io_(io), pipe_(std::move(pipe)) {}
  ~MemoryTransport() override { pipe_->close(); }

  std::string_view name() const noexcept override { return "mem"; }
  TransportKind kind() const noexcept override { return TransportKind::kMemory; }
  void async_handshake(Done done) override {
    boost::asio::post(io_, [done = std::move(done)] { done({}); });
  }
  void async_read(ReadDone done) override { pipe_->read(std::move(done)); }
  void async_write(std::vector<SharedBuf> bufs, WriteDone done) override {
    std::size_t n = 0;
    for (const SharedBuf& b : bufs) {
      pipe_->write(*b);
      n += b->size();
    }
    boost::asio::post(io_, [done = std::move(done), n] { done({}, n); });
  }
  void async_close(std::function<void()> done) override {
    pipe_->close();
    boost::asio::post(io_, std::move(done));
  }
  // No: a read waiting here is ended by async_close (MemoryPipe::close),
  // as a socket's is by closing it; socket_.cancel() would not reach it.
  bool close_needs_idle_read() const noexcept override { return false; }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<MemoryPipe> pipe_;
};

}  // namespace lobbyd::net
