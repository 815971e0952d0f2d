/* Check tests for nanvixd's client of the shared macro-kernel: load and stats answers are untrusted. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <abi/ring.h>
#include <monitor/client.h>
#include <server/proto.h>

#include "runner.h"

/* client.c reports through vm_error (vm_kvm_x86_64.c); here it only counts. */
static int errors;

void vm_error(const char *fmt, ...)
{
	(void)fmt;
	errors++;
}

static volatile sig_atomic_t timed_out;
static struct mk_client cl;
static int srv; /* the server's end of the socketpair */

static void setup(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	mk_client_init(&cl);
	cl.path = "test";
	cl.sock = sv[0];
	cl.timed_out = &timed_out;
	srv = sv[1];
	errors = 0;
}

static void teardown(void)
{
	mk_client_close(&cl);
	close(srv);
}

/* A memfd holding `data`, with `seals` added. */
static int memfd(const char *data, size_t len, int seals)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	if (seals)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

#define SEALED (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK)

/* Open fds of this process: no answer may leave one behind. */
static int nfds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Queue an answer (any bytes) with up to two fds, before the client asks. */
static void queue(const void *a, size_t len, const int *fds, int nfds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)a, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	ck_assert_int_eq(sendmsg(srv, &msg, 0), (ssize_t)len);
}

static struct mksrv_load_reply answer(int32_t status, uint64_t size)
{
	return (struct mksrv_load_reply){
		.magic = MKSRV_MAGIC, .type = MKSRV_LOAD, .status = status, .size = size
	};
}

/* Take the client's requests off the server's queue (it holds few). */
static void drain(void)
{
	struct mksrv_load q;

	while (recv(srv, &q, sizeof(q), MSG_DONTWAIT) > 0)
		;
}

/* Queue the answer, then load: the client's result. */
static int load_with(struct mksrv_load_reply r, int fd)
{
	void *buf = (void *)1;
	size_t len = 0;
	int rc;

	queue(&r, sizeof(r), &fd, fd >= 0);
	if (fd >= 0)
		close(fd);
	rc = mk_client_load_file(&cl, NANVIX_FS_ROOT, "/bin/prog", &buf, &len);
	drain();
	if (rc)
		ck_assert_ptr_null(buf);
	free(buf);
	return rc;
}

START_TEST(test_load_ok)
{
	struct mksrv_load q;
	void *buf = NULL;
	size_t len = 0;
	int fd = memfd("\177ELF-ish", 9, SEALED);
	struct mksrv_load_reply r = answer(0, 9);

	queue(&r, sizeof(r), &fd, 1);
	close(fd);
	ck_assert_int_eq(mk_client_load_file(&cl, 42, "bin/prog", &buf, &len), 0);
	ck_assert_uint_eq(len, 9);
	ck_assert_mem_eq(buf, "\177ELF-ish", 9);
	free(buf);
	/* The request as sent: magic, type, cwd, the path NUL-terminated and zero-padded. */
	ck_assert_int_eq(recv(srv, &q, sizeof(q), MSG_DONTWAIT), (ssize_t)sizeof(q));
	ck_assert_uint_eq(q.magic, MKSRV_MAGIC);
	ck_assert_uint_eq(q.type, MKSRV_LOAD);
	ck_assert_uint_eq(q.cwd, 42);
	ck_assert_str_eq(q.path, "bin/prog");
	ck_assert_int_eq(q.path[sizeof(q.path) - 1], 0);
	ck_assert_int_eq(errors, 0);
}
END_TEST

START_TEST(test_load_errno)
{
	ck_assert_int_eq(load_with(answer(-ENOENT, 0), -1), -ENOENT);
	ck_assert_int_eq(errors, 0);
}
END_TEST

/* Each a broken answer: the load fails with EIO and says why, nothing is used. */
START_TEST(test_load_untrusted)
{
	struct mksrv_load_reply r;
	int p[2], before = nfds_open();

	ck_assert_int_eq(load_with(answer(0, 9), memfd("123456789", 9, 0)), -EIO); /* unsealed */
	ck_assert_int_eq(load_with(answer(0, 9), memfd("123456789", 9, F_SEAL_SHRINK)), -EIO);
	ck_assert_int_eq(load_with(answer(0, 99), memfd("123456789", 9, SEALED)), -EIO);
	ck_assert_int_eq(load_with(answer(0, 0), memfd("", 0, SEALED)), -EIO);
	ck_assert_int_eq(load_with(answer(0, MKSRV_LOAD_MAX + 1ull), memfd("1", 1, SEALED)), -EIO);
	ck_assert_int_eq(load_with(answer(0, 9), -1), -EIO);                          /* no fd */
	ck_assert_int_eq(load_with(answer(-ENOENT, 0), memfd("1", 1, SEALED)), -EIO); /* an fd */
	ck_assert_int_eq(load_with(answer(-ENOENT, 5), -1), -EIO);                    /* a size */
	ck_assert_int_eq(load_with(answer(7, 0), -1), -EIO);                          /* > 0 */
	ck_assert_int_eq(load_with(answer(-5000, 0), -1), -EIO);                      /* range */
	ck_assert_int_eq(pipe(p), 0);
	close(p[1]);
	ck_assert_int_eq(load_with(answer(0, 9), p[0]), -EIO); /* not a memfd */
	r = answer(0, 9);
	r.type = MKSRV_DONE;
	ck_assert_int_eq(load_with(r, memfd("123456789", 9, SEALED)), -EIO);
	r = answer(-ENOENT, 0);
	r.reserved = 1;
	ck_assert_int_eq(load_with(r, -1), -EIO);
	r = answer(-ENOENT, 0);
	r.magic = 0;
	ck_assert_int_eq(load_with(r, -1), -EIO);
	ck_assert_int_eq(errors, 14);
	ck_assert_int_eq(nfds_open(), before);
}
END_TEST

START_TEST(test_load_bad_records)
{
	struct mksrv_load_reply r = answer(-ENOENT, 0);
	char big[sizeof(r) + 8];
	void *buf;
	size_t len;
	int before = nfds_open(), two[2] = { memfd("1", 1, SEALED), memfd("1", 1, SEALED) };

	/* Short and long records. */
	queue(&r, sizeof(r) - 1, NULL, 0);
	ck_assert_int_eq(mk_client_load_file(&cl, 1, "/x", &buf, &len), -EIO);
	memset(big, 0, sizeof(big));
	memcpy(big, &r, sizeof(r));
	queue(big, sizeof(big), NULL, 0);
	ck_assert_int_eq(mk_client_load_file(&cl, 1, "/x", &buf, &len), -EIO);
	/* Two fds for one file. */
	r = answer(0, 1);
	queue(&r, sizeof(r), two, 2);
	close(two[0]);
	close(two[1]);
	ck_assert_int_eq(mk_client_load_file(&cl, 1, "/x", &buf, &len), -EIO);
	ck_assert_int_eq(nfds_open(), before);
	/* The server went away. */
	shutdown(srv, SHUT_RDWR);
	ck_assert_int_eq(mk_client_load_file(&cl, 1, "/x", &buf, &len), -EIO);
}
END_TEST

START_TEST(test_load_path_bounds)
{
	static char path[MKSRV_LOAD_PATH + 1];
	void *buf;
	size_t len;
	char b;

	memset(path, 'a', MKSRV_LOAD_PATH);
	ck_assert_int_eq(mk_client_load_file(&cl, 1, path, &buf, &len), -ENAMETOOLONG);
	ck_assert_int_eq(mk_client_load_file(&cl, 1, "", &buf, &len), -ENOENT);
	/* Nothing was sent. */
	ck_assert_int_eq(recv(srv, &b, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
}
END_TEST

START_TEST(test_stats)
{
	struct mksrv_stats a = {
		.magic = MKSRV_MAGIC, .type = MKSRV_STATS, .kicks = 3, .fs_calls = 7
	};
	struct mksrv_stats_req q;
	struct mk_stats st;

	queue(&a, sizeof(a), NULL, 0);
	ck_assert_int_eq(mk_client_stats(&cl, &st), 0);
	ck_assert_uint_eq(st.kicks, 3);
	ck_assert_uint_eq(st.fs_calls, 7);
	ck_assert_int_eq(recv(srv, &q, sizeof(q), MSG_DONTWAIT), (ssize_t)sizeof(q));
	ck_assert_uint_eq(q.type, MKSRV_STATS);
	a.type = MKSRV_DONE;
	queue(&a, sizeof(a), NULL, 0);
	ck_assert_int_eq(mk_client_stats(&cl, &st), -1);
	queue(&a, sizeof(a) - 8, NULL, 0);
	ck_assert_int_eq(mk_client_stats(&cl, &st), -1);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("monitor/client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_ok);
	tcase_add_test(tc, test_load_errno);
	tcase_add_test(tc, test_load_untrusted);
	tcase_add_test(tc, test_load_bad_records);
	tcase_add_test(tc, test_load_path_bounds);
	tcase_add_test(tc, test_stats);
	suite_add_tcase(s, tc);
	return s;
}
