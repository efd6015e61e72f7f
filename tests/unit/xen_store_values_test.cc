// The strict parsing of everything a Xen guest publishes in xenstore (xen_abi.h): the
// rendezvous keys, the exit key and the fault key. Hostile values -- garbage, signs, spaces,
// leading zeros, overflow, too many or too few pages, huge references -- are refused with a
// message naming the key; none is used. Runs everywhere: no libxen involved.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "hypervisors/xen/xen_store_values.h"

using namespace monocell::xen;

namespace {

PublishedKeys good_keys() {
  PublishedKeys k;
  k.abi = "1";
  k.ring_ref = "8";
  k.ring_pages = "261";
  k.event_channel = "5";
  return k;
}

constexpr uint32_t kNeeded = 261;

std::string fault_text(const std::string& separator = " ") {
  std::string text;
  for (int i = 0; i < 23; ++i) {
    if (i != 0) text += separator;
    text += std::to_string(i + 1);
  }
  return text;
}

}  // namespace

TEST_CASE("xen values: strict decimals accept exactly the plain spelling") {
  CHECK(parse_decimal("0", 10) == 0u);
  CHECK(parse_decimal("7", 10) == 7u);
  CHECK(parse_decimal("10", 10) == 10u);
  CHECK(parse_decimal("4294967295", UINT32_MAX) == UINT32_MAX);
  CHECK(parse_decimal("18446744073709551615", UINT64_MAX) == UINT64_MAX);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "01", "00", "1a", "0x10", "1.0", "1e3", "١", "\t1", "1\n"}) {
    INFO("value: " << bad);
    CHECK_FALSE(parse_decimal(bad, UINT64_MAX));
  }
  CHECK_FALSE(parse_decimal(std::string("1\0", 2), 10));
  CHECK_FALSE(parse_decimal("11", 10));  // above max
  CHECK_FALSE(parse_decimal("4294967296", UINT32_MAX));
  CHECK_FALSE(parse_decimal("18446744073709551616", UINT64_MAX));  // overflows 64 bits
  CHECK_FALSE(parse_decimal("99999999999999999999", UINT64_MAX));
  CHECK_FALSE(parse_decimal(std::string(21, '1'), UINT64_MAX));  // longer than any uint64_t
}

TEST_CASE("xen values: strict hex is 1-16 lower-case digits without 0x") {
  CHECK(parse_hex("0") == 0u);
  CHECK(parse_hex("e") == 14u);
  CHECK(parse_hex("00000000deadbeef") == 0xdeadbeefu);
  CHECK(parse_hex("ffffffffffffffff") == UINT64_MAX);
  for (const char* bad : {"", "0x1", "E", "DEADBEEF", "-1", " 1", "g", "1ffffffffffffffff"}) {
    INFO("value: " << bad);
    CHECK_FALSE(parse_hex(bad));
  }
}

TEST_CASE("xen values: a well-formed rendezvous passes with its numbers") {
  const auto check = check_rendezvous(good_keys(), kNeeded);
  REQUIRE(check.value);
  CHECK(check.value->first_ref == 8);
  CHECK(check.value->pages == 261);
  CHECK(check.value->port == 5);
  // More pages than needed, up to the contract's maximum, are fine.
  auto keys = good_keys();
  keys.ring_pages = std::to_string(kMaxRingPages);
  CHECK(check_rendezvous(keys, kNeeded).value);
}

TEST_CASE("xen values: every missing key is named") {
  for (auto member : {&PublishedKeys::abi, &PublishedKeys::ring_ref, &PublishedKeys::ring_pages, &PublishedKeys::event_channel}) {
    auto keys = good_keys();
    keys.*member = std::nullopt;
    const auto check = check_rendezvous(keys, kNeeded);
    CHECK_FALSE(check.value);
    CHECK_FALSE(check.incompatible);
    CHECK_THAT(check.error, Catch::Contains("is missing"));
  }
}

TEST_CASE("xen values: garbage in any key is malformed and quoted safely") {
  for (auto member : {&PublishedKeys::abi, &PublishedKeys::ring_ref, &PublishedKeys::ring_pages, &PublishedKeys::event_channel}) {
    for (const char* garbage : {"abc", "-8", "+8", " 8", "8 ", "08", "", "8\x1b[2J", "\"\\"}) {
      auto keys = good_keys();
      keys.*member = garbage;
      const auto check = check_rendezvous(keys, kNeeded);
      INFO("value: " << garbage << " -> " << check.error);
      CHECK_FALSE(check.value);
      CHECK_FALSE(check.incompatible);
      CHECK_THAT(check.error, Catch::Contains("not a decimal number"));
      // No control byte of the guest's reaches the message.
      for (const char c : check.error) CHECK((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
    }
  }
  auto keys = good_keys();
  keys.ring_ref = std::string(4000, '9');
  const auto check = check_rendezvous(keys, kNeeded);
  CHECK_FALSE(check.value);
  CHECK_THAT(check.error, Catch::Contains("4000 bytes, cut"));
}

TEST_CASE("xen values: another ABI version is incompatible, not malformed") {
  auto keys = good_keys();
  keys.abi = "2";
  const auto check = check_rendezvous(keys, kNeeded);
  CHECK_FALSE(check.value);
  CHECK(check.incompatible);
  CHECK_THAT(check.error, Catch::Contains("ABI 2"));
  keys.abi = "0";
  CHECK(check_rendezvous(keys, kNeeded).incompatible);
}

TEST_CASE("xen values: ring pages between 1 and the maximum, and at least what the rings need") {
  auto keys = good_keys();
  keys.ring_pages = "0";
  auto check = check_rendezvous(keys, kNeeded);
  CHECK_FALSE(check.value);
  CHECK_FALSE(check.incompatible);
  CHECK_THAT(check.error, Catch::Contains("outside 1..1024"));

  keys.ring_pages = std::to_string(kMaxRingPages + 1);
  check = check_rendezvous(keys, kNeeded);
  CHECK_FALSE(check.value);
  CHECK_THAT(check.error, Catch::Contains("outside 1..1024"));

  keys.ring_pages = "4294967295";
  CHECK_FALSE(check_rendezvous(keys, kNeeded).value);
  keys.ring_pages = "4294967296";  // above 32 bits
  CHECK_FALSE(check_rendezvous(keys, kNeeded).value);

  keys.ring_pages = std::to_string(kNeeded - 1);  // too few for the host's rings
  check = check_rendezvous(keys, kNeeded);
  CHECK_FALSE(check.value);
  CHECK(check.incompatible);
  CHECK_THAT(check.error, Catch::Contains("need 261"));
  keys.ring_pages = "1";
  CHECK(check_rendezvous(keys, 1).value);
}

TEST_CASE("xen values: grant references stay in the contract's range, without wrapping") {
  auto keys = good_keys();
  for (const std::string ref : {"0", "7"}) {  // reserved for xenstore and the console
    keys.ring_ref = ref;
    CHECK_FALSE(check_rendezvous(keys, kNeeded).value);
  }
  keys.ring_ref = std::to_string(kGrantRefLimit - 261);  // the last pages just fit
  CHECK(check_rendezvous(keys, kNeeded).value);
  keys.ring_ref = std::to_string(kGrantRefLimit - 260);
  CHECK_FALSE(check_rendezvous(keys, kNeeded).value);
  for (const std::string ref : {"4294967295", "4294967040", "4294967296", "18446744073709551615"}) {
    keys.ring_ref = ref;  // huge: would wrap past 2^32 with the page count
    const auto check = check_rendezvous(keys, kNeeded);
    INFO(ref << " -> " << check.error);
    CHECK_FALSE(check.value);
  }
}

TEST_CASE("xen values: event channel ports are 1 .. 2^17-1") {
  auto keys = good_keys();
  keys.event_channel = "0";
  CHECK_FALSE(check_rendezvous(keys, kNeeded).value);
  keys.event_channel = "1";
  CHECK(check_rendezvous(keys, kNeeded).value);
  keys.event_channel = std::to_string(kPortLimit - 1);
  CHECK(check_rendezvous(keys, kNeeded).value);
  keys.event_channel = std::to_string(kPortLimit);
  CHECK_FALSE(check_rendezvous(keys, kNeeded).value);
  keys.event_channel = "4294967295";
  CHECK_FALSE(check_rendezvous(keys, kNeeded).value);
}

TEST_CASE("xen values: the exit key is three decimals, and the status's low 8 bits are the code") {
  std::string error;
  auto exit = parse_exit("0 0 0", &error);
  REQUIRE(exit);
  CHECK(exit->code() == 0);
  exit = parse_exit("7 3 425", &error);
  REQUIRE(exit);
  CHECK(exit->code() == 7);
  CHECK(exit->unknown_syscalls == 3);
  CHECK(exit->last_unknown_syscall == 425);
  exit = parse_exit("300 0 0", &error);
  REQUIRE(exit);
  CHECK(exit->code() == 300 % 256);
  CHECK(parse_exit("4294967295 18446744073709551615 18446744073709551615", &error));
  for (const char* bad : {"", "0", "0 0", "0 0 0 0", "-1 0 0", "0  0 0", " 0 0 0", "0 0 0 ", "4294967296 0 0",
                          "0 18446744073709551616 0", "a b c", "0,0,0", "0 0 0\n"}) {
    error.clear();
    INFO("value: " << bad);
    CHECK_FALSE(parse_exit(bad, &error));
    CHECK_THAT(error, Catch::Contains("data/monocell/exit"));
  }
  CHECK_FALSE(parse_exit(std::string(5000, '1'), &error));
}

TEST_CASE("xen values: the fault key is FaultFrame's 23 fields in order") {
  std::string error;
  const auto frame = parse_fault(fault_text(), &error);
  REQUIRE(frame);
  CHECK(frame->cr2 == 1);
  CHECK(frame->r15 == 2);
  CHECK(frame->rax == 0x16);  // field 16
  CHECK(frame->vector == 0x17);  // field 17
  CHECK(frame->error_code == 0x18);
  CHECK(frame->rip == 0x19);
  CHECK(frame->cs == 0x20);
  CHECK(frame->ss == 0x23);
  const auto real = parse_fault("0 0 0 0 0 0 0 0 0 7ffd1000 0 0 0 0 0 0 e 4 401000 33 10246 7ffcfff0 2b", &error);
  REQUIRE(real);
  CHECK(real->vector == 14);
  CHECK(real->error_code == 4);
  CHECK(real->rip == 0x401000);
  CHECK(real->cs == 0x33);
}

TEST_CASE("xen values: a malformed fault key is refused") {
  std::string error;
  std::string too_few = fault_text();
  too_few.erase(too_few.rfind(' '));
  const std::string too_many = fault_text() + " 0";
  std::string upper = fault_text();
  upper[0] = 'A';
  for (const std::string& bad : {std::string(), too_few, too_many, fault_text("  "), fault_text(","), " " + fault_text(),
                                 fault_text() + " ", upper, "0x" + fault_text(), std::string(5000, 'f')}) {
    error.clear();
    INFO("value: " << bad);
    CHECK_FALSE(parse_fault(bad, &error));
    CHECK_THAT(error, Catch::Contains("data/monocell/fault"));
  }
  // A field of 17 hex digits does not fit 64 bits.
  std::string wide = fault_text();
  wide.replace(0, 1, "11111111111111111");
  CHECK_FALSE(parse_fault(wide, &error));
  CHECK_THAT(error, Catch::Contains("field 1"));
}

TEST_CASE("xen values: shown() quotes, escapes and cuts a guest's text") {
  CHECK(shown("abc") == "\"abc\"");
  CHECK(shown("a\"b\\c") == "\"a\\x22b\\x5cc\"");
  CHECK(shown(std::string("\x1b[2J\n\0", 6)) == "\"\\x1b[2J\\x0a\\x00\"");
  CHECK(shown("\xff") == "\"\\xff\"");
  CHECK(shown(std::string(100, 'x')) == "\"" + std::string(40, 'x') + "\" (100 bytes, cut)");
}
