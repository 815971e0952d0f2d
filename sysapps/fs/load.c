/* Read a whole program file through the service (execve of a program on the disk). */
#include <stdlib.h>
#include <string.h>

#include <abi/linux.h>
#include <fs/service.h>

/* The service's own callers pass their own pointers as "user" addresses. */
static int local_read(void *ctx, uint64_t cr3, uint64_t ua, void *dst, size_t len)
{
	(void)ctx, (void)cr3;
	memcpy(dst, (const void *)(uintptr_t)ua, len);
	return 0;
}

static int local_write(void *ctx, uint64_t cr3, uint64_t ua, const void *src, size_t len)
{
	(void)ctx, (void)cr3;
	memcpy((void *)(uintptr_t)ua, src, len);
	return 0;
}

static int64_t call(struct fs_service *s, uint16_t op, uint64_t a1, uint64_t a2, uint64_t a3,
                    uint64_t a4, uint64_t *value)
{
	static const struct svc_mem local = { .read = local_read, .write = local_write };
	struct nanvix_ring_req q = { .opcode = op, .args = { 0, a1, a2, a3, a4 } };
	uint64_t v;

	return fs_service_call(s, &q, &local, value ? value : &v);
}

int fs_service_load(struct fs_service *s, uint64_t dir, const char *path, size_t max, void **buf,
                    size_t *len)
{
	struct linux_stat st;
	uint64_t value, h;
	uint8_t *data = NULL;
	int64_t rc;

	*buf = NULL;
	*len = 0;
	rc = call(s, NANVIX_FS_OPEN, dir, (uintptr_t)path, LINUX_O_RDONLY, 0, &value);
	if (rc < 0)
		return (int)rc;
	h = value & ~NANVIX_FS_OPEN_DIR;
	rc = call(s, NANVIX_FS_FSTATAT, h, 0, (uintptr_t)&st, 0, NULL);
	if (!rc && (st.st_mode & LINUX_S_IFMT) != LINUX_S_IFREG)
		rc = -LINUX_EACCES;
	if (!rc && !(st.st_mode & 0111))
		rc = -LINUX_EACCES;
	if (!rc && st.st_size <= 0)
		rc = -LINUX_ENOEXEC;
	if (!rc && (uint64_t)st.st_size > max)
		rc = -LINUX_EFBIG;
	if (!rc && !(data = malloc((size_t)st.st_size)))
		rc = -LINUX_ENOMEM;
	if (!rc) {
		rc = call(s, NANVIX_FS_PREAD, h, (uintptr_t)data, (uint64_t)st.st_size, 0, NULL);
		rc = rc == st.st_size ? 0 : rc < 0 ? rc : -LINUX_EIO;
	}
	call(s, NANVIX_FS_CLOSE, h, 0, 0, 0, NULL);
	if (rc) {
		free(data);
		return (int)rc;
	}
	*buf = data;
	*len = (size_t)st.st_size;
	return 0;
}
