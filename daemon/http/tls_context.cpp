// Server-side TLS contexts with OpenSSL through Asio. Kept apart from server.cpp so the
// certificate handling can change without recompiling the Beast session code.
#include "tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <fmt/format.h>

namespace slawatch::http::detail {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

/// OpenSSL's reason without the library prefix noise; the error queue is cleared so a later
/// failure does not report this one.
std::string reason(const error_code& ec) {
  ERR_clear_error();
  std::string text = ec.message();
  return text.empty() ? "unknown error" : text;
}

error tls_error(std::string message) { return error{"tls", std::move(message)}; }

/// Refuses everything older than `min_version`; TLS 1.1 and below are always refused.
bool set_versions(ssl::context& ctx, const std::string& min_version) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  int version = min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  return SSL_CTX_set_min_proto_version(ctx.native_handle(), version) == 1;
}

std::optional<error> load_identity(ssl::context& ctx, const tls_options& o) {
  error_code ec;
  ctx.use_certificate_chain_file(o.cert, ec);
  if (ec) {
    return tls_error(fmt::format("server.tls.cert: cannot read certificate chain from {}: {}",
                                 o.cert, reason(ec)));
  }
  ctx.use_private_key_file(o.key, ssl::context::pem, ec);
  if (ec) {
    return tls_error(fmt::format("server.tls.key: cannot read private key from {}: {}", o.key,
                                 reason(ec)));
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    ERR_clear_error();
    return tls_error(fmt::format("server.tls.key: private key {} does not match certificate {}",
                                 o.key, o.cert));
  }
  return std::nullopt;
}

/// Mutual TLS: a client without a certificate signed by the CA fails the handshake.
std::optional<error> load_client_ca(ssl::context& ctx, const std::string& file) {
  error_code ec;
  ctx.load_verify_file(file, ec);
  if (ec) {
    return tls_error(fmt::format("server.tls.client_ca: cannot read CA certificates from {}: {}",
                                 file, reason(ec)));
  }
  // Tell clients which CAs we accept so they pick the right certificate.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file.c_str())) {
    SSL_CTX_set_client_CA_list(ctx.native_handle(), names);
  }
  ERR_clear_error();
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return std::nullopt;
}

std::string rfc2253(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n > 0 ? static_cast<std::size_t>(n) : 0);
  BIO_free(bio);
  return out;
}

}  // namespace

result<tls_context_ptr> make_tls_context(const tls_options& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  if (!set_versions(*ctx, o.min_version)) {
    ERR_clear_error();
    return tls_error(fmt::format("server.tls.min_version: cannot set minimum version {}",
                                 o.min_version));
  }
  if (auto e = load_identity(*ctx, o)) return *e;
  if (!o.client_ca.empty()) {
    if (auto e = load_client_ca(*ctx, o.client_ca)) return *e;
  }
  return ctx;
}

void read_tls_facts(SSL* ssl, connection_facts& out) {
  out.tls = true;
  out.tls_version = SSL_get_version(ssl);
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return;
  // Only a verified certificate is a fact; with no client CA we never ask for one.
  if (SSL_get_verify_result(ssl) == X509_V_OK) out.client_cert = rfc2253(X509_get_subject_name(cert));
  X509_free(cert);
}

}  // namespace slawatch::http::detail
