/* Guest placement: the fs component's part of its in-VM server (abi/fsd.h, ipc/server). */
#include <abi/fsd.h>
#include <abi/linux.h>
#include <fd/fsd.h>
#include <ipc/ring.h>
#include <ipc/server.h>

/* The fs server's page is the generic one with blk after it. */
SERVER_PAGE_CHECK(struct nanvix_fsd_page);
_Static_assert(__builtin_offsetof(struct nanvix_fsd_page, blk) >= sizeof(struct nanvix_server_page),
               "blk follows the generic fields");

/* NANVIX_FSD_BLK: page->blk as a block request to the storage switch. */
static long blk(volatile struct nanvix_fsd_page *page, uint64_t cr3)
{
	uint16_t op = page->blk.op;
	uint64_t a[5] = { 0, page->blk.buf, page->blk.len, page->blk.off };

	if (op != NANVIX_BLK_READ && op != NANVIX_BLK_WRITE && op != NANVIX_BLK_FLUSH)
		return -LINUX_EINVAL;
	return ring_call(op, cr3, a, NULL);
}

static long fsd_ioctl(volatile void *page, uint64_t cr3, uint64_t req, uint64_t arg)
{
	(void)arg;
	if (req == NANVIX_FSD_BLK)
		return blk(page, cr3);
	return -LINUX_ENOTTY;
}

static const struct server_ops fsd_ops = {
	.ioctl = fsd_ioctl,
};

void fsd_init(void)
{
	server_place(SERVER_FS, &fsd_ops);
}
