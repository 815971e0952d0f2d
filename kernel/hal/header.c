/* The kernel header nanvixd reads to build the IDT, TSS and MSRs. */
#include <abi/hypercall.h>
#include <abi/kernel_header.h>
#include <hal/hal.h>
#include <mm/frame.h>

/* The host reads struct kstats as the ABI's struct nanvix_kcounters. */
_Static_assert(sizeof(struct kstats) == sizeof(struct nanvix_kcounters), "kstats layout");
_Static_assert(__builtin_offsetof(struct kstats, syscalls) ==
                               __builtin_offsetof(struct nanvix_kcounters, syscalls) &&
                       __builtin_offsetof(struct kstats, enosys) ==
                               __builtin_offsetof(struct nanvix_kcounters, enosys) &&
                       __builtin_offsetof(struct kstats, wx_mmap) ==
                               __builtin_offsetof(struct nanvix_kcounters, wx_mmap) &&
                       __builtin_offsetof(struct kstats, wx_mprotect) ==
                               __builtin_offsetof(struct nanvix_kcounters, wx_mprotect),
               "kstats layout");

extern char kvm_entry[], syscall_entry[], kstack_top[], istack_top[];
extern char __utext_start[], __utext_end[];
extern char vec0[], vec1[], vec2[], vec3[], vec4[], vec5[], vec6[], vec7[], vec8[], vec9[], vec10[],
        vec11[], vec12[], vec13[], vec14[], vec15[], vec16[], vec17[], vec18[], vec19[], vec20[],
        vec21[], vec32[];

__attribute__((section(".nanvix_header"), used))
static const struct nanvix_kernel_header header = {
	.magic = NANVIX_KHDR_MAGIC,
	.abi_version = NANVIX_ABI_VERSION,
	.entry = (uint64_t)kvm_entry,
	.syscall_entry = (uint64_t)syscall_entry,
	.stack_top = (uint64_t)kstack_top,
	.ist_top = (uint64_t)istack_top,
	.user_text_lo = (uint64_t)__utext_start,
	.user_text_hi = (uint64_t)__utext_end,
	.user_vectors = 1u << 3,             /* int3: the ring-3 syscall path */
	.ist_vectors = (1u << 2) | (1u << 8), /* NMI, double fault */
	.vectors = {
		(uint64_t)vec0, (uint64_t)vec1, (uint64_t)vec2, (uint64_t)vec3,
		(uint64_t)vec4, (uint64_t)vec5, (uint64_t)vec6, (uint64_t)vec7,
		(uint64_t)vec8, (uint64_t)vec9, (uint64_t)vec10, (uint64_t)vec11,
		(uint64_t)vec12, (uint64_t)vec13, (uint64_t)vec14, (uint64_t)vec15,
		(uint64_t)vec16, (uint64_t)vec17, (uint64_t)vec18, (uint64_t)vec19,
		(uint64_t)vec20, (uint64_t)vec21, [32] = (uint64_t)vec32,
	},
	.kstats = (uint64_t)&kstats,
	.frame_counts = (uint64_t)mm_frame_counts,
};

/* The PVH backend builds its own IDT from the same table. */
const struct nanvix_kernel_header *const kernel_header = &header;
