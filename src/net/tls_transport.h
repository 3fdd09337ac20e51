#pragma once
// TLS over a connection's socket (OpenSSL through Asio), server side.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "net/transport.h"

namespace lobbyd::net {

// A server context from PEM files. Throws std::runtime_error with a message
// naming the file when one is missing, unreadable or not matching.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                           const std::string& key_file);

// The maker for Connection::use_transport(); the context is shared.
TransportMaker tls_transport(std::shared_ptr<boost::asio::ssl::context> ctx);

}  // namespace lobbyd::net
