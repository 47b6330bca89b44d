// The worked signature example of docs/alerting.md ("Verifying a delivery") is what slawatch
// itself computes: a partner following the docs gets the same header byte for byte.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include "slawatch/alerting/alerting.hpp"

namespace {

const char* const doc_secret = "bank-a-webhook-secret";
const char* const doc_body =
    R"({"id":"b-9c1e0f2a7d3b5e61","rule":"amount-positive","partner":"bank-a","status":"open"})";
const char* const doc_header =
    "sha256=ea245d0e7b7f2f1ecd651e37271bc3beccbc072216ff13987ea1ce188fb7e198";

std::string read_doc() {
  std::ifstream in(std::string(SLAWATCH_SOURCE_DIR) + "/docs/alerting.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the documented webhook signature example is what slawatch sends") {
  CHECK(slawatch::alerting::signature(doc_secret, doc_body) == doc_header);
  const auto doc = read_doc();
  CHECK(doc.find(doc_secret) != std::string::npos);
  CHECK(doc.find(doc_body) != std::string::npos);
  CHECK(doc.find(doc_header) != std::string::npos);
}
