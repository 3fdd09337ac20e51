// Asio's SSL support compiled once (BOOST_ASIO_SEPARATE_COMPILATION, see asio.cpp).
#include <boost/asio/ssl/impl/src.hpp>
