// Storage for the hypervisor flag (hypervisor.h): zero in the image, so KVM's boots need not
// touch it.
#include "hypervisor.h"

extern "C" {
uint8_t monocell_on_xen = 0;
}
