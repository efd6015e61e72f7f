// Unit tests of guest IDs and of how a name, an ID or an ID prefix resolves to one guest.
#include <catch2/catch.hpp>

#include <set>

#include "orchestrator/guest_id.h"

using monocell::GuestRef;
using monocell::resolve_guest_reference;

namespace {

const std::string kA = "abc1230000000000000000000000000000000000000000000000000000000001";
const std::string kB = "abc4560000000000000000000000000000000000000000000000000000000002";
const std::string kC = "fed0000000000000000000000000000000000000000000000000000000000003";

std::vector<GuestRef> guests() { return {{"web", kA}, {"db", kB}, {"abc", kC}}; }

}  // namespace

TEST_CASE("new guest IDs are 64 lowercase hex digits and differ") {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const std::string id = monocell::new_guest_id();
    CHECK(monocell::is_guest_id(id));
    ids.insert(id);
  }
  CHECK(ids.size() == 100);
  CHECK(monocell::short_id(kA) == "abc123000000");
  CHECK_FALSE(monocell::is_guest_id("ABC"));
  CHECK_FALSE(monocell::is_guest_id(std::string(64, 'g')));
}

TEST_CASE("a name, a full ID and a unique ID prefix each resolve to their guest") {
  std::string error;
  CHECK(resolve_guest_reference("web", guests(), &error)->id == kA);
  CHECK(resolve_guest_reference(kB, guests(), &error)->name == "db");
  CHECK(resolve_guest_reference("abc4", guests(), &error)->name == "db");
  CHECK(resolve_guest_reference("f", guests(), &error)->name == "abc");
}

TEST_CASE("a name wins over an ID prefix it also is") {
  std::string error;
  // "abc" is the name of one guest and the start of two others' IDs.
  const auto found = resolve_guest_reference("abc", guests(), &error);
  REQUIRE(found);
  CHECK(found->id == kC);
}

TEST_CASE("an ambiguous prefix is an error that names the candidates") {
  std::string error;
  CHECK_FALSE(resolve_guest_reference("ab", guests(), &error));
  CHECK(error.find("\"ab\" is the start of 2 guest IDs") != std::string::npos);
  CHECK(error.find("abc123000000 web") != std::string::npos);
  CHECK(error.find("abc456000000 db") != std::string::npos);
  CHECK(error.find("give more of the ID") != std::string::npos);
}

TEST_CASE("nothing matching, or nothing given, is an error") {
  std::string error;
  CHECK_FALSE(resolve_guest_reference("zzz", guests(), &error));
  CHECK(error.find("no guest named \"zzz\"") != std::string::npos);
  CHECK_FALSE(resolve_guest_reference("", guests(), &error));
  CHECK_FALSE(resolve_guest_reference("web", {}, &error));
}
