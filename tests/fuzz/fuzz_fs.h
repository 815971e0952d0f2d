/* The input format of fuzz_fs (tests/fuzz/fuzz_fs.c), shared with its seed generator. */
#ifndef TESTS_FUZZ_FUZZ_FS_H
#define TESTS_FUZZ_FUZZ_FS_H

/*
 * An input is: one mode byte, then FUZZ_FS_PREFIX bytes copied to the start
 * of the caller's memory (the arena: paths and buffers), then up to
 * FUZZ_FS_SLOTS_MAX struct nanvix_ring_req slots of 64 bytes, each served
 * by fs_service_call in turn (a short last slot is dropped).  User address
 * FUZZ_FS_UBASE + i is arena byte i; every other address faults.  The
 * prefix's last FUZZ_FS_TAIL bytes are also the arena's last ones, so a
 * string can run into its end unterminated.  A slot's
 * `flags` field (which the service ignores) repeats an FS_OPEN that many
 * times, up to FUZZ_FS_REPEAT_MAX, so the handle table can be filled.
 *
 * The world each input starts from: an ext2 disk at "/" holding
 * /hello.txt, /secret, /etc/passwd, /dir/sub/deep.txt, /lnk -> hello.txt;
 * a volume at "/vol" holding v.txt, sub/inner.txt and host-made symlinks
 * that point out of it (esc-rel -> ../secret, esc-abs -> the host marker,
 * hostroot -> /, up -> ..); a read-only volume at "/ro" holding r.txt.
 */
#define FUZZ_FS_UBASE      0x1000u
#define FUZZ_FS_ARENA      (64u * 1024)
#define FUZZ_FS_PREFIX     512u
#define FUZZ_FS_TAIL       64u
#define FUZZ_FS_SLOTS_MAX  64
#define FUZZ_FS_REPEAT_MAX 1100

/* The mode byte. */
#define FUZZ_FS_DISK_RO 0x01 /* the disk is mounted read-only */
#define FUZZ_FS_NO_DISK 0x02 /* no disk: a synthetic root lists the volumes */
#define FUZZ_FS_VOLROOT 0x04 /* with NO_DISK: the volume at "/" (and no /ro) */
#define FUZZ_FS_LIMITED 0x08 /* the volume starts empty, limited to FUZZ_FS_LIMIT bytes */

/* A limited volume's size (fs_service_limit_volume): 256 names, as the minimum. */
#define FUZZ_FS_LIMIT (64u * 1024)

#endif /* TESTS_FUZZ_FUZZ_FS_H */
