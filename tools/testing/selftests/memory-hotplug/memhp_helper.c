// SPDX-License-Identifier: GPL-2.0
/*
 * memhp_helper: what the guest scenarios cannot do from a shell.
 *
 *   memhp_helper fill MIB [anon|thp|hugetlb [NODE]]
 *	map MIB MiB (THP: 2 MiB aligned with MADV_HUGEPAGE; hugetlb:
 *	MAP_HUGETLB), on NUMA node NODE only if given (MPOL_BIND), write a
 *	pattern into every page, print "READY", wait for SIGUSR1, check the
 *	pattern, print "INTACT" or "CORRUPT <page>", exit 0 / 1.
 *   memhp_helper hold MIB NODE
 *	a data holder for soaks, named "memhp-holder": map MIB MiB (THP),
 *	bound to NUMA node NODE, write the pattern, print "READY"; then,
 *	every second until SIGUSR1, read all of it back, count the bytes
 *	that differ, move what is elsewhere back to NODE when the node has
 *	room (the next offline of that memory migrates it again), and print
 *	"PASS <passes> <bytes verified> <bytes mismatched, summed over the
 *	passes> <pages off NODE; -1: NODE has no memory, -2: a system call
 *	failed>".  SIGUSR1: a last pass, then "INTACT
 *	<bytes verified>" or "CORRUPT <bytes mismatched>"; exit 0 / 1.
 *   memhp_helper pin START_PFN END_PFN MIB
 *	map MIB MiB, find a page whose pfn is in [START_PFN, END_PFN), keep
 *	an extra reference on it (vmsplice into a pipe nobody reads: the page
 *	cannot migrate), print "PINNED <pfn>", wait for SIGUSR1, exit 0.
 *   memhp_helper write-with-sigint FILE VALUE SECONDS
 *	write VALUE to FILE; a child sends this process SIGINT after SECONDS
 *	(a decimal: 0.2 is 200 ms).
 *	Prints "<strerror() text, EINTR or OK> <milliseconds>" (a file
 *	that cannot be opened: its strerror() text and 0, exit 2).
 *   memhp_helper fail-nth N FILE VALUE
 *	write VALUE to FILE while the N-th fault-injection site this task
 *	passes fails (/proc/thread-self/fail-nth: failslab, fail_page_alloc,
 *	fail_function).  Every page of the process is locked in first, so no
 *	page fault of its own takes the fault.  Prints "<errno name or OK>
 *	fired" when the N-th site was reached, "<...> unused" when the write
 *	passed fewer than N sites.
 *   memhp_helper fail-all FILE VALUE
 *	write VALUE to FILE with /proc/thread-self/make-it-fail set: with a
 *	fault attribute armed for tasks that ask (task-filter, probability
 *	100), every call of that kind fails during the write.  Pages locked
 *	in first, as for fail-nth.  Prints "<errno name or OK>".
 *   memhp_helper kmsg [SEQ]
 *	without SEQ: the sequence number the next kernel message gets; with
 *	it: the text of each message from SEQ on, one per line.  Unlike
 *	counting dmesg lines, this stays right once the log buffer wraps.
 *   memhp_helper store-rate MIB ROUNDS
 *	the plain-store bandwidth of the machine: one process per online
 *	CPU, each with its share of MIB MiB of its own memory, written
 *	once first (faulted in), then memset() ROUNDS times, all processes
 *	at once per round.  Prints "STORE <bytes per round> <nanoseconds
 *	of the fastest round>", the round timed from the start signal to
 *	the last process done.
 *   memhp_helper copy-rate MIB ROUNDS
 *	the copy bandwidth of one CPU, the way a page migration copies: one
 *	process memcpy()s MIB MiB from one buffer of its own to another,
 *	both written first, 4 KiB at a time (GCC -O2 on x86-64 inlines that
 *	as "rep movsq", the instruction of the kernel's copy_page()), ROUNDS
 *	times.  Prints "COPY <bytes per round> <nanoseconds of the fastest
 *	round>".
 *
 * Built by the kselftest Makefile (TEST_GEN_FILES) as memhp_helper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024)
/* the unit a migration copies: one base page */
#define PAGE_BYTES 4096UL
#define HPAGE (2 * MIB)

/* SIGUSR1 stays blocked, so one sent early waits, pending, for us. */
static void catch_usr1(void)
{
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
}

static void wait_usr1(void)
{
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	while (sigwaitinfo(&usr1, NULL) < 0 && errno == EINTR)
		;
}

static char *map_anon(size_t len, const char *kind)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p;

	if (!strcmp(kind, "hugetlb"))
		flags |= MAP_HUGETLB;
	if (!strcmp(kind, "thp")) {
		/* over-map, then use the 2 MiB aligned part */
		p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		p = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
		madvise(p, len, MADV_HUGEPAGE);
		return p;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Every 8 bytes of page i hold i * 2654435761 + offset: cheap, unique. */
static uint64_t pattern(size_t page, size_t word)
{
	return page * 2654435761ULL + word;
}

static void write_pattern(char *p, size_t len)
{
	size_t pg, w, words = 4096 / 8;

	for (pg = 0; pg < len / 4096; pg++)
		for (w = 0; w < words; w++)
			((uint64_t *)(p + pg * 4096))[w] = pattern(pg, w);
}

static long check_pattern(const char *p, size_t len)
{
	size_t pg, w, words = 4096 / 8;

	for (pg = 0; pg < len / 4096; pg++)
		for (w = 0; w < words; w++)
			if (((const uint64_t *)(p + pg * 4096))[w] != pattern(pg, w))
				return pg;
	return -1;
}

/* Allocate only on @node from now on (MPOL_BIND); no libnuma needed. */
static int bind_to_node(const char *node)
{
	unsigned long mask = 1UL << strtoul(node, NULL, 0);

	return syscall(SYS_set_mempolicy, 2 /* MPOL_BIND */, &mask,
		       8 * sizeof(mask));
}

static int cmd_fill(size_t mib, const char *kind, const char *node)
{
	size_t len = mib * MIB;
	char *p;
	long bad;

	if (node && bind_to_node(node)) {
		printf("MAPFAIL set_mempolicy %s\n", strerror(errno));
		return 2;
	}
	p = map_anon(len, kind);

	if (!p) {
		printf("MAPFAIL %s\n", strerror(errno));
		return 2;
	}
	catch_usr1();
	write_pattern(p, len);
	printf("READY\n");
	fflush(stdout);
	wait_usr1();
	bad = check_pattern(p, len);
	if (bad >= 0)
		printf("CORRUPT %ld\n", bad);
	else
		printf("INTACT\n");
	return bad >= 0;
}

/* Bytes of [p, p + len) that no longer hold the pattern. */
static size_t count_mismatched(const char *p, size_t len)
{
	size_t pg, w, words = 4096 / 8, bad = 0;
	const uint64_t *q;

	for (pg = 0; pg < len / 4096; pg++) {
		q = (const uint64_t *)(p + pg * 4096);
		for (w = 0; w < words; w++)
			if (q[w] != pattern(pg, w))
				bad += 8;
	}
	return bad;
}

/* Free memory of NUMA node @node in bytes (its meminfo), 0 if unknown. */
static size_t node_free(int node)
{
	char path[64], line[128];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 node);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemFree: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * Pages of [p, p + len) on another node than @node: a sample of at most
 * 4096, scaled; -2 when the query fails.
 */
static long pages_away(char *p, size_t len, int node)
{
	static void *pages[4096];
	static int status[4096];
	size_t i, n = len / 4096, step = n / 4096 + 1, asked = 0;
	long away = 0;

	for (i = 0; i < n && asked < 4096; i += step)
		pages[asked++] = p + i * 4096;
	if (syscall(SYS_move_pages, 0, asked, pages, NULL, status, 0))
		return -2;
	for (i = 0; i < asked; i++)
		away += status[i] >= 0 && status[i] != node;
	return away * step;
}

/*
 * Move what an offline migrated off @node back to it (mbind MPOL_BIND,
 * MPOL_MF_MOVE), when the node has room for it and some to spare: a
 * migration that finds the node full warns on the console.  The pages
 * still elsewhere; -1 when the node has no memory at all, -2 when a
 * system call failed.
 */
static long move_to_node(char *p, size_t len, int node)
{
	unsigned long mask = 1UL << node;
	long away = pages_away(p, len, node);

	if (away <= 0 || node_free(node) < away * 4096UL + 64 * MIB)
		return node_free(node) ? away : -1;
	if (syscall(SYS_mbind, p, len, 2 /* MPOL_BIND */, &mask,
		    8 * sizeof(mask), 2 /* MPOL_MF_MOVE */))
		return -2;
	return pages_away(p, len, node);
}

static int cmd_hold(size_t mib, int node)
{
	size_t len = mib * MIB, verified = 0, bad = 0;
	struct timespec second = { .tv_sec = 1 };
	unsigned long passes = 0;
	char *p = map_anon(len, "thp");
	sigset_t usr1;
	int last = 0;
	long away;

	if (!p) {
		printf("MAPFAIL %s\n", strerror(errno));
		return 2;
	}
	/* its name on the console, should a move back find the node full */
	prctl(PR_SET_NAME, "memhp-holder");
	catch_usr1();
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	/* placed on the node before the first touch */
	if (syscall(SYS_mbind, p, len, 2 /* MPOL_BIND */,
		    &(unsigned long){ 1UL << node }, 8 * sizeof(long), 0)) {
		printf("MAPFAIL mbind %s\n", strerror(errno));
		return 2;
	}
	write_pattern(p, len);
	printf("READY\n");
	while (!last) {
		last = sigtimedwait(&usr1, NULL, &second) == SIGUSR1;
		bad += count_mismatched(p, len);
		verified += len;
		passes++;
		away = last ? 0 : move_to_node(p, len, node);
		printf("PASS %lu %zu %zu %ld\n", passes, verified, bad, away);
	}
	if (bad)
		printf("CORRUPT %zu\n", bad);
	else
		printf("INTACT %zu\n", verified);
	return !!bad;
}

static uint64_t pfn_of(int pagemap, const void *addr)
{
	uint64_t ent = 0;
	off_t off = (uintptr_t)addr / 4096 * sizeof(ent);

	if (pread(pagemap, &ent, sizeof(ent), off) != sizeof(ent))
		return 0;
	return (ent >> 63) ? ent & ((1ULL << 55) - 1) : 0;
}

static int cmd_pin(uint64_t lo, uint64_t hi, size_t mib)
{
	size_t len = mib * MIB, off;
	char *p = map_anon(len, "anon");
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	int pipefd[2];
	struct iovec iov = { .iov_len = 4096 };

	if (!p || pagemap < 0 || pipe(pipefd))
		return 2;
	catch_usr1();
	write_pattern(p, len);
	for (off = 0; off < len; off += 4096) {
		uint64_t pfn = pfn_of(pagemap, p + off);

		if (pfn < lo || pfn >= hi)
			continue;
		iov.iov_base = p + off;
		if (vmsplice(pipefd[1], &iov, 1, 0) != 4096)
			return 2;
		printf("PINNED %#llx\n", (unsigned long long)pfn);
		fflush(stdout);
		wait_usr1();
		return 0;
	}
	printf("NOPAGE\n");
	return 1;
}

static void on_int(int sig)
{
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int cmd_write_with_sigint(const char *file, const char *value,
				 double seconds)
{
	struct timespec delay = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
	};
	struct sigaction sa = { .sa_handler = on_int };	/* no SA_RESTART */
	struct timespec t0;
	pid_t parent = getpid(), child;
	int fd = open(file, O_WRONLY), err = 0;
	ssize_t n;

	if (fd < 0) {
		printf("%s 0\n", strerror(errno));
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	child = fork();
	if (child == 0) {
		nanosleep(&delay, NULL);
		kill(parent, SIGINT);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = write(fd, value, strlen(value));
	if (n < 0)
		err = errno;
	printf("%s %ld\n", err == EINTR ? "EINTR" : err ? strerror(err) : "OK",
	       ms_since(&t0));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}

static int cmd_fail_nth(const char *nth, const char *file, const char *value)
{
	int fd = open(file, O_WRONLY);
	int ctl = open("/proc/thread-self/fail-nth", O_RDWR);
	char left[32] = "";
	int err = 0;

	if (fd < 0 || ctl < 0 || mlockall(MCL_CURRENT | MCL_FUTURE))
		return 2;
	if (write(ctl, nth, strlen(nth)) < 0)
		return 2;
	if (write(fd, value, strlen(value)) < 0)
		err = errno;
	/* what is left of N: 0 once the N-th site failed */
	if (pread(ctl, left, sizeof(left) - 1, 0) < 0)
		return 2;
	if (write(ctl, "0", 1) < 0)
		return 2;
	printf("%s %s\n", err ? strerrorname_np(err) : "OK",
	       strtoul(left, NULL, 10) ? "unused" : "fired");
	return 0;
}

static int cmd_fail_all(const char *file, const char *value)
{
	int fd = open(file, O_WRONLY);
	int ctl = open("/proc/thread-self/make-it-fail", O_WRONLY);
	int err = 0;

	if (fd < 0 || ctl < 0 || mlockall(MCL_CURRENT | MCL_FUTURE))
		return 2;
	if (write(ctl, "1", 1) < 0)
		return 2;
	if (write(fd, value, strlen(value)) < 0)
		err = errno;
	if (pwrite(ctl, "0", 1, 0) < 0)
		return 2;
	printf("%s\n", err ? strerrorname_np(err) : "OK");
	return 0;
}

/*
 * Each read() of /dev/kmsg returns one record, "prio,seq,usec,flags;text"
 * (a newline inside text comes escaped), then lines of dictionary
 * properties.  Non-blocking: the read after the newest record fails with
 * EAGAIN; EPIPE says records were overwritten before they were read.
 */
static int cmd_kmsg(const char *from)
{
	unsigned long long seq, next = 0, want = 0;
	char rec[8192], *text;
	bool lost = false;
	ssize_t n;
	int fd;

	if (from)
		want = strtoull(from, NULL, 10);
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		perror("/dev/kmsg");
		return 2;
	}
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			perror("/dev/kmsg");
			close(fd);
			return 2;
		}
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text || sscanf(rec, "%*u,%llu,", &seq) != 1)
			continue;
		/*
		 * records after the mark are missing: the oldest one left is
		 * newer than the mark, or some were overwritten while we read
		 */
		if (from && seq > want && seq > next)
			lost = true;
		next = seq + 1;
		if (from && seq >= want) {
			text[strcspn(text, "\n")] = '\0';
			puts(text + 1);
		}
	}
	close(fd);
	if (!from)
		printf("%llu\n", next);
	if (lost)
		fprintf(stderr, "memhp_helper: kernel log records from %llu on were overwritten\n",
			want);
	return lost ? 3 : 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* One writer of store-rate: a byte on @go starts a round, one on @done ends it. */
static void store_writer(size_t bytes, int go, int done, int rounds)
{
	char *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c = 0;
	int r;

	if (buf == MAP_FAILED)
		_exit(1);
	madvise(buf, bytes, MADV_HUGEPAGE);
	memset(buf, 1, bytes);
	if (write(done, &c, 1) != 1)
		_exit(1);
	for (r = 0; r < rounds; r++) {
		if (read(go, &c, 1) != 1)
			_exit(1);
		memset(buf, r, bytes);
		if (write(done, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static int cmd_store_rate(size_t mib, int rounds)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t share = mib * MIB / (ncpu > 0 ? ncpu : 1);
	uint64_t best = UINT64_MAX, t0;
	int go[64][2], done[2], i, r, ok = 1;
	char c = 0;

	if (ncpu < 1 || ncpu > 64 || !share || rounds < 1 || pipe(done))
		return 2;
	for (i = 0; i < ncpu; i++) {
		pid_t pid;

		if (pipe(go[i]))
			return 2;
		pid = fork();
		if (pid < 0) {
			perror("memhp_helper: fork");
			return 2;
		}
		if (!pid) {
			/* EOF on go once the parent is gone */
			for (r = 0; r <= i; r++)
				close(go[r][1]);
			close(done[0]);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			store_writer(share, go[i][0], done[1], rounds);
		}
		close(go[i][0]);
	}
	close(done[1]);
	/* every writer has faulted its memory in */
	for (i = 0; i < ncpu; i++)
		ok &= read(done[0], &c, 1) == 1;
	for (r = 0; ok && r < rounds; r++) {
		t0 = now_ns();
		for (i = 0; i < ncpu; i++)
			ok &= write(go[i][1], &c, 1) == 1;
		for (i = 0; i < ncpu; i++)
			ok &= read(done[0], &c, 1) == 1;
		t0 = now_ns() - t0;
		if (t0 < best)
			best = t0;
	}
	for (i = 0; i < ncpu; i++)
		close(go[i][1]);
	while (wait(NULL) > 0)
		;
	if (!ok) {
		fprintf(stderr, "memhp_helper: a store-rate writer failed\n");
		return 1;
	}
	printf("STORE %zu %llu\n", share * ncpu, (unsigned long long)best);
	return 0;
}

/* Copy @bytes from @src to @dst a base page at a time, as a migration does. */
static void copy_pages(char *dst, const char *src, size_t bytes)
{
	size_t off;

	for (off = 0; off < bytes; off += PAGE_BYTES) {
		memcpy(dst + off, src + off, PAGE_BYTES);
		/* the copy counts as read: the compiler may not drop it */
		asm volatile("" : : "r"(dst) : "memory");
	}
}

static int cmd_copy_rate(size_t mib, int rounds)
{
	size_t bytes = mib * MIB;
	uint64_t best = UINT64_MAX, t0;
	char *src, *dst;
	int r;

	if (!bytes || rounds < 1)
		return 2;
	src = mmap(NULL, 2 * bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED) {
		perror("memhp_helper: mmap");
		return 1;
	}
	dst = src + bytes;
	/* both faulted in: the timed rounds take no page fault */
	memset(src, 1, 2 * bytes);
	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		copy_pages(dst, src, bytes);
		t0 = now_ns() - t0;
		if (t0 < best)
			best = t0;
	}
	printf("COPY %zu %llu\n", bytes, (unsigned long long)best);
	munmap(src, 2 * bytes);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "fill"))
		return cmd_fill(strtoul(argv[2], NULL, 0),
				argc > 3 ? argv[3] : "anon",
				argc > 4 ? argv[4] : NULL);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return cmd_hold(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "pin"))
		return cmd_pin(strtoull(argv[2], NULL, 0),
			       strtoull(argv[3], NULL, 0),
			       strtoul(argv[4], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "write-with-sigint"))
		return cmd_write_with_sigint(argv[2], argv[3],
					     strtod(argv[4], NULL));
	if (argc == 5 && !strcmp(argv[1], "fail-nth"))
		return cmd_fail_nth(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "fail-all"))
		return cmd_fail_all(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "store-rate"))
		return cmd_store_rate(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "copy-rate"))
		return cmd_copy_rate(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "kmsg"))
		return cmd_kmsg(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of memhp_helper.c\n");
	return 2;
}
