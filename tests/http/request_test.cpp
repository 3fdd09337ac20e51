// The HTTP API's request parsing (http/request.h): percent-decoding, query
// parameters, the token check and static files' content types.
#include <gtest/gtest.h>

#include "http/request.h"

namespace lobbyd::http {
namespace {

TEST(UrlDecode, EscapesPlusAndRefusals) {
  std::string out;
  EXPECT_TRUE(url_decode("%23lobby%20x", out, false));
  EXPECT_EQ(out, "#lobby x");
  EXPECT_TRUE(url_decode("a+b", out, true));
  EXPECT_EQ(out, "a b");
  EXPECT_TRUE(url_decode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
  EXPECT_TRUE(url_decode("%4a%4A", out, false));
  EXPECT_EQ(out, "JJ");
  EXPECT_FALSE(url_decode("%2", out, false));
  EXPECT_FALSE(url_decode("%zz", out, false));
  EXPECT_FALSE(url_decode("a%00b", out, false));  // no NUL inside a name
}

TEST(QueryParam, FindsDecodedKeys) {
  EXPECT_EQ(query_param("name=%23lobby&x=1", "name"), "#lobby");
  EXPECT_EQ(query_param("x=1&na%6De=a+b", "name"), "a b");
  EXPECT_EQ(query_param("x=1", "name"), "");
  EXPECT_EQ(query_param("name", "name"), "");
  EXPECT_EQ(query_param("name=%zz&name=2", "name"), "");  // the first match decides
  EXPECT_EQ(query_param("", "name"), "");
}

TEST(TokenMatches, OnlyTheSameToken) {
  EXPECT_TRUE(token_matches("s3cret", "s3cret"));
  EXPECT_FALSE(token_matches("s3cre", "s3cret"));
  EXPECT_FALSE(token_matches("s3cret!", "s3cret"));
  EXPECT_FALSE(token_matches("", "s3cret"));
}

TEST(ContentType, ByExtensionInAnyCase) {
  EXPECT_EQ(content_type("/x/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type("app.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type("a.wasm"), "application/wasm");
  EXPECT_EQ(content_type("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace lobbyd::http
