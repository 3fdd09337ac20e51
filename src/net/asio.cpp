// Asio compiled once for the whole project (BOOST_ASIO_SEPARATE_COMPILATION)
// instead of in every translation unit: keeps CI builds short on 2 cores.
#include <boost/asio/impl/src.hpp>
