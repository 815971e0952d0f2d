/* Checked access to guest memory: the only way host code touches guest RAM. */
#ifndef MONITOR_GUESTMEM_H
#define MONITOR_GUESTMEM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <monitor/vm.h>

/*
 * Host pointer to guest-physical [gpa, gpa + len), or NULL when any byte of
 * it lies outside guest RAM (overflow-safe).  Every guest-supplied physical
 * address goes through here.
 */
static inline void *gpa_ptr(const struct vm_mem *mem, uint64_t gpa, uint64_t len)
{
	if (gpa > mem->size || len > mem->size - gpa)
		return 0;
	return mem->base + gpa;
}

/*
 * Make the whole pages of guest-physical [gpa, gpa + len) read as zero and
 * give their memory back to the host: MADV_DONTNEED on anonymous RAM,
 * MADV_REMOVE (a hole punched in the memfd) on shared RAM, where
 * MADV_DONTNEED would only drop this mapping's view of the data; memset
 * when neither works.  gpa and len must be page-aligned and the range
 * inside RAM (the caller has checked it); anything else is ignored.
 */
void gpa_zero(const struct vm_mem *mem, uint64_t gpa, uint64_t len);

/*
 * Translate the guest-virtual address `gva` through the 4-level page tables
 * rooted at `cr3` as the user (ring 3) would see it: every level present and
 * user-accessible, and writable when `write`.  Table pages must lie in RAM.
 * Returns 0 and the guest-physical address in *gpa, or -EFAULT.
 */
int gva_translate(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, bool write, uint64_t *gpa);

/*
 * Describe the user range [gva, gva + len) as host iovecs (one per physical
 * run), appending to iov[*niov..max).  Returns 0, -EFAULT if a page is not
 * accessible, or -E2BIG when max is reached (iov then covers a prefix).
 */
int gva_iovec(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, uint64_t len, bool write,
              struct iovec *iov, int *niov, int max);

/* Copy len bytes of user memory at gva into dst; 0 or -EFAULT. */
int gva_read(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, void *dst, uint64_t len);

/*
 * Bulk copies of any length (the macro-kernel's file data): from user
 * memory at gva into dst, or from src into user-writable memory at gva.
 * 0 or -EFAULT; unlike gva_read, on a fault part of the range may already
 * have been copied.
 */
int gva_copy_from(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, void *dst, uint64_t len);
int gva_copy_to(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, const void *src,
                uint64_t len);

#endif /* MONITOR_GUESTMEM_H */
