/* Remote files: file calls forwarded to the fs component (ipc/ring, or the in-VM server). */
#include <abi/linux.h>
#include <abi/vvar.h>
#include <fd/file.h>
#include <fd/fsd.h>
#include <fd/remote.h>
#include <hal/hal.h>
#include <ipc/ring.h>
#include <ipc/server.h>
#include <mm/frame.h>
#include <proc/proc.h>

static bool active;

void remote_init(const struct nanvix_bootinfo *bi)
{
	if (!ring_init(bi) || !(bi->flags & NANVIX_BOOT_FS))
		return;
	active = true;
	if (bi->flags & NANVIX_BOOT_FS_GUEST)
		fsd_init();
}

bool remote_active(void)
{
	return active;
}

long remote_call(uint16_t op, const uint64_t a[5], uint64_t *value)
{
	if (server_placed(SERVER_FS))
		return server_call(SERVER_FS, op, proc_current->cr3, a, value);
	return ring_call(op, proc_current->cr3, a, value);
}

static long rf_read(struct file *f, uint64_t buf, uint64_t len)
{
	uint64_t a[5] = { (uint64_t)f->priv, buf, len };

	return remote_call(NANVIX_FS_READ, a, NULL);
}

static long rf_write(struct file *f, uint64_t buf, uint64_t len)
{
	uint64_t a[5] = { (uint64_t)f->priv, buf, len, f->flags };

	return remote_call(NANVIX_FS_WRITE, a, NULL);
}

static long rf_map_copy(struct file *f, uint64_t ubuf, uint64_t len, uint64_t off)
{
	uint64_t a[5] = { (uint64_t)f->priv, ubuf, len, off };
	long rc;

	if (f->stream)
		return -LINUX_ENODEV; /* a directory */
	if (len == 0)
		return 0;
	rc = remote_call(NANVIX_FS_PREAD, a, NULL);
	return rc < 0 ? rc : 0;
}

static void rf_release(struct file *f)
{
	uint64_t a[5] = { (uint64_t)f->priv };

	remote_call(NANVIX_FS_CLOSE, a, NULL);
}

static const struct file_ops remote_ops = {
	.read = rf_read,
	.write = rf_write,
	/* No poll: disk files never block (poll/select: ready; epoll: EPERM, as Linux). */
	.release = rf_release,
	.fstat = sys_fs_fstat,
	.lseek = sys_fs_lseek,
	.map_copy = rf_map_copy,
	.mode = LINUX_S_IFREG | 0644,
	.seekable = true,
};

struct file *remote_file(uint64_t h, uint32_t flags, bool dir)
{
	struct file *f = file_new(&remote_ops, flags, (void *)h);

	if (!f) {
		uint64_t a[5] = { h };

		remote_call(NANVIX_FS_CLOSE, a, NULL);
		return NULL;
	}
	f->stream = dir;
	return f;
}

uint32_t remote_fdmap_entry(const struct file *f)
{
	uint64_t h = remote_handle(f);
	uint32_t e;

	if (!h || h > NANVIX_FDMAP_HANDLE_MASK)
		return 0;
	e = (uint32_t)h;
	if ((f->flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY)
		e |= NANVIX_FDMAP_READ;
	if (f->stream)
		e |= NANVIX_FDMAP_DIR;
	return e;
}

uint64_t remote_handle(const struct file *f)
{
	return f && f->ops == &remote_ops ? (uint64_t)f->priv : 0;
}

bool remote_is_dir(const struct file *f)
{
	return remote_handle(f) && f->stream;
}
