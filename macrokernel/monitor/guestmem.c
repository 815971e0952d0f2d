/* Guest page-table walks for user buffers named in hypercalls. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <abi/x86_paging.h>
#include <monitor/guestmem.h>

#define PAGE 4096ull

void gpa_zero(const struct vm_mem *mem, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gpa_ptr(mem, gpa, len);

	if (!p || (gpa | len) % PAGE)
		return;
	/* A snapshot's private mapping would fall back to the file's pages:
	 * fresh anonymous ones instead (KVM follows the mapping). */
	if (mem->file) {
		if (mmap(p, len, PROT_READ | PROT_WRITE,
		         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
		         0) == MAP_FAILED)
			memset(p, 0, len);
		return;
	}
	if (madvise(p, len, mem->shared ? MADV_REMOVE : MADV_DONTNEED) < 0)
		memset(p, 0, len);
}

int gva_translate(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, bool write, uint64_t *gpa)
{
	uint64_t table = cr3 & PTE_ADDR;
	int level;

	/* User addresses are canonical lower-half only. */
	if (gva >> 47)
		return -EFAULT;
	for (level = 3; level >= 0; level--) {
		unsigned idx = (gva >> (12 + 9 * level)) & 511;
		const uint64_t *slot = gpa_ptr(mem, table + idx * 8, 8);
		uint64_t e;

		if (!slot)
			return -EFAULT;
		e = *(const volatile uint64_t *)slot;
		if (!(e & PTE_P) || !(e & PTE_U) || (write && !(e & PTE_W)))
			return -EFAULT;
		if ((e & PTE_PS) && (level == 1 || level == 2)) {
			uint64_t span = 1ull << (12 + 9 * level);

			*gpa = (e & PTE_ADDR & ~(span - 1)) + (gva & (span - 1));
			return gpa_ptr(mem, *gpa, 1) ? 0 : -EFAULT;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table + (gva & (PAGE - 1));
	return gpa_ptr(mem, *gpa, 1) ? 0 : -EFAULT;
}

int gva_iovec(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, uint64_t len, bool write,
              struct iovec *iov, int *niov, int max)
{
	if (gva + len < gva)
		return -EFAULT;
	while (len > 0) {
		uint64_t gpa, chunk = PAGE - (gva & (PAGE - 1));
		int rc;

		if (chunk > len)
			chunk = len;
		rc = gva_translate(mem, cr3, gva, write, &gpa);
		if (rc < 0)
			return rc;
		if (!gpa_ptr(mem, gpa, chunk))
			return -EFAULT;
		if (*niov > 0 && (uint8_t *)iov[*niov - 1].iov_base + iov[*niov - 1].iov_len ==
		                         mem->base + gpa) {
			iov[*niov - 1].iov_len += chunk; /* physically contiguous */
		} else {
			if (*niov == max)
				return -E2BIG;
			iov[*niov].iov_base = mem->base + gpa;
			iov[*niov].iov_len = chunk;
			(*niov)++;
		}
		gva += chunk;
		len -= chunk;
	}
	return 0;
}

int gva_read(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, void *dst, uint64_t len)
{
	struct iovec iov[4];
	int niov = 0, i, rc;
	uint8_t *d = dst;

	/* Small reads only (argument structs): at most a page boundary or two. */
	rc = gva_iovec(mem, cr3, gva, len, false, iov, &niov, 4);
	if (rc < 0)
		return -EFAULT;
	for (i = 0; i < niov; i++) {
		memcpy(d, iov[i].iov_base, iov[i].iov_len);
		d += iov[i].iov_len;
	}
	return 0;
}

/* Copy between user memory and a host buffer, a few pages of iovecs at a time. */
static int gva_copy(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, uint8_t *buf,
                    uint64_t len, bool write)
{
	enum { IOVS = 16 };

	while (len) {
		struct iovec iov[IOVS];
		/* IOVS - 2 whole pages plus the ragged ends fit in IOVS runs. */
		uint64_t part = len < (IOVS - 2) * PAGE ? len : (IOVS - 2) * PAGE;
		int niov = 0, i;

		if (gva_iovec(mem, cr3, gva, part, write, iov, &niov, IOVS) < 0)
			return -EFAULT;
		for (i = 0; i < niov; i++) {
			if (write)
				memcpy(iov[i].iov_base, buf, iov[i].iov_len);
			else
				memcpy(buf, iov[i].iov_base, iov[i].iov_len);
			buf += iov[i].iov_len;
		}
		gva += part;
		len -= part;
	}
	return 0;
}

int gva_copy_from(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, void *dst, uint64_t len)
{
	return gva_copy(mem, cr3, gva, dst, len, false);
}

int gva_copy_to(const struct vm_mem *mem, uint64_t cr3, uint64_t gva, const void *src, uint64_t len)
{
	return gva_copy(mem, cr3, gva, (uint8_t *)(uintptr_t)src, len, true);
}
