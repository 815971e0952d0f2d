/* /dev/shm: shared-memory objects the kernel keeps (shm_open, sem_open, MAP_SHARED). */
/*
 * A directory of named objects in RAM, like Linux's tmpfs at /dev/shm,
 * which is where both libcs put shm_open and sem_open objects.  An object
 * holds up to SHM_PAGES frames (listed in one frame of its own); a
 * MAP_SHARED mapping maps those very frames (PTE_SHARED, one reference
 * each), so every process sees every write at once; MAP_PRIVATE copies.
 * open (O_CREAT, O_EXCL, O_TRUNC), read, write, lseek, fstat, ftruncate,
 * unlink and link work on them (a name table of SHM_MAX entries, several
 * names may name one object).  An object with no name lives while it is
 * open; its frames stay while mapped.  Every walk is bounded by the
 * object's size or the table's.
 */
#include <abi/linux.h>
#include <abi/x86_paging.h>
#include <fd/file.h>
#include <fd/shm.h>
#include <hal/hal.h>
#include <hal/uaccess.h>
#include <mm/frame.h>
#include <mm/heap.h>
#include <mm/vmem.h>
#include <proc/proc.h>
#include <sys/syscall.h>

#define SHM_MAX   64                                         /* objects in a VM */
#define SHM_PAGES ((uint64_t)(PAGE_SIZE / sizeof(uint32_t))) /* 4 MiB an object */
#define SHM_DEV   0x1b                                       /* st_dev of /dev/shm objects */

struct shm_obj {
	int nlink; /* names */
	int opens; /* open files */
	uint32_t mode;
	uint32_t ino;
	uint64_t size;
	uint32_t *pfns; /* SHM_PAGES frame numbers (0: not allocated yet) */
};

struct shm_file {
	struct shm_obj *obj;
	uint64_t off;
};

struct shm_name {
	char name[SHM_NAME_MAX + 1];
	struct shm_obj *obj; /* NULL: a free entry */
};

static struct shm_name names[SHM_MAX];
static uint32_t next_ino = 1;

/* The entry named `name`, or NULL. */
static struct shm_name *lookup(const char *name)
{
	size_t n = strlen(name) + 1;
	int i;

	for (i = 0; i < SHM_MAX; i++)
		if (names[i].obj && !memcmp(names[i].name, name, n))
			return &names[i];
	return NULL;
}

/* A free entry named `name` for `o`, or NULL (the table is full). */
static struct shm_name *name_add(const char *name, struct shm_obj *o)
{
	int i;

	for (i = 0; i < SHM_MAX; i++)
		if (!names[i].obj) {
			memcpy(names[i].name, name, strlen(name) + 1);
			names[i].obj = o;
			o->nlink++;
			return &names[i];
		}
	return NULL;
}

/* Frames from page `from` on go back (a frame still mapped elsewhere stays there). */
static void shrink(struct shm_obj *o, uint64_t from)
{
	uint64_t i;

	for (i = from; i < SHM_PAGES; i++)
		if (o->pfns[i]) {
			mm_frame_free((uint64_t)o->pfns[i] * PAGE_SIZE);
			o->pfns[i] = 0;
		}
}

static void obj_put(struct shm_obj *o)
{
	if (o->opens > 0 || o->nlink > 0)
		return;
	shrink(o, 0);
	mm_frame_free(V2P(o->pfns));
	kfree(o);
}

/* The frame of page `i`, allocated (zero) on first use; 0 when RAM ran out. */
static uint64_t page(struct shm_obj *o, uint64_t i)
{
	if (!o->pfns[i]) {
		uint64_t pa = mm_frame_alloc();

		if (!pa)
			return 0;
		o->pfns[i] = (uint32_t)(pa / PAGE_SIZE);
	}
	return (uint64_t)o->pfns[i] * PAGE_SIZE;
}

static long shm_io(struct file *f, uint64_t buf, uint64_t len, bool write)
{
	struct shm_file *sf = f->priv;
	struct shm_obj *o = sf->obj;
	uint64_t done = 0, off = sf->off;

	if (write && (f->flags & LINUX_O_APPEND))
		off = o->size;
	if (write && len > SHM_PAGES * PAGE_SIZE -
	                             (off < SHM_PAGES * PAGE_SIZE ? off : SHM_PAGES * PAGE_SIZE))
		len = off < SHM_PAGES * PAGE_SIZE ? SHM_PAGES * PAGE_SIZE - off : 0;
	if (!write)
		len = off < o->size ? (len < o->size - off ? len : o->size - off) : 0;
	if (write && len == 0 && off >= SHM_PAGES * PAGE_SIZE)
		return -LINUX_EFBIG;
	while (done < len) {
		uint64_t at = off + done, n = PAGE_SIZE - (at & PAGE_MASK), pa;

		if (n > len - done)
			n = len - done;
		pa = page(o, at / PAGE_SIZE);
		if (!pa)
			break;
		if (write ? copy_from_user((uint8_t *)P2V(pa) + (at & PAGE_MASK), buf + done, n)
		          : copy_to_user(buf + done, (uint8_t *)P2V(pa) + (at & PAGE_MASK), n))
			return done ? (long)done : -LINUX_EFAULT;
		done += n;
	}
	if (!done && len)
		return -LINUX_ENOSPC;
	sf->off = off + done;
	if (write && sf->off > o->size)
		o->size = sf->off;
	return (long)done;
}

static long shm_read(struct file *f, uint64_t buf, uint64_t len)
{
	return shm_io(f, buf, len, false);
}

static long shm_write(struct file *f, uint64_t buf, uint64_t len)
{
	return shm_io(f, buf, len, true);
}

static long shm_lseek(struct file *f, long off, long whence)
{
	struct shm_file *sf = f->priv;
	long base = whence == LINUX_SEEK_SET   ? 0
	            : whence == LINUX_SEEK_CUR ? (long)sf->off
	            : whence == LINUX_SEEK_END ? (long)sf->obj->size
	                                       : -1;

	if (base < 0 || (off < 0 && -off > base))
		return -LINUX_EINVAL;
	sf->off = (uint64_t)(base + off);
	return (long)sf->off;
}

static long shm_fstat(struct file *f, uint64_t ubuf)
{
	struct shm_obj *o = ((struct shm_file *)f->priv)->obj;
	struct linux_stat st = {
		.st_dev = SHM_DEV,
		.st_ino = o->ino,
		.st_nlink = (uint64_t)o->nlink,
		.st_mode = LINUX_S_IFREG | o->mode,
		.st_size = (int64_t)o->size,
		.st_blksize = PAGE_SIZE,
		.st_blocks = (int64_t)(PAGE_UP(o->size) / 512),
	};

	return copy_to_user(ubuf, &st, sizeof(st)) ? -LINUX_EFAULT : 0;
}

static long shm_truncate(struct file *f, uint64_t len)
{
	struct shm_obj *o = ((struct shm_file *)f->priv)->obj;

	if (len > SHM_PAGES * PAGE_SIZE)
		return -LINUX_EFBIG;
	if (len < o->size) {
		/* The cut part of the last page reads as zero again. */
		uint64_t last = len / PAGE_SIZE;

		if ((len & PAGE_MASK) && o->pfns[last])
			memset((uint8_t *)P2V((uint64_t)o->pfns[last] * PAGE_SIZE) +
			               (len & PAGE_MASK),
			       0, PAGE_SIZE - (len & PAGE_MASK));
		shrink(o, PAGE_UP(len) / PAGE_SIZE);
	}
	o->size = len;
	return 0;
}

/* The private-copy path of mmap (file_ops.map_copy). */
static long shm_map_copy(struct file *f, uint64_t ubuf, uint64_t len, uint64_t off)
{
	struct shm_obj *o = ((struct shm_file *)f->priv)->obj;
	uint64_t done;

	for (done = 0; done < len; done += PAGE_SIZE) {
		uint64_t i = (off + done) / PAGE_SIZE,
		         n = len - done < PAGE_SIZE ? len - done : PAGE_SIZE;

		if (off + done >= o->size || !o->pfns[i])
			continue; /* zeros */
		if (copy_to_user(ubuf + done, P2V((uint64_t)o->pfns[i] * PAGE_SIZE), n))
			return -LINUX_EFAULT;
	}
	return 0;
}

/*
 * MAP_SHARED: map the object's own frames at [va, va + len) with `flags`
 * (PTE bits); pages past the object's end stay unmapped (Linux gives
 * SIGBUS there, this gives SIGSEGV).  The range is free; the caller
 * reserved frames for the page tables.
 */
static long shm_map_shared(struct file *f, uint64_t va, uint64_t len, uint64_t off, uint64_t flags)
{
	struct shm_obj *o = ((struct shm_file *)f->priv)->obj;
	uint64_t done;

	if (off / PAGE_SIZE >= SHM_PAGES && len)
		return -LINUX_ENXIO;
	for (done = 0; done < len && off + done < o->size; done += PAGE_SIZE) {
		uint64_t pa = page(o, (off + done) / PAGE_SIZE);

		if (!pa)
			return -LINUX_ENOMEM;
		if (!mm_frame_ref(pa))
			return -LINUX_ENOMEM;
		if (vmem_map(proc_current->cr3, va + done, pa, flags | PTE_SHARED) < 0) {
			mm_frame_free(pa);
			return -LINUX_ENOMEM;
		}
	}
	return 0;
}

static void shm_release(struct file *f)
{
	struct shm_file *sf = f->priv;

	sf->obj->opens--;
	obj_put(sf->obj);
	kfree(sf);
}

static const struct file_ops shm_ops = {
	.read = shm_read,
	.write = shm_write,
	.lseek = shm_lseek,
	.fstat = shm_fstat,
	.truncate = shm_truncate,
	.map_copy = shm_map_copy,
	.map_shared = shm_map_shared,
	.release = shm_release,
	.mode = LINUX_S_IFREG | 0600,
	.seekable = true,
};

/* `name` (what follows "/dev/shm/") checked: one component, not too long. */
static long name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || !memcmp(name, ".", 2) || !memcmp(name, "..", 3))
		return -LINUX_EISDIR;
	if (n > SHM_NAME_MAX)
		return -LINUX_ENAMETOOLONG;
	for (; *name; name++)
		if (*name == '/')
			return -LINUX_ENOENT; /* no subdirectories */
	return 0;
}

/* A new object, no name, no size; NULL when out of memory. */
static struct shm_obj *obj_new(uint32_t mode)
{
	struct shm_obj *o = kmalloc(sizeof(*o));
	uint64_t pa = o ? mm_frame_alloc() : 0;

	if (!pa) {
		kfree(o);
		return NULL;
	}
	memset(o, 0, sizeof(*o));
	o->mode = mode;
	o->ino = next_ino++;
	o->pfns = P2V(pa);
	return o;
}

/* Open `o` with `flags` as a new fd; the object goes when that fails and nothing holds it. */
static long obj_open(struct shm_obj *o, long flags)
{
	struct shm_file *sf = kmalloc(sizeof(*sf));
	struct file *f = sf ? file_new(&shm_ops, (uint32_t)flags & (LINUX_O_ACCMODE | LINUX_O_APPEND), sf)
	                    : NULL;

	if (!f) {
		kfree(sf);
		obj_put(o);
		return -LINUX_ENOMEM;
	}
	sf->obj = o;
	sf->off = 0;
	o->opens++;
	if ((flags & LINUX_O_TRUNC) && (flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY)
		shm_truncate(f, 0);
	return fd_install(f, 0, -1, flags & LINUX_O_CLOEXEC);
}

/*
 * memfd_create: an object as /dev/shm holds them, with no name (it goes
 * with its last fd and mapping), read-write, mode 0777 as Linux gives.
 * Sealing is accepted as a flag but no seal can be added (fcntl
 * F_ADD_SEALS is EINVAL); huge pages are refused (EINVAL).
 */
#define MFD_CLOEXEC       1u
#define MFD_ALLOW_SEALING 2u
#define MFD_NAME_MAX      249

long sys_memfd_create(SYSCALL_ARGS)
{
	uint64_t uname = (uint64_t)a0;
	unsigned flags = (unsigned)a1, i;
	struct shm_obj *o;
	char c;

	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -LINUX_EINVAL;
	for (i = 0;; i++) { /* the name only needs to be readable and short */
		if (copy_from_user(&c, uname + i, 1))
			return -LINUX_EFAULT;
		if (!c)
			break;
		if (i == MFD_NAME_MAX)
			return -LINUX_EINVAL;
	}
	o = obj_new(0777);
	if (!o)
		return -LINUX_ENOMEM;
	return obj_open(o, LINUX_O_RDWR | (flags & MFD_CLOEXEC ? LINUX_O_CLOEXEC : 0));
}

long shm_open(const char *name, long flags, long mode)
{
	struct shm_name *e;
	struct shm_obj *o;
	long rc = name_ok(name);

	if (rc)
		return rc;
	e = lookup(name);
	if (e && (flags & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL))
		return -LINUX_EEXIST;
	if (e) {
		o = e->obj;
	} else {
		if (!(flags & LINUX_O_CREAT))
			return -LINUX_ENOENT;
		o = obj_new((uint32_t)mode & 07777 & ~proc_current->umask);
		if (!o)
			return -LINUX_ENOMEM;
		if (!name_add(name, o)) {
			obj_put(o);
			return -LINUX_ENOSPC;
		}
	}
	return obj_open(o, flags);
}

long shm_unlink(const char *name)
{
	struct shm_name *e;
	struct shm_obj *o;
	long rc = name_ok(name);

	if (rc)
		return rc;
	e = lookup(name);
	if (!e)
		return -LINUX_ENOENT;
	o = e->obj;
	e->obj = NULL;
	o->nlink--;
	obj_put(o);
	return 0;
}

long shm_link(const char *old, const char *new)
{
	struct shm_name *e;
	long rc = name_ok(old);

	if (rc || (rc = name_ok(new)))
		return rc;
	e = lookup(old);
	if (!e)
		return -LINUX_ENOENT;
	if (lookup(new))
		return -LINUX_EEXIST;
	return name_add(new, e->obj) ? 0 : -LINUX_ENOSPC;
}
