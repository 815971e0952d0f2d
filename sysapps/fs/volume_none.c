/* Volumes in a build without host directories (the in-VM fs server). */
#include <abi/linux.h>

#include "backend.h"

/* Host directories exist only on the host: --volume needs --fs=host. */
int fs_volume_mount(struct fs_mount *m, const char *hostdir, int readonly)
{
	(void)m, (void)hostdir, (void)readonly;
	return -LINUX_ENOSYS;
}

int fs_volume_limit(struct fs_mount *m, uint64_t max_bytes)
{
	(void)m, (void)max_bytes;
	return -LINUX_ENOSYS;
}

int fs_volume_usage(const struct fs_mount *m, uint64_t *used, uint64_t *max)
{
	(void)m, (void)used, (void)max;
	return -1;
}
