// The PVH boot, in ring 0 after pvh_entry.S reached long mode: reads hvm_start_info, builds the
// same machine state, boot-info page and process stack the KVM VMM's direct boot builds (the
// tables through x86_machine.h, the same code the host uses), sets up what Xen needs when Xen
// entered it (xen_boot.h), and irets to the image's entry in ring 3. Emulated instruction by
// instruction on kvm_pvm: straight-line integer code.
#include <elf.h>

#include <monocell/boot_abi.h>
#include <monocell/hostcall_abi.h>
#include <monocell/initial_stack.h>
#include <monocell/x86_machine.h>
#include <monocell/xen_pvh_abi.h>

#include "freestanding.h"
#include "hostcall.h"
#include "protocol/ring/region.h"
#include "random_pool.h"
#include "x86_instructions.h"
#include "xen_boot.h"

extern "C" {
extern const char __ehdr_start[];  // the ELF header, loaded with the first PT_LOAD
extern char _end[];  // the end of the image in memory
extern char monocell_vector_stubs[];
extern char monocell_syscall_entry[];
extern char monocell_syscall_entry_end[];
extern char monocell_ring0_start[];
extern char monocell_percpu[];
extern char monocell_vdso[];
[[noreturn]] void monocell_pvh_enter_ring3(uint64_t entry, uint64_t user_rsp);
[[noreturn]] void monocell_pvh_boot(uint64_t start_info);
}

namespace monocell::libos {
namespace {

using namespace monocell::libos::x86_instructions;

using namespace monocell::boot;

typedef uint64_t __attribute__((aligned(1), may_alias)) UnalignedU64;

// x86_machine.h's Memory: stores to identity-mapped guest memory.
struct DirectMemory {
  void write64(uint64_t gpa, uint64_t value) { *reinterpret_cast<volatile UnalignedU64*>(gpa) = value; }
  void fill(uint64_t gpa, uint8_t byte, uint64_t length) {
    uint64_t word = byte;
    word |= word << 8;
    word |= word << 16;
    word |= word << 32;
    for (; length != 0 && (gpa & 7) != 0; --length) *reinterpret_cast<volatile uint8_t*>(gpa++) = byte;
    for (; length >= 8; length -= 8, gpa += 8) *reinterpret_cast<volatile uint64_t*>(gpa) = word;
    for (; length != 0; --length) *reinterpret_cast<volatile uint8_t*>(gpa++) = byte;
  }
};

uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

// Copies of what the boot reads from the start info, taken before low memory is rewritten.
constexpr uint32_t kMaxMemmap = 32;
xen::HvmMemmapEntry g_memmap[kMaxMemmap];
uint32_t g_memmap_count = 0;
char g_cmdline[kCmdlineMax];
// The host's seed for the CSPRNG (module 0), copied before anything can overwrite it. Xen's
// toolstack rounds a module up to whole pages.
constexpr uint64_t kMaxSeedModuleBytes = 4096;
// The host's seed for the CSPRNG (module 0), copied before anything can overwrite it.
uint8_t g_host_seed[xen::kSeedModuleSize];
bool g_host_seed_given = false;
// The image's file tree, where module 0 carries one (it stays where the loader put it).
uint64_t g_file_tree_gpa = 0;
uint64_t g_file_tree_size = 0;

struct PvclockWallClock {
  uint32_t version;
  uint32_t sec;
  uint32_t nsec;
};
PvclockWallClock g_wall_clock;

// Fails the boot with a message on the host console (KVM) or the PV console (Xen) and an exit
// code of 125.
[[noreturn]] void boot_failed(const char* message) {
  hostcall::IoVec iov[2] = {{reinterpret_cast<uint64_t>("monocell PVH boot: "), 19},
                            {reinterpret_cast<uint64_t>(message), string_length(message, 200)}};
  hostcall::Request request{};
  request.op = static_cast<uint32_t>(hostcall::Op::kConsoleWrite);
  request.count = 2;
  request.arg[0] = 2;
  request.arg[1] = reinterpret_cast<uint64_t>(iov);
  host_call(request);
  host_exit(125);
}

void copy_start_info(uint64_t address) {
  const auto* info = reinterpret_cast<const xen::HvmStartInfo*>(address);
  if (address == 0 || info->magic != xen::kHvmStartMagic) boot_failed("bad hvm_start_info magic\n");
  if (info->version < 1 || info->memmap_paddr == 0) boot_failed("hvm_start_info has no memory map\n");
  g_memmap_count = info->memmap_entries < kMaxMemmap ? info->memmap_entries : kMaxMemmap;
  copy_bytes(g_memmap, reinterpret_cast<const void*>(info->memmap_paddr),
             g_memmap_count * sizeof(xen::HvmMemmapEntry));
  if (info->cmdline_paddr != 0) {
    const char* cmdline = reinterpret_cast<const char*>(info->cmdline_paddr);
    const uint64_t length = string_length(cmdline, kCmdlineMax - 1);
    copy_bytes(g_cmdline, cmdline, length);
    g_cmdline[length] = '\0';
  }
  if (info->nr_modules >= 1 && info->modlist_paddr != 0) {
    const auto* module = reinterpret_cast<const xen::HvmModlistEntry*>(info->modlist_paddr);
    if (module->paddr != 0 && module->size >= xen::kSeedModuleSize) {
      void* bytes = reinterpret_cast<void*>(module->paddr);
      copy_bytes(g_host_seed, bytes, sizeof g_host_seed);
      g_host_seed_given = true;
      // No copy stays where the app could read it: without files the module is a page of what
      // becomes the heap, which glibc expects to find zeroed.
      zero_bytes(bytes, module->size < kMaxSeedModuleBytes ? module->size : kMaxSeedModuleBytes);
      if (module->size > xen::kFileTreeModuleOffset) {
        g_file_tree_gpa = module->paddr + xen::kFileTreeModuleOffset;
        g_file_tree_size = module->size - xen::kFileTreeModuleOffset;
      }
    }
  }
}

// RAM from gpa 0 up to the end of the RAM range that holds the image, in whole 2 MiB pages.
uint64_t ram_size_from_memmap() {
  bool low_is_ram = false;
  uint64_t end = 0;
  for (uint32_t i = 0; i < g_memmap_count; ++i) {
    const xen::HvmMemmapEntry& e = g_memmap[i];
    if (e.type != xen::kMemmapRam) continue;
    if (e.addr == 0 && e.size >= kLowReservedEnd / 2) low_is_ram = true;
    if (e.addr <= kImageMinAddress && e.addr + e.size > kImageMinAddress) end = e.addr + e.size;
  }
  if (!low_is_ram || end == 0) boot_failed("the memory map has no RAM at 0 and at 1 MiB\n");
  if (end > kMaxRamSize) end = kMaxRamSize;
  return end & ~(x86::k2MiB - 1);
}

// Splits the command line into argv in place: spaces separate, "double quotes" group.
uint32_t split_cmdline(char* line, char** argv, uint32_t max) {
  uint32_t argc = 0;
  char* out = line;
  char* in = line;
  while (*in != '\0' && argc < max) {
    while (*in == ' ') ++in;
    if (*in == '\0') break;
    argv[argc++] = out;
    bool quoted = false;
    while (*in != '\0' && (quoted || *in != ' ')) {
      if (*in == '"') {
        quoted = !quoted;
        ++in;
        continue;
      }
      *out++ = *in++;
    }
    if (*in != '\0') ++in;
    *out++ = '\0';
  }
  return argc;
}

class StackWriter {
 public:
  StackWriter(uint64_t top, uint64_t floor) : sp_(top), floor_(floor) {}
  uint64_t push(const void* data, uint64_t length) {
    if (sp_ - floor_ < length) boot_failed("the command line does not fit on the stack\n");
    sp_ -= length;
    copy_bytes(reinterpret_cast<void*>(sp_), data, length);
    return sp_;
  }

 private:
  uint64_t sp_;
  uint64_t floor_;
};

// argv, no environment, and the same auxiliary vector as the direct boot (initial_stack.h).
uint64_t write_process_stack(const Layout& layout, char** argv, uint32_t argc, const char* exe_path,
                             uint64_t cr4) {
  const auto* ehdr = reinterpret_cast<const Elf64_Ehdr*>(__ehdr_start);
  boot::InitialStack s;
  s.argv = argv;
  s.argc = argc;
  s.exec_path = exe_path;
  random_fill(reinterpret_cast<uint8_t*>(s.random), sizeof s.random);  // glibc's canary and pointer guard
  s.vdso = reinterpret_cast<uint64_t>(monocell_vdso);
  s.phdr = reinterpret_cast<uint64_t>(__ehdr_start) + ehdr->e_phoff;
  s.phent = ehdr->e_phentsize;
  s.phnum = ehdr->e_phnum;
  s.entry = ehdr->e_entry;
  s.hwcap = cpuid(1).edx;
  s.fsgsbase = (cr4 & x86::kCr4Fsgsbase) != 0;
  StackWriter stack(layout.stack_top, layout.stack_top - layout.stack_size);
  return boot::write_initial_stack(stack, layout.stack_top, s);
}

struct __attribute__((packed)) DescriptorPointer {
  uint16_t limit;
  uint64_t base;
};

// CR4 of the ring-3 entry: FSGSBASE and OSXSAVE where CPUID has them or the VMM preset them.
uint64_t target_cr4() {
  uint64_t cr4 = read_cr4() | x86::kCr4Base;
  if (cpuid(7).ebx & 1) cr4 |= x86::kCr4Fsgsbase;
  if (cpuid(1).ecx & (1u << 26)) cr4 |= x86::kCr4Osxsave;
  return cr4;
}

// Loads the final tables, control registers and segments; from here on the machine is the
// direct boot's.
void load_machine_state(uint64_t want_cr4) {
  asm volatile("mov %0, %%cr3" ::"r"(kPageTablesGpa) : "memory");
  const DescriptorPointer gdt{kGdtEntries * 8 - 1, kGdtGpa};
  const DescriptorPointer idt{256 * 16 - 1, kIdtGpa};
  asm volatile("lgdt %0" ::"m"(gdt));
  asm volatile(
      "mov %0, %%ds\n mov %0, %%es\n mov %0, %%ss\n"
      "pushq %1\n leaq 1f(%%rip), %%rax\n pushq %%rax\n lretq\n 1:\n"
      :: "r"(uint64_t{kKernelDataSelector}), "i"(kKernelCodeSelector) : "rax", "memory");
  asm volatile("ltr %w0" ::"r"(kTssSelector));
  asm volatile("lidt %0" ::"m"(idt));
  // CR4 (target_cr4) and EFER are written only when something is missing: with an empty guest
  // CPUID (a VMM without KVM_SET_CPUID2) KVM refuses any write that holds those bits, even an
  // unchanged one.
  if (want_cr4 != read_cr4()) asm volatile("mov %0, %%cr4" ::"r"(want_cr4) : "memory");
  // XCR0 as the direct boot sets it (x87, SSE, AVX as offered), where CPUID says XSAVE; with an
  // empty CPUID or on kvm_pvm (whose CPUID has no XSAVE) ring 3 runs on the host's own XCR0, and
  // ring-0 xsetbv is not emulated there.
  if (cpuid(1).ecx & (1u << 26)) {
    const uint32_t xcr0 = 0x3 | (cpuid(0xD).eax & 0x4);
    asm volatile("xsetbv" ::"c"(0), "a"(xcr0), "d"(0) : "memory");
  }
  asm volatile("mov %0, %%cr0" ::"r"(x86::kCr0) : "memory");
  const uint64_t efer = read_msr(x86::kMsrEfer);
  const uint64_t want_efer = efer | (x86::kEfer & ~(1ull << 10));  // LMA is the CPU's to set
  if (want_efer != efer) write_msr(x86::kMsrEfer, want_efer);
  // The null selector in FS and GS; their bases come from the MSRs below.
  asm volatile("mov %0, %%fs\n mov %0, %%gs" ::"r"(0) : "memory");
}

}  // namespace
}  // namespace monocell::libos

void monocell_pvh_boot(uint64_t start_info) {
  using namespace monocell;
  using namespace monocell::boot;
  using namespace monocell::libos;
  // Xen first: the hypercall page and the console make boot failures visible there. Xen always
  // names itself in CPUID; anything else entering the PVH entry is taken for KVM, whose CPUID
  // may be empty (kvm_pvm).
  const Platform platform = xen_boot::start() ? Platform::kXenPvh : Platform::kKvmPvh;
  copy_start_info(start_info);
  const uint64_t ram = ram_size_from_memmap();
  Layout layout{};
  if (!plan_layout(ram, reinterpret_cast<uint64_t>(_end), ring::region_size_for(ring::RegionConfig{}), &layout,
                   g_file_tree_gpa, g_file_tree_size)) {
    boot_failed(g_file_tree_size != 0
                    ? "RAM is too small for the image, its file tree (module 0), heap, stack and rings\n"
                    : "RAM is too small for the image, heap, stack and rings\n");
  }

  ImageNote note{};
  note.abi_version = kBootAbiVersion;
  note.vector_stub_size = 16;
  note.vector_count = 256;
  note.vector_stubs = reinterpret_cast<uint64_t>(monocell_vector_stubs);
  note.syscall_entry = reinterpret_cast<uint64_t>(monocell_syscall_entry);
  note.syscall_entry_end = reinterpret_cast<uint64_t>(monocell_syscall_entry_end);
  note.percpu = reinterpret_cast<uint64_t>(monocell_percpu);
  note.ring0_start = reinterpret_cast<uint64_t>(monocell_ring0_start);
  note.vdso = reinterpret_cast<uint64_t>(monocell_vdso);

  DirectMemory memory;
  x86::write_system_tables(memory, note, ram, hostcall::kHostCallGpa, /*tss_busy=*/false);

  auto* info = reinterpret_cast<BootInfo*>(kBootInfoGpa);
  zero_bytes(info, sizeof(BootInfo));
  info->magic = kBootInfoMagic;
  info->version = kBootAbiVersion;
  info->size = sizeof(BootInfo);
  info->platform = static_cast<uint32_t>(platform);
  info->vcpu_count = 1;
  fill_boot_info_layout(*info, layout);
  info->hostcall_gpa = hostcall::kHostCallGpa;
  info->pvclock_gpa = kPvclockGpa;
  // The host's seed (module 0) when it gave one; the TSC only tells two seedless boots apart
  // (the CSPRNG mixes in RDRAND where the CPU has it).
  const uint64_t seed[4] = {rdtsc(), rdtsc() * 0x9E3779B97F4A7C15ull, ram, start_info};
  copy_bytes(info->random_seed, seed, sizeof seed);
  if (g_host_seed_given) {
    for (uint32_t i = 0; i < xen::kSeedModuleSize; ++i) info->random_seed[i] ^= g_host_seed[i];
    zero_bytes(g_host_seed, sizeof g_host_seed);
  }

  const uint64_t cmdline_length = string_length(g_cmdline, kCmdlineMax - 1);
  copy_bytes(reinterpret_cast<void*>(kCmdlineGpa), g_cmdline, cmdline_length + 1);
  info->cmdline_gpa = kCmdlineGpa;
  info->cmdline_size = static_cast<uint32_t>(cmdline_length);

  // argv from the command line; argv[0] names the image, and readlink(/proc/self/exe) says so.
  static char args[kCmdlineMax];
  copy_bytes(args, g_cmdline, cmdline_length + 1);
  static char* argv[256];
  uint32_t argc = split_cmdline(args, argv, 256);
  static char fallback_name[] = "init";
  if (argc == 0) {
    argv[0] = fallback_name;
    argc = 1;
  }
  info->exe_path[0] = '/';
  const uint64_t name_length = string_length(argv[0], kExePathMax - 2);
  copy_bytes(info->exe_path + 1, argv[0], name_length);
  info->exe_path[name_length + 1] = '\0';
  if (platform == Platform::kKvmPvh) {
    // kvmclock's wall clock: the real time at which kvmclock read zero.
    write_msr(x86::kMsrKvmWallClockNew, reinterpret_cast<uint64_t>(&g_wall_clock));
    const volatile PvclockWallClock& wall = g_wall_clock;
    info->realtime_offset_ns = static_cast<int64_t>(uint64_t{wall.sec} * 1000000000ull + wall.nsec);
  } else if (const char* why = xen_boot::prepare(layout, *info)) {
    boot_failed(why);
  }
  // The process stack, while the bootstrap map (all of the low 4 GiB, writable) is live.
  const uint64_t cr4 = target_cr4();
  const uint64_t user_rsp = write_process_stack(layout, argv, argc, info->exe_path, cr4);

  // From here the boot-info page is read-only, as ring 3 sees it.
  load_machine_state(cr4);
  x86::MsrValue msrs[x86::kBootMsrCount];
  x86::boot_msrs(note, kPvclockGpa, msrs);
  for (const x86::MsrValue& msr : msrs) {
    if (msr.index == x86::kMsrKvmSystemTimeNew && platform != Platform::kKvmPvh) continue;
    write_msr(msr.index, msr.value);
  }
  write_msr(x86::kMsrFsBase, 0);
  write_msr(x86::kMsrGsBase, note.percpu);
  if (platform == Platform::kXenPvh) {
    if (const char* why = xen_boot::finish()) boot_failed(why);
  }
  const auto* ehdr = reinterpret_cast<const Elf64_Ehdr*>(__ehdr_start);
  monocell_pvh_enter_ring3(ehdr->e_entry, user_rsp);
}
