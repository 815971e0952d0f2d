/* Guest placement: the fs component's part of its in-VM server (abi/fsd.h). */
#ifndef FD_FSD_H
#define FD_FSD_H

/*
 * Place the fs server in the VM (boot flag NANVIX_BOOT_FS_GUEST, with the
 * call ring): /dev/fsd opens, file calls go to its server (ipc/server.h,
 * SERVER_FS), and its NANVIX_FSD_BLK requests to the storage switch.
 */
void fsd_init(void);

#endif /* FD_FSD_H */
