// Installing Xen's hypercall page and the hypercalls that need more than one line.
#include "xen_hypercall.h"

#include "x86_instructions.h"

namespace monocell::libos::xen_hypercall {
namespace {

using namespace monocell::libos::x86_instructions;

bool signature_is_xen(const Cpuid& id) {
  const uint32_t words[3] = {id.ebx, id.ecx, id.edx};
  for (uint32_t i = 0; i < 12; ++i) {
    if (static_cast<char>(words[i / 4] >> (8 * (i % 4))) != xen::kCpuidSignature[i]) return false;
  }
  return true;
}

}  // namespace

bool install() {
  for (uint32_t base = xen::kCpuidBaseFirst; base <= xen::kCpuidBaseLast; base += xen::kCpuidBaseStep) {
    const Cpuid id = cpuid(base);
    if (!signature_is_xen(id) || id.eax < base + xen::kCpuidLeafHypercall) continue;
    const uint32_t msr = cpuid(base + xen::kCpuidLeafHypercall).ebx;
    write_msr(msr, reinterpret_cast<uint64_t>(monocell_xen_hypercall_page));  // page 0 of 1
    return true;
  }
  return false;
}

bool hvm_get_param(uint32_t index, uint64_t* value) {
  xen::HvmParam param{};
  param.domid = xen::kDomidSelf;
  param.index = index;
  if (hvm_op(xen::kHvmOpGetParam, &param) != 0) return false;
  *value = param.value;
  return true;
}

bool add_to_physmap(uint32_t space, uint64_t index, uint64_t gfn) {
  xen::AddToPhysmap map{};
  map.domid = xen::kDomidSelf;
  map.space = space;
  map.idx = index;
  map.gpfn = gfn;
  return memory_op(xen::kMemAddToPhysmap, &map) == 0;
}

void shutdown(uint32_t reason) {
  for (;;) {
    xen::SchedShutdown request{reason};
    sched_op(xen::kSchedOpShutdown, &request);
  }
}

}  // namespace monocell::libos::xen_hypercall
