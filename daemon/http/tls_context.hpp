#pragma once
// Private to the http module: the OpenSSL side of server-side TLS (contract 8, server.tls).
#include <utility>   // must precede boost/asio with GCC 12 coroutines
#include <memory>
#include <boost/asio/ssl/context.hpp>
#include "slawatch/http/message.hpp"
#include "slawatch/http/server.hpp"

namespace slawatch::http::detail {

using tls_context_ptr = std::shared_ptr<boost::asio::ssl::context>;

/// A server context from `o`: TLS 1.2 or 1.3 minimum (never older), the certificate chain
/// and key, and with a client CA a required, verified client certificate. Errors name the
/// key and the file, e.g.
///   "server.tls.cert: cannot read certificate chain from /x.crt: no start line"
///   "server.tls.key: private key /k.pem does not match certificate /x.crt"
result<tls_context_ptr> make_tls_context(const tls_options& o);

/// Fills the TLS facts of `out` from a finished handshake: version ("TLSv1.3") and the
/// verified client certificate subject in RFC 2253 form (empty when none).
void read_tls_facts(SSL* ssl, connection_facts& out);

}  // namespace slawatch::http::detail
